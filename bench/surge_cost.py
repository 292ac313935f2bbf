"""In-process cost of one surge conversation: CPU ms and SQL queries per step, without HTTP sockets.

The same work `bench/surge.py` asks of a server, in one process and in steps, so each can be measured
alone: (1) `POST /api/v1/conversations` for a new customer (Django test client: the request, message
filters, and every after-commit hook: SLA, routing, webhooks, channel delivery, the assistant),
(2) the assigner's passes (`kefu.routing.assigner.run_once`) until every conversation is assigned,
(3) each agent's `PATCH /api/v1/conversations/{id}` to solved (and the hooks it runs).

    .venv/bin/python bench/surge_cost.py [--conversations 200] [--profile] [--queries]

A fresh test database is made (SQLite in memory, or PostgreSQL when KEFU_DATABASE_URL is postgresql://,
named by KEFU_TEST_DATABASE_NAME) and dropped afterwards. --profile prints cProfile's top functions
per step; --queries the statements per step grouped by kind and table.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--conversations", "-n", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20, help="conversations posted first and not counted")
    p.add_argument("--teams", type=int, default=5)
    p.add_argument("--agents", type=int, default=50)
    p.add_argument("--capacity", type=int, default=10)
    p.add_argument("--assistant", choices=["on", "off"], default="on",
                   help="the assistant answers customers (on, as kefu ships) or not (off: bench/surge.py before "
                        "it followed KEFU_BENCH_ASSISTANT)")
    p.add_argument("--batch", type=int, default=0, metavar="N",
                   help="open the conversations N per request through POST /api/v1/conversations/batch")
    p.add_argument("--profile", action="store_true", help="cProfile each step; print the top functions")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--without", action="append", default=[], metavar="KIND:NAME",
                   help="drop the after-commit hook handlers whose 'kind: module.function' contains this "
                        "(repeatable), to see what a handler costs, e.g. 'conversation_created: kefu.sla'")
    p.add_argument("--trace", action="store_true", help="print every statement of one more conversation, by hook")
    p.add_argument("--queries", action="store_true", help="print the statements of each step by kind and table")
    return p.parse_args()


def setup_django(args) -> None:
    os.environ.setdefault("KEFU_VAR_DIR", tempfile.mkdtemp(prefix="kefu-surge-cost-"))
    if not os.environ.get("KEFU_DATABASE_URL", "").startswith("postgres"):
        # A file, like a server's (WAL, a connection per request), not SQLite's in-memory test database.
        os.environ.setdefault("KEFU_TEST_DATABASE_NAME", os.path.join(os.environ["KEFU_VAR_DIR"], "test.sqlite3"))
    os.environ.setdefault("KEFU_SECRET_KEY", "bench-only")
    os.environ.setdefault("KEFU_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    # The assigner runs only when this script calls it, so its cost is measured on its own.
    os.environ["KEFU_ROUTING_ASSIGNER"] = "worker"
    os.environ["KEFU_ASSISTANT_DEFAULT_ENABLED"] = "true" if args.assistant == "on" else "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()


TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_0-9]+)"?', re.I)


def kind_of(sql: str) -> str:
    words = sql.lstrip().split(None, 1)
    verb = words[0].upper() if words else "?"
    if verb in {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"}:
        return verb
    m = TABLE.search(sql)
    lock = " FOR UPDATE" if "FOR UPDATE" in sql.upper() or "FOR NO KEY UPDATE" in sql.upper() else ""
    return f"{verb} {m.group(1) if m else '?'}{lock}"


class Step:
    """CPU, wall time and queries of one step, optionally profiled."""

    def __init__(self, name: str, args) -> None:
        self.name, self.args = name, args
        self.cpu = self.wall = 0.0
        self.queries: Counter = Counter()
        self.n_queries = 0
        self.profile = cProfile.Profile(time.process_time) if args.profile else None

    def run(self, fn, *a, **kw):
        from django.db import connection

        seen: list[str] = []

        def record(execute, sql, params, many, context):
            seen.append(sql)
            return execute(sql, params, many, context)

        # Not CaptureQueriesContext: the test client's request_started signal resets queries_log.
        with connection.execute_wrapper(record):
            if self.profile:
                self.profile.enable()
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                result = fn(*a, **kw)
            finally:
                self.cpu += time.process_time() - c0
                self.wall += time.perf_counter() - w0
                if self.profile:
                    self.profile.disable()
        for sql in seen:
            self.queries[kind_of(sql)] += 1
        self.n_queries += len(seen)
        return result

    def report(self, per: int) -> str:
        line = (f"{self.name:<28} {1000 * self.cpu / per:7.2f} ms CPU  {1000 * self.wall / per:7.2f} ms wall  "
                f"{self.n_queries / per:6.1f} queries   per conversation")
        if self.args.queries:
            line += "".join(f"\n    {n / per:6.2f}  {k}" for k, n in self.queries.most_common())
        if self.profile:
            out = io.StringIO()
            stats = pstats.Stats(self.profile, stream=out).sort_stats("cumulative")
            stats.print_stats(os.environ.get("SURGE_COST_MATCH", "kefu/"), self.args.top)
            line += "\n" + "\n".join("    " + s for s in out.getvalue().splitlines()[6:])
        return line


class HookMeter:
    """CPU and queries of each after-commit hook handler (kefu.conversations.hooks), nested ones apart."""

    def __init__(self) -> None:
        self.cpu: Counter = Counter()
        self.queries: Counter = Counter()
        self.calls: Counter = Counter()
        self.stack: list[str] = []
        self.trace = False

    def install(self) -> None:
        from django.db import connection

        from kefu.conversations import hooks

        meter = self

        def call_all(kind, args):
            for fn, _many in list(hooks._handlers[kind]):
                measured(f"{kind}: {hooks._name(fn)}", fn, args)

        def call_all_many(kind, batch):
            for fn, many in list(hooks._handlers[kind]):
                if many is not None:
                    measured(f"{kind}: {hooks._name(many)} (batch form)", many, (batch,), calls=len(batch))
                    continue
                for args in batch:
                    measured(f"{kind}: {hooks._name(fn)}", fn, args)

        def measured(name, fn, args, calls=1):
            seen = [0]

            def count(execute, sql, params, many, context):
                seen[0] += 1
                if meter.trace:
                    print(f"    [{name.split(': ')[1]}] {sql[:150]}")
                return execute(sql, params, many, context)

            meter.stack.append(name)
            c0 = time.process_time()
            try:
                with connection.execute_wrapper(count):
                    fn(*args)
            except Exception:
                hooks.log.exception("hook %s failed", name)
            finally:
                spent = time.process_time() - c0
                meter.stack.pop()
                meter.cpu[name] += spent
                meter.queries[name] += seen[0]
                meter.calls[name] += calls
                # Nested hooks (a hook posting a message) are counted in their own line too.
                for outer in meter.stack:
                    meter.cpu[outer] -= spent
                    meter.queries[outer] -= seen[0]

        hooks._call_all = call_all
        hooks._call_all_many = call_all_many

    def reset(self) -> None:
        self.cpu.clear()
        self.queries.clear()
        self.calls.clear()

    def report(self, per: int) -> str:
        lines = ["after-commit hooks (own cost, nested hooks apart), per conversation:"]
        for name, cpu in self.cpu.most_common():
            lines.append(f"  {1000 * cpu / per:6.2f} ms {self.queries[name] / per:5.1f} q "
                         f"{self.calls[name] / per:4.1f} calls  {name}")
        return "\n".join(lines)


def make_site(args) -> dict:
    from kefu.accounts.models import Agent, Presence, Team
    from kefu.accounts.services import create_api_token
    from kefu.channels.models import ChannelKind, Inbox

    teams, inboxes, agents = [], [], []
    for i in range(args.teams):
        team = Team.objects.create(name=f"Surge {i}", slug=f"surge-{i}")
        teams.append(team)
        inboxes.append(Inbox.objects.create(name=f"Surge API {i}", kind=ChannelKind.API, default_team=team).pk)
    for i in range(args.agents):
        agent = Agent(username=f"bench{i:02d}", display_name=f"Bench {i:02d}", chat_capacity=args.capacity,
                      ticket_capacity=args.capacity, presence=Presence.ONLINE)
        agent.set_unusable_password()
        agent.save()
        agent.teams.add(teams[i % args.teams])
        agents.append((agent.pk, create_api_token(f"bench{i:02d}", agent)[1]))
    return {"inboxes": inboxes, "agents": dict(agents), "admin": create_api_token("bench admin")[1]}


def main() -> int:
    args = parse_args()
    setup_django(args)
    from django.db import connection
    from django.test import Client

    from kefu.conversations.models import Conversation
    from kefu.routing import assigner
    from kefu.routing.models import QueueEntry

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        site = make_site(args)
        client = Client()
        admin = {"HTTP_AUTHORIZATION": f"Bearer {site['admin']}"}

        def post(n: int) -> int:
            body = {"inbox_id": site["inboxes"][n % len(site["inboxes"])], "subject": f"surge {n}",
                    "contact": {"external_id": f"surge-{n}", "name": f"Customer {n}"},
                    "message": {"body": f"Question {n}: my deposit is not showing yet", "client_id": f"surge-{n}"}}
            response = client.post("/api/v1/conversations", json.dumps(body), content_type="application/json",
                                   **admin)
            assert response.status_code == 201, response.content[:300]
            return response.json()["id"]

        def post_batch(numbers: list[int]) -> list[int]:
            items = [{"inbox_id": site["inboxes"][n % len(site["inboxes"])], "subject": f"surge {n}",
                      "contact": {"external_id": f"surge-{n}", "name": f"Customer {n}"},
                      "message": {"body": f"Question {n}: my deposit is not showing yet", "client_id": f"surge-{n}"}}
                     for n in numbers]
            response = client.post("/api/v1/conversations/batch", json.dumps({"conversations": items}),
                                   content_type="application/json", **admin)
            assert response.status_code == 200, response.content[:300]
            results = response.json()["results"]
            assert all(r["status"] == 201 for r in results), results[:3]
            return [r["conversation"]["id"] for r in results]

        def assign_everything() -> int:
            house = assigner.Housekeeping()
            for name in ("route", "presence", "surge", "positions"):
                house.last[name] = time.monotonic()  # housekeeping is not per conversation
            passes = 0
            while QueueEntry.objects.exists() and passes < 1000:
                assigner.run_once(house)
                passes += 1
            return passes

        def solve(conv_id: int, token: str) -> None:
            response = client.patch(f"/api/v1/conversations/{conv_id}", '{"status": "solved"}',
                                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
            assert response.status_code == 200, response.content[:300]

        meter = HookMeter()
        meter.install()
        if args.without:
            from kefu.conversations import hooks

            for kind, handlers in hooks._handlers.items():
                handlers[:] = [(fn, many) for fn, many in handlers
                               if not any(w in f"{kind}: {hooks._name(fn)}" for w in args.without)]
        warm = [post(-1 - i) for i in range(args.warmup)]
        assign_everything()
        for conv in Conversation.objects.filter(pk__in=warm):
            solve(conv.pk, site["agents"][conv.assignee_id])

        meter.reset()
        create, assign, finish = Step("create (POST + hooks)", args), Step("assign (assigner passes)", args), \
            Step("solve (PATCH + hooks)", args)
        if args.batch:
            ids = []
            for first in range(0, args.conversations, args.batch):
                ids += create.run(post_batch, list(range(first, min(first + args.batch, args.conversations))))
        else:
            ids = [create.run(post, n) for n in range(args.conversations)]
        passes = assign.run(assign_everything)
        convs = list(Conversation.objects.filter(pk__in=ids).values_list("pk", "assignee_id"))
        assert all(a for _, a in convs), "not everything was assigned"
        for conv_id, agent_id in convs:
            finish.run(solve, conv_id, site["agents"][agent_id])
        n = args.conversations
        print(f"database: {connection.vendor}; assistant {args.assistant}; "
              f"{n} conversations ({args.warmup} warm-up first), {args.agents} agents "
              f"in {args.teams} teams, capacity {args.capacity}; assigner passes: {passes}")
        for step in (create, assign, finish):
            print(step.report(n))
        print(meter.report(n))
        if args.trace:
            meter.trace = True
            from django.db import connection as conn

            def show(execute, sql, params, many, context):
                if not meter.stack:
                    print(f"    [request] {sql[:150]}")
                return execute(sql, params, many, context)

            with conn.execute_wrapper(show):
                print("--- trace: create")
                conv_id = post(10**6)
                print("--- trace: assign")
                assign_everything()
                print("--- trace: solve")
                solve(conv_id, site["agents"][Conversation.objects.get(pk=conv_id).assignee_id])
            meter.trace = False
        total_cpu = create.cpu + assign.cpu + finish.cpu
        total_q = create.n_queries + assign.n_queries + finish.n_queries
        print(f"{'total':<28} {1000 * total_cpu / n:7.2f} ms CPU                     {total_q / n:6.1f} queries")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
