"""`kefu sla ...`: run the deadline sweep, import holidays from iCal, show a conversation's deadlines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_sweep(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.sla import scheduling, services

    created = services.refresh_open() if args.all else 0
    checked = services.sweep()
    queued = scheduling.ensure_sweep_scheduled()
    print(f"Checked {checked} conversation(s) with a passed warning or deadline"
          + (f"; recomputed {created} open conversation(s)" if args.all else "") + ".")
    if queued:
        print("Queued the periodic sweep task (runs in `kefu worker` / `kefu serve`).")
    return 0


def cmd_import_holidays(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.core.errors import KefuError
    from kefu.sla.calendars import find_calendar, import_holidays

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"kefu sla import-holidays: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        result = import_holidays(find_calendar(args.calendar), data)
    except KefuError as error:
        print(f"kefu sla import-holidays: {error.detail}", file=sys.stderr)
        return 2
    print(f"Imported {result.events} event(s): {result.created} new holiday date(s), {result.updated} updated.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.conversations.models import Conversation
    from kefu.sla.selectors import deadlines
    from kefu.sla.services import refresh_sla

    conversation = Conversation.objects.filter(number=args.number).first()
    if conversation is None:
        print(f"kefu sla show: no conversation #{args.number}", file=sys.stderr)
        return 2
    sla = refresh_sla(conversation.pk)
    if sla.policy is None:
        print(f"#{conversation.number}: no SLA policy applies.")
        return 0
    print(f"#{conversation.number}: policy {sla.policy.name}{' (paused)' if sla.paused else ''}")
    for d in deadlines(sla):
        when = d.met_at or d.due_at
        print(f"  {d.target:15} {d.state:13} {when.isoformat() if when else '-':32} {d.left_text}")
    return 0


def register(subparsers) -> None:
    sla = subparsers.add_parser("sla", help="business hours and SLAs: sweep deadlines, import holidays")
    sub = sla.add_subparsers(dest="sla_command", required=True, metavar="ACTION")
    sweep = sub.add_parser("sweep", help="handle every passed warning and deadline now, and queue the periodic sweep")
    sweep.add_argument("--all", action="store_true",
                       help="first recompute every open conversation (after changing policies or calendars)")
    sweep.set_defaults(func=cmd_sweep)
    holidays = sub.add_parser("import-holidays", help="add the events of an iCalendar (.ics) file as holidays")
    holidays.add_argument("calendar", help="calendar name (or id)")
    holidays.add_argument("file", help="path to the .ics file")
    holidays.set_defaults(func=cmd_import_holidays)
    show = sub.add_parser("show", help="recompute and print a conversation's deadlines")
    show.add_argument("number", type=int, help="conversation number")
    show.set_defaults(func=cmd_show)
