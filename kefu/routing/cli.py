"""`kefu routing-worker`: the routing assigner loop on its own; `kefu routing status`: the queues."""

from __future__ import annotations

import argparse


def cmd_worker(args: argparse.Namespace) -> int:
    import asyncio

    from kefu.cli import setup_django

    setup_django()
    from kefu.routing import assigner

    print("kefu routing worker: routing new conversations and assigning waiting ones (Ctrl-C stops).")
    try:
        asyncio.run(assigner.run_forever(poll=args.poll))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_routing(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.routing import assigner, queues

    if args.routing_command == "assign":
        assigned = sum(n for n, _ in assigner.run_once(catch_up=True).values())
        print(f"Assigned {assigned} waiting conversation(s).")
        return 0
    for q in queues.overview():
        name = q.team.slug if q.team else "(no team)"
        surge = " SURGE" if q.surge else ""
        longest = f"{q.longest_wait_seconds}s" if q.longest_wait_seconds is not None else "-"
        print(f"{name}\twaiting {q.waiting}\tlongest {longest}\tonline {q.online}{surge}")
    return 0


def register(subparsers) -> None:
    worker = subparsers.add_parser(
        "routing-worker", help="run the routing assigner alone (see KEFU_ROUTING_ASSIGNER in docs/routing.md)")
    worker.add_argument("--poll", type=float, default=None, help="seconds between passes when not woken")
    worker.set_defaults(func=cmd_worker)
    routing = subparsers.add_parser("routing", help="queues: show them, or run one assignment pass")
    sub = routing.add_subparsers(dest="routing_command", required=True, metavar="ACTION")
    sub.add_parser("status", help="every team's queue length, longest wait, agents online, surge")
    sub.add_parser("assign", help="route what was missed and assign what fits, once")
    routing.set_defaults(func=cmd_routing)
