"""In-process cost of one customer widget message: CPU ms and SQL statements per message, no sockets.

What `bench/ws_latency.py` asks of the server for each message in its window, in one process: the
demo desk (same data as the live benches: help center, assistant on, SLA policies and calendars), N
widget visitors who each opened a conversation and wrote once more (so the assistant has handed off,
like `ws_latency.py --warm-messages 1`), then M customer messages round-robin over them through
`WidgetConsumer._send_message`, the function the widget socket runs on its database thread (ownership
check, message filters, the insert, every after-commit hook, events to the in-memory channel layer,
the ack's payload). Each message is run as the consumer runs it: from an event loop, through the
consumer's `database_sync_to_async` (kefu.core.db: `close_old_connections` before and after, the SQLite
connection kept open) on the one database thread, its events sent from the loop when the call returns.
CPU is the whole process's (both threads). --close-connection uses Channels' own wrapper, which closes
the connection after each message as kefu did before (connect and four PRAGMAs per message, and on
SQLite a WAL checkpoint when the last connection closes).

    .venv/bin/python bench/message_cost.py [--customers 200] [--messages 1000] [--queries] [--profile]

A fresh test database is made (a SQLite file, or PostgreSQL when KEFU_DATABASE_URL is postgresql://,
named by KEFU_TEST_DATABASE_NAME) and dropped afterwards. --queries prints the statements per message
by kind and table; --profile cProfile's top functions; --trace every statement of one more message.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from surge_cost import HookMeter, kind_of  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", "-n", type=int, default=200)
    p.add_argument("--messages", "-m", type=int, default=1000, help="messages measured, round-robin")
    p.add_argument("--warmup", type=int, default=100, help="messages sent first and not counted")
    p.add_argument("--assistant", choices=["on", "off"], default="on")
    p.add_argument("--close-connection", action="store_true",
                   help="close the database connection after each message (channels.db.database_sync_to_async)")
    p.add_argument("--profile", action="store_true", help="cProfile the measured messages")
    p.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--queries", action="store_true", help="statements per message by kind and table")
    p.add_argument("--hooks", action="store_true", help="CPU and statements of each after-commit hook")
    p.add_argument("--trace", action="store_true", help="print every statement of one more message")
    return p.parse_args()


def setup_django(args) -> None:
    os.environ.setdefault("KEFU_VAR_DIR", tempfile.mkdtemp(prefix="kefu-message-cost-"))
    if not os.environ.get("KEFU_DATABASE_URL", "").startswith("postgres"):
        # A file, like a server's (WAL, a connection per database call), not SQLite's in-memory test database.
        os.environ.setdefault("KEFU_TEST_DATABASE_NAME", os.path.join(os.environ["KEFU_VAR_DIR"], "test.sqlite3"))
    os.environ.setdefault("KEFU_SECRET_KEY", "bench-only")
    os.environ["KEFU_ASSISTANT_DEFAULT_ENABLED"] = "true" if args.assistant == "on" else "false"
    os.environ.pop("KEFU_REDIS_URL", None)  # the in-memory layer: this measures the server's own work
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()


def load_demo() -> None:
    """The demo desk, as `kefu demo` loads it for the live benches."""
    import importlib
    import importlib.util

    from django.apps import apps

    from kefu.web.demo import load_demo as load_web

    load_web()
    for config in apps.get_app_configs():
        qualified = f"{config.name}.demo"
        if config.name.startswith("kefu.") and importlib.util.find_spec(qualified) is not None:
            module = importlib.import_module(qualified)
            if hasattr(module, "load"):
                module.load(io.StringIO())


class Visitor:
    """One widget visitor: a session and the consumer method its socket calls."""

    def __init__(self, index: int, inbox) -> None:
        from kefu.channels import webchat
        from kefu.web.consumers import WidgetConsumer

        self.index = index
        self.consumer = WidgetConsumer()
        self.consumer.session = webchat.start_session(inbox, name=f"Bench {index}", language="en")
        self.consumer.contact_id = self.consumer.session.contact.pk
        self.consumer.inbox_id = inbox.pk
        self.conversation_id: int | None = None
        self.sent = 0

    def send(self, body: str) -> dict:
        self.sent += 1
        reply = self.consumer._send_message({
            "type": "message.send", "client_id": f"c{self.index}-{self.sent}", "body": body,
            "conversation_id": self.conversation_id, "language": "en",
        })
        assert reply["type"] == "message.ack" and not reply["duplicate"], reply
        self.conversation_id = reply["conversation"]["id"]
        return reply


def consumer_call(args):
    """How the widget consumer runs `_send_message`: its database_sync_to_async (kefu.core.db: SQLite
    connection kept; channels.db with --close-connection) and, where this kefu has it, the events sent
    from the loop afterwards (kefu.core.events.sending_from_the_loop). Older code: Channels' wrapper and
    a hop to the loop per commit."""
    from channels.db import database_sync_to_async as channels_wrapper

    try:
        from kefu.core.db import database_sync_to_async as kefu_wrapper
    except ImportError:
        kefu_wrapper = None
    from kefu.core import events

    wrapper = channels_wrapper if args.close_connection or kefu_wrapper is None else kefu_wrapper
    return wrapper, getattr(events, "sending_from_the_loop", None)


def main() -> int:
    args = parse_args()
    setup_django(args)
    from asgiref.sync import async_to_sync
    from django.db import connection

    from kefu.channels.models import Inbox
    from kefu.conversations.models import Conversation, Message

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        load_demo()
        inbox = Inbox.objects.get(public_key="demo-webchat")
        visitors = [Visitor(i, inbox) for i in range(args.customers)]
        for visitor in visitors:
            visitor.send(f"open {visitor.index}: my deposit has not arrived")  # the assistant answers or asks
            visitor.send(f"warm {visitor.index}: I want to talk to a human")  # ... and hands off
        meter = HookMeter()
        if args.hooks or args.trace:
            meter.install()

        def one(n: int) -> None:
            visitor = visitors[n % len(visitors)]
            visitor.send(f"bench {n} is my withdrawal still pending?")

        seen: list[str] = []

        def record(execute, sql, params, many, context):
            seen.append(sql)
            return execute(sql, params, many, context)

        profile = cProfile.Profile(time.process_time) if args.profile else None

        def measured(n: int) -> None:  # on the database thread, like the consumer's call
            with connection.execute_wrapper(record):
                if profile:
                    profile.enable()
                try:
                    one(n)
                finally:
                    if profile:
                        profile.disable()

        run_on_db_thread, sending_from_the_loop = consumer_call(args)

        async def drive(numbers: range, body) -> None:
            for n in numbers:
                def call(n=n):
                    return run_on_db_thread(body)(n)

                await (sending_from_the_loop(call) if sending_from_the_loop else call())

        async_to_sync(drive)(range(args.warmup), one)
        meter.reset()
        seen.clear()
        c0, w0 = time.process_time(), time.perf_counter()
        async_to_sync(drive)(range(args.warmup, args.warmup + args.messages), measured)
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        m = args.messages
        handed_off = sum(1 for v in visitors if v.conversation_id is not None)
        print(f"database: {connection.vendor}; assistant {args.assistant}; {args.customers} visitors "
              f"({handed_off} conversations), {args.warmup} warm-up then {m} messages measured; "
              f"connection {'closed after each message' if args.close_connection else 'kept (kefu.core.db)'}")
        print(f"customer message: {1000 * cpu / m:.2f} ms CPU ({1e6 * cpu / m:.0f} µs), {1000 * wall / m:.2f} ms wall, "
              f"{len(seen) / m:.1f} statements per message")
        if args.queries:
            counts = Counter(kind_of(sql) for sql in seen)
            for kind, count in counts.most_common():
                print(f"    {count / m:6.2f}  {kind}")
        if args.hooks:
            print(meter.report(m).replace("per conversation", "per message"))
        if profile:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
            print("\n".join(out.getvalue().splitlines()[4:]))
        if args.trace:
            meter.trace = True

            def show(execute, sql, params, many, context):
                if not meter.stack:
                    print(f"    [message] {sql[:160]}")
                return execute(sql, params, many, context)

            print("--- trace: one more message")
            with connection.execute_wrapper(show):
                one(args.warmup + m)
            meter.trace = False
        # Nothing lost, doubled or out of order: every visitor's conversation holds seq 1..last_seq.
        for visitor in visitors:
            conv = Conversation.objects.get(pk=visitor.conversation_id)
            seqs = list(Message.objects.filter(conversation=conv).order_by("seq").values_list("seq", flat=True))
            assert seqs == list(range(1, conv.last_seq + 1)), f"gap or double in {conv.pk}"
            customer = Message.objects.filter(conversation=conv, author_type="customer").count()
            assert customer == visitor.sent, f"conversation {conv.pk}: {customer} stored, {visitor.sent} sent"
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
