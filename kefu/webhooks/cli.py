"""`kefu webhooks ...`: list subscriptions and their delivery state, re-enqueue overdue deliveries."""

from __future__ import annotations

import argparse


def cmd_list(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from django.db.models import Count, Q

    from kefu.webhooks.models import Subscription

    counts = {status: Count("deliveries", filter=Q(deliveries__status=status))
              for status in ("pending", "succeeded", "failed", "gave_up")}
    for sub in Subscription.objects.annotate(**counts):
        state = "active" if sub.is_active else "inactive"
        print(f"{sub.pk}\t{state}\t{sub.url}\t{','.join(sub.event_types)}\tpending={sub.pending} "
              f"succeeded={sub.succeeded} failed={sub.failed} gave_up={sub.gave_up}")
    return 0


def cmd_retry_due(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.webhooks.services import enqueue_overdue

    print(f"Queued {enqueue_overdue(limit=args.limit)} overdue deliveries.")
    return 0


def register(subparsers) -> None:
    webhooks = subparsers.add_parser("webhooks", help="outbound webhooks: list subscriptions, retry overdue")
    sub = webhooks.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="subscriptions with their delivery counts").set_defaults(func=cmd_list)
    retry = sub.add_parser("retry-due", help="re-enqueue pending deliveries whose attempt is overdue "
                           "(e.g. after a worker crash); kefu also does this on its own once a minute")
    retry.add_argument("--limit", type=int, default=500)
    retry.set_defaults(func=cmd_retry_due)
