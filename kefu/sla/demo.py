"""Demo SLA setup for `kefu demo`: office hours in Shanghai, a 24/7 security desk, three policies."""

from __future__ import annotations

from datetime import date, time

from django.db import transaction

from kefu.accounts.models import Team
from kefu.conversations.taxonomy import Priority
from kefu.sla.calendars import ensure_always_open_calendar
from kefu.sla.models import Calendar, Escalation, Holiday, SlaPolicy, TeamCalendar
from kefu.sla.services import refresh_open

OFFICE = "Lanting office (Shanghai)"
# A few public holidays of the fictional exchange's office (dates chosen for the demo).
HOLIDAYS = [
    (date(2026, 12, 31), "Year-end closing"),
    (date(2027, 1, 1), "New Year's Day / 元旦"),
    (date(2027, 2, 8), "Spring Festival / 春节"),
    (date(2027, 2, 9), "Spring Festival / 春节"),
    (date(2027, 2, 10), "Spring Festival / 春节"),
]


def _office() -> Calendar:
    office, created = Calendar.objects.get_or_create(name=OFFICE, defaults={"time_zone": "Asia/Shanghai"})
    if created:
        for day in range(5):
            office.intervals.create(weekday=day, start=time(9), end=time(12))
            office.intervals.create(weekday=day, start=time(13), end=time(21))
        office.intervals.create(weekday=5, start=time(10), end=time(16))
        for day, name in HOLIDAYS:
            Holiday.objects.get_or_create(calendar=office, date=day, defaults={"name": name})
    return office


def _policy(name: str, position: int, calendar: Calendar, targets: tuple[int, int, int], **conditions) -> SlaPolicy:
    teams = conditions.pop("teams", [])
    policy, created = SlaPolicy.objects.get_or_create(name=name, defaults={
        "position": position, "calendar": calendar, "first_response_minutes": targets[0],
        "next_response_minutes": targets[1], "resolution_minutes": targets[2], **conditions,
    })
    if created:
        policy.teams.set(teams)
    return policy


@transaction.atomic
def load(stdout) -> None:
    always = ensure_always_open_calendar()
    office = _office()
    teams = {t.slug: t for t in Team.objects.filter(slug__in=["general", "funds", "security"])}
    for slug, calendar in (("general", office), ("funds", office), ("security", always)):
        if slug in teams:
            TeamCalendar.objects.get_or_create(team=teams[slug], defaults={"calendar": calendar})
    # The security team's queue, or (without that team) anything categorised as security.
    security_condition = {"teams": [teams["security"]]} if "security" in teams else {"categories": ["security"]}
    security = _policy("Security desk (24/7)", 10, always, (10, 15, 240), **security_condition)
    urgent = _policy("Urgent", 20, always, (15, 30, 8 * 60), priorities=[Priority.URGENT])
    vip = _policy("VIP", 30, office, (30, 60, 16 * 60), min_vip_tier=2)
    standard = _policy("Standard", 90, office, (120, 240, 3 * 13 * 60))
    if not Escalation.objects.exists():
        Escalation.objects.create(policy=standard, target="first_response", moment="warning", warning_minutes=15)
        Escalation.objects.create(policy=standard, target="first_response", moment="breach",
                                  action="raise_priority")
        Escalation.objects.create(policy=vip, target="first_response", moment="warning", warning_minutes=10)
        Escalation.objects.create(policy=vip, target="first_response", moment="breach", action="raise_priority",
                                  priority=Priority.URGENT)
        Escalation.objects.create(policy=urgent, target="first_response", moment="breach")
        Escalation.objects.create(policy=security, target="first_response", moment="warning", warning_minutes=5)
        Escalation.objects.create(policy=security, target="first_response", moment="breach")
        if "general" in teams and "funds" in teams:
            Escalation.objects.create(policy=standard, target="resolution", moment="breach", action="reassign_team",
                                      team=teams["funds"])
    computed = refresh_open()
    stdout.write(f"  SLA: calendars '{OFFICE}' and '24/7', 4 policies; deadlines computed for {computed} "
                 f"conversation(s). Console → SLA.\n")
