"""Demo routing setup for `kefu demo`: a 24/7 security team, a funds rule, surge thresholds."""

from __future__ import annotations

from kefu.accounts.models import Team
from kefu.routing.models import RoutingRule


def load(stdout) -> None:
    security = Team.objects.filter(slug="security").first()
    if security is not None and not security.always_open:
        security.always_open = security.handles_vip = True
        security.save(update_fields=["always_open", "handles_vip"])
    funds = Team.objects.filter(slug="funds").first()
    if funds is not None and not RoutingRule.objects.filter(name="Deposits and withdrawals").exists():
        RoutingRule.objects.create(
            name="Deposits and withdrawals", position=50, set_team=funds, categories=["funds."],
            keywords=["deposit", "withdrawal", "withdraw", "充值", "提现", "到账"], add_tags=["funds"],
        )
    for team in Team.objects.filter(surge_rate_per_minute=0):
        team.surge_rate_per_minute, team.surge_window_minutes = 30, 5
        team.save(update_fields=["surge_rate_per_minute", "surge_window_minutes"])
    stdout.write("Routing: security team 24/7, a deposits/withdrawals rule, surge above 30 new conversations/min.\n")
