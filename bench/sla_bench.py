"""SLA benchmark: business-time math, per-change recompute cost, and a sweep over overdue conversations.

Runs in-process against a fresh database (SQLite file, or a fresh PostgreSQL database when
KEFU_DATABASE_URL names a server). Prints figures; asserts nothing about speed.

    .venv/bin/python bench/sla_bench.py [--conversations 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kefu.core.liveserver import LiveSite  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_math() -> None:
    from datetime import time as clock_time
    from zoneinfo import ZoneInfo

    from kefu.sla.business_time import Interval, Schedule, add_business, business_between

    hours = ((clock_time(9), clock_time(12)), (clock_time(13), clock_time(18)))
    office = Schedule(ZoneInfo("America/New_York"), tuple(Interval(d, s, e) for d in range(5) for s, e in hours))
    start = datetime(2026, 3, 6, 15, tzinfo=UTC)
    rounds = 2000
    began = time.perf_counter()
    for n in range(rounds):
        due = add_business(office, start + timedelta(minutes=n), timedelta(hours=8))
        business_between(office, start, due)
    elapsed = time.perf_counter() - began
    print(f"business-time math: {rounds / elapsed:,.0f} add+measure pairs/s (8 business hours across a DST weekend)")


def bench_database(count: int) -> None:
    from django.utils import timezone

    from kefu.channels.models import ChannelKind, Inbox
    from kefu.contacts.models import Contact
    from kefu.conversations import services
    from kefu.conversations.models import Conversation
    from kefu.sla import services as sla_services
    from kefu.sla.calendars import ensure_always_open_calendar
    from kefu.sla.models import ConversationSla, Escalation, EscalationFiring, SlaPolicy

    policy = SlaPolicy.objects.create(name="bench", calendar=ensure_always_open_calendar(),
                                      first_response_minutes=60, next_response_minutes=30, resolution_minutes=600)
    Escalation.objects.create(policy=policy, target="first_response", moment="breach", action="notify")
    inbox = Inbox.objects.create(name="bench", kind=ChannelKind.WEBCHAT)
    contact = Contact.objects.create(name="bench")
    ids = []
    for n in range(count):
        conversation, _ = services.create_conversation(inbox, contact, services.Actor.for_customer(contact),
                                                       body=f"question {n}")
        ids.append(conversation.pk)
    timings = []
    if os.environ.get("SLA_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for pk in ids[:20]:
            sla_services.refresh_sla(pk)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    for pk in ids:
        began = time.perf_counter()
        sla_services.refresh_sla(pk)
        timings.append((time.perf_counter() - began) * 1000)
    print(f"refresh_sla (one change, {count} conversations): p50 {statistics.median(timings):.1f} ms, "
          f"p99 {percentile(timings, 99):.1f} ms")
    later = timezone.now() + timedelta(hours=2)
    began = time.perf_counter()
    checked = sla_services.sweep(now=later, limit=count)
    elapsed = time.perf_counter() - began
    fired = EscalationFiring.objects.count()
    print(f"sweep after a 2-hour outage: {checked} overdue conversations in {elapsed:.2f} s "
          f"({checked / elapsed:,.0f}/s), {fired} breach escalations (expected {count})")
    assert fired == count and ConversationSla.objects.filter(first_response_breached=True).count() == count
    assert Conversation.objects.count() == count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=500)
    args = parser.parse_args()
    bench_math()
    site = LiveSite()
    try:
        site.migrate()
        os.environ.update(site.env())
        os.environ["DJANGO_SETTINGS_MODULE"] = "kefu.settings"
        import django

        django.setup()
        bench_database(args.conversations)
    finally:
        site.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
