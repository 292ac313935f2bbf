"""Surge benchmark: bursts of new conversations against a live kefu, 50 agents over WebSockets.

Starts a fresh site (PostgreSQL when KEFU_DATABASE_URL is postgresql://..., Redis when KEFU_REDIS_URL),
creates teams, API inboxes and agents with console sessions, connects every agent's console socket
(/ws/console/ with its session cookie), sets them online through the routing API, then posts
`--conversations` new conversations (POST /api/v1/conversations) in bursts at `--rate` per second.
Agents "finish" each chat they are assigned (PATCH status=solved with their own token) after `--hold`
seconds, which frees their capacity for the next waiting conversation.

Prints: the rate accepted, arrival -> assignment p50/p99 (server clock: conversation created_at ->
Assignment.assigned_at; client clock: POST sent -> the agent's socket hears of the assignment), and
verifies from the database that every conversation was stored, assigned exactly once, and that no agent
ever held more than its capacity. Exit status 0 only if all of that holds.

With `--batch N` each burst is posted N conversations per request through
`POST /api/v1/conversations/batch` (a relay or surge front door) instead of one request each.

    .venv/bin/python bench/surge.py --conversations 2000          # a quick run
    KEFU_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test KEFU_REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/surge.py                           # the full 10,000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets  # noqa: E402
from common import (  # noqa: E402
    CpuMeter,
    RawHttpConnection,
    child_pids,
    code_state,
    cpu_groups,
    describe_database,
    describe_layer,
    latency_line,
    save_logs,
    start_py_spy,
    start_server,
    wait_py_spy,
)

from kefu.core.liveserver import KEFU, LiveSite  # noqa: E402

SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from kefu.accounts.models import Agent, Team
from kefu.accounts.services import create_api_token
from kefu.channels.models import ChannelKind, Inbox
TEAMS, AGENTS, CAPACITY = {teams}, {agents}, {capacity}
out = {{"inboxes": [], "agents": []}}
teams = []
for i in range(TEAMS):
    team = Team.objects.create(name=f"Surge {{i}}", slug=f"surge-{{i}}", assignment_mode="{mode}")
    teams.append(team)
    out["inboxes"].append(Inbox.objects.create(name=f"Surge API {{i}}", kind=ChannelKind.API, default_team=team).pk)
for i in range(AGENTS):
    # Sessions are made directly, so no password (hashing 50 of them would take a minute).
    agent = Agent(username=f"bench{{i:02d}}", display_name=f"Bench {{i:02d}}", chat_capacity=CAPACITY,
                  ticket_capacity=CAPACITY)
    agent.set_unusable_password()
    agent.save()
    agent.teams.add(teams[i % TEAMS])
    session = SessionStore()
    session[SESSION_KEY] = str(agent.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
    session.create()
    _, token = create_api_token(f"bench{{i:02d}}", agent)
    out["agents"].append({{"id": agent.pk, "username": agent.username, "session": session.session_key,
                          "token": token}})
out["admin_token"] = create_api_token("bench admin")[1]
print("SETUP " + json.dumps(out))
"""

VERIFY = """
import json
from collections import defaultdict
from django.db.models import Count
from kefu.accounts.models import Agent
from kefu.conversations.models import AuditEvent, Conversation
from kefu.routing.models import Assignment, QueueEntry
ids = json.load(open("{ids_file}"))
convs = {{c["pk"]: c for c in Conversation.objects.filter(pk__in=ids).values("pk", "created_at", "assignee_id")}}
assignments = defaultdict(list)
for a in Assignment.objects.filter(conversation_id__in=ids, kind="queue").values("conversation_id", "assigned_at"):
    assignments[a["conversation_id"]].append(a["assigned_at"])
audits = defaultdict(int)
for row in (AuditEvent.objects.filter(conversation_id__in=ids, action="assignee_changed", actor_type="system")
            .values("conversation_id").annotate(n=Count("id"))):
    audits[row["conversation_id"]] = row["n"]
latency = sorted((assignments[i][0] - convs[i]["created_at"]).total_seconds() * 1000
                 for i in ids if i in convs and len(assignments[i]) == 1)
# Capacity: replay every assignment and solve of each agent from the audit trail in time order.
events = []
for e in AuditEvent.objects.filter(conversation_id__in=ids, action__in=["assignee_changed", "status_changed"]) \\
        .values("conversation_id", "action", "new_value", "created_at"):
    events.append(e)
names = {{a.public_name: a for a in Agent.objects.all()}}
owner, held, peak = {{}}, defaultdict(int), defaultdict(int)
for e in sorted(events, key=lambda e: e["created_at"]):
    if e["action"] == "assignee_changed" and e["new_value"]:
        owner[e["conversation_id"]] = e["new_value"]
        held[e["new_value"]] += 1
        peak[e["new_value"]] = max(peak[e["new_value"]], held[e["new_value"]])
    elif e["action"] == "status_changed" and e["new_value"] == "solved" and e["conversation_id"] in owner:
        held[owner.pop(e["conversation_id"])] -= 1
over = {{n: p for n, p in peak.items() if p > names[n].chat_capacity}}
print("VERIFY " + json.dumps({{
    "stored": len(convs), "assigned_once": sum(1 for i in ids if len(assignments[i]) == 1),
    "assigned_twice": sum(1 for i in ids if len(assignments[i]) > 1),
    "never_assigned": sum(1 for i in ids if not assignments[i]),
    "audit_twice": sum(1 for n in audits.values() if n > 1),
    "still_queued": QueueEntry.objects.filter(conversation_id__in=ids).count(),
    "over_capacity": over, "peak_max": max(peak.values()) if peak else 0,
    "latency_ms": latency,
}}))
"""


class Agent:
    """One simulated agent: a console socket, an API connection, and chats it finishes after `hold`."""

    def __init__(self, info: dict, server, hold: float, stats: dict):
        self.info, self.server, self.hold, self.stats = info, server, hold, stats
        self.http = RawHttpConnection("127.0.0.1", server.port, {"Authorization": f"Bearer {info['token']}"})
        self.seen: set[int] = set()
        self.ready = asyncio.Event()
        self.finishing: set[asyncio.Task] = set()
        self.lock = asyncio.Lock()

    async def run(self, stop: asyncio.Event) -> None:
        headers = {"Cookie": f"sessionid={self.info['session']}", "Origin": self.server.url}
        async with websockets.connect(f"{self.server.ws_url}/ws/console/", additional_headers=headers,
                                      max_size=None, open_timeout=30, ping_interval=None) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert hello["type"] == "hello", hello
            self.ready.set()
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                self.on_event(json.loads(raw))

    def on_event(self, event: dict) -> None:
        if event.get("type") != "conversation.updated" or "assignee" not in event.get("changed", []):
            return
        conv = event["conversation"]
        if conv.get("assignee_id") != self.info["id"] or conv["id"] in self.seen:
            return
        self.seen.add(conv["id"])
        self.stats["heard"][conv["id"]] = time.perf_counter()
        task = asyncio.get_running_loop().create_task(self.finish(conv["id"]))
        self.finishing.add(task)
        task.add_done_callback(self.finishing.discard)

    async def finish(self, conversation_id: int) -> None:
        await asyncio.sleep(self.hold * random.uniform(0.5, 1.5))
        async with self.lock:  # one keep-alive connection per agent
            for _ in range(5):
                try:
                    status, body = await asyncio.wait_for(self.http.request(
                        "PATCH", f"/api/v1/conversations/{conversation_id}", b'{"status": "solved"}'), 60)
                except (OSError, asyncio.IncompleteReadError, TimeoutError):
                    await self.http.close()
                    continue
                if status == 200:
                    self.stats["finished"] += 1
                    return
                self.stats["errors"].append(f"PATCH {status} {body[:200]!r}")
                return


async def set_online(server, agents: list[Agent]) -> None:
    for agent in agents:
        status, body = await agent.http.request(
            "PUT", f"/api/v1/routing/agents/{agent.info['username']}/presence", b'{"presence": "online"}')
        if status != 200:
            raise SystemExit(f"could not set {agent.info['username']} online: {status} {body[:200]!r}")


async def post_conversations(server, setup: dict, args, stats: dict) -> float:
    """Send the conversations in bursts; returns the seconds it took. Records send times and ids."""
    connections = [RawHttpConnection("127.0.0.1", server.port, {"Authorization": f"Bearer {setup['admin_token']}"})
                   for _ in range(args.connections)]
    queue: asyncio.Queue[list[int] | None] = asyncio.Queue()
    inboxes = setup["inboxes"]

    def item(n: int) -> dict:
        return {"inbox_id": inboxes[n % len(inboxes)], "subject": f"surge {n}",
                "contact": {"external_id": f"surge-{n}", "name": f"Customer {n}"},
                "message": {"body": f"Question {n}: my deposit is not showing yet", "client_id": f"surge-{n}"}}

    async def post(conn: RawHttpConnection, path: str, body: bytes, what: str):
        for attempt in range(5):
            try:
                return await asyncio.wait_for(conn.request("POST", path, body), 120)
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
                await conn.close()
                if attempt == 4:
                    stats["errors"].append(f"POST {what}: {error!r}")
        return None, b""

    async def sender(conn: RawHttpConnection) -> None:
        while (numbers := await queue.get()) is not None:
            sent = time.perf_counter()
            if args.batch:  # a retry of the same batch opens nothing twice (client_ids)
                status, payload = await post(conn, "/api/v1/conversations/batch",
                                             json.dumps({"conversations": [item(n) for n in numbers]}).encode(),
                                             f"batch {numbers[0]}..{numbers[-1]}")
                if status == 200:
                    for n, result in zip(numbers, json.loads(payload)["results"], strict=True):
                        if result["status"] in (200, 201):
                            stats["sent"][result["conversation"]["id"]] = sent
                            stats["accepted_at"].append(time.perf_counter())
                        else:
                            stats["errors"].append(f"batch item {n}: {result}")
                elif status is not None:
                    stats["errors"].append(f"POST batch: {status} {payload[:200]!r}")
                continue
            (n,) = numbers
            status, payload = await post(conn, "/api/v1/conversations", json.dumps(item(n)).encode(), str(n))
            if status in (200, 201):
                conv_id = json.loads(payload)["id"]
                stats["sent"][conv_id] = sent
                stats["accepted_at"].append(time.perf_counter())
            elif status is not None:
                stats["errors"].append(f"POST {n}: {status} {payload[:200]!r}")

    workers = [asyncio.create_task(sender(c)) for c in connections]
    start = time.perf_counter()
    per_burst = max(1, int(args.rate * args.burst_every))
    for first in range(0, args.conversations, per_burst):
        burst = list(range(first, min(first + per_burst, args.conversations)))
        step = args.batch or 1
        for offset in range(0, len(burst), step):
            queue.put_nowait(burst[offset:offset + step])
        due = start + (first // per_burst + 1) * args.burst_every
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    for conn in connections:
        await conn.close()
    return time.perf_counter() - start


async def drive(server, setup: dict, args) -> dict:
    stats = {"sent": {}, "heard": {}, "finished": 0, "errors": [], "accepted_at": []}
    stop = asyncio.Event()
    agents = [Agent(info, server, args.hold, stats) for info in setup["agents"]]
    runners = [asyncio.create_task(a.run(stop)) for a in agents]
    await asyncio.wait_for(asyncio.gather(*(a.ready.wait() for a in agents)), 60)
    await set_online(server, agents)
    worker = {"kefu routing-worker": [args.assigner_pid]} if getattr(args, "assigner_pid", None) else {}
    meter = CpuMeter(lambda: {**cpu_groups(args.site), **worker})
    meter.start()
    spies = []
    if args.profile:  # the server processes (and the worker) while conversations arrive
        pids = [*(child_pids(server.process.pid) or [server.process.pid]), *worker.get("kefu routing-worker", [])]
        spies = start_py_spy(pids, args.profile_seconds, args.profile)
    elapsed = await post_conversations(server, setup, args, stats)
    if spies:
        await asyncio.to_thread(wait_py_spy, spies, args.profile_seconds + 60)
    # Wait for the last assignments (nothing left unheard) or the drain timeout.
    deadline = time.perf_counter() + args.drain
    while time.perf_counter() < deadline and len(stats["heard"]) < len(stats["sent"]):
        await asyncio.sleep(0.2)
    meter.stop()
    while any(a.finishing for a in agents) and time.perf_counter() < deadline + 30:
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*runners, return_exceptions=True)
    for agent in agents:
        await agent.http.close()
    stats["elapsed"] = elapsed
    stats["cpu"] = meter.lines(per=len(stats["sent"]), unit="conversation")
    return stats


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--conversations", type=int, default=10_000)
    p.add_argument("--rate", type=float, default=200.0, help="new conversations per second (in bursts)")
    p.add_argument("--burst-every", type=float, default=0.5, help="seconds between bursts")
    p.add_argument("--agents", type=int, default=50)
    p.add_argument("--teams", type=int, default=5, help="agents and conversations are spread over this many teams")
    p.add_argument("--capacity", type=int, default=10, help="each agent's concurrent chats / tickets")
    p.add_argument("--hold", type=float, default=0.5, help="seconds an agent keeps a chat before solving it (±50%%)")
    p.add_argument("--mode", choices=["round_robin", "least_loaded"], default="round_robin")
    p.add_argument("--connections", type=int, default=32, help="HTTP connections posting conversations")
    p.add_argument("--batch", type=int, default=0, metavar="N",
                   help="open the conversations of each burst N per request (POST /api/v1/conversations/batch, "
                        "at most 200) instead of one POST /api/v1/conversations each")
    p.add_argument("--workers", type=int, default=1, help="server processes (more than 1 needs KEFU_REDIS_URL)")
    p.add_argument("--assigner", choices=["server", "worker"], default="server",
                   help="where the routing assigner runs: inside the server (default) or as `kefu routing-worker`")
    p.add_argument("--poll", type=float, default=0.1, help="with --assigner worker: its poll interval")
    p.add_argument("--keep-logs", action="store_true", help="copy the server logs out even when all went well")
    p.add_argument("--profile", type=Path, help="sample the server (and worker) with py-spy into this directory "
                   "for --profile-seconds from the first burst; summarize with bench/pyspy_summary.py")
    p.add_argument("--profile-seconds", type=float, default=60.0)
    p.add_argument("--drain", type=float, default=120.0, help="seconds to wait for the last assignments")
    args = p.parse_args()
    import os

    # Like bench/common.py: the assistant answers customers as kefu ships (KEFU_BENCH_ASSISTANT=0: off).
    assistant = os.environ.get("KEFU_BENCH_ASSISTANT", "1") != "0"
    site = LiveSite(redis_url=os.environ.get("KEFU_REDIS_URL") or None, assistant=assistant)
    args.site = site
    ok = False
    assigner = None
    if args.assigner == "worker" and not site.redis_url:
        raise SystemExit("--assigner worker needs KEFU_REDIS_URL (its events must reach the server's sockets)")
    try:
        site.migrate()
        out = site.kefu("manage", "shell", "-c", SETUP.format(teams=args.teams, agents=args.agents,
                                                               capacity=args.capacity, mode=args.mode)).stdout
        setup = json.loads(next(line for line in out.splitlines() if line.startswith("SETUP "))[6:])
        extra = {"KEFU_ROUTING_ASSIGNER": "worker"} if args.assigner == "worker" else {}
        server = start_server(site, workers=args.workers, extra_env=extra)
        if args.assigner == "worker":
            # The assigner alone in its own process (its own GIL); it polls, the servers do not wake it.
            log = open(site.workdir / "routing-worker.log", "ab")
            assigner = subprocess.Popen([*KEFU, "routing-worker", "--poll", str(args.poll)],
                                        env=site.env(**extra), stdout=log, stderr=subprocess.STDOUT)
            args.assigner_pid = assigner.pid
        print(f"code: {code_state()}")
        print(f"database: {describe_database(site)}; layer: {describe_layer(site)}; servers: {args.workers}; "
              f"assigner: {'kefu routing-worker (poll ' + str(args.poll) + ' s)' if assigner else 'in the server'}; "
              f"assistant: {'on' if assistant else 'off (KEFU_BENCH_ASSISTANT=0)'}")
        print(f"{args.conversations} conversations at {args.rate:g}/s in bursts every {args.burst_every:g} s"
              f"{f', {args.batch} per request (batch endpoint)' if args.batch else ', one per request'}; "
              f"{args.agents} agents in {args.teams} teams, capacity {args.capacity}, hold {args.hold:g} s, "
              f"{args.mode}")
        stats = asyncio.run(drive(server, setup, args))
        ids_file = site.workdir / "ids.json"
        ids_file.write_text(json.dumps(sorted(stats["sent"])))
        out = site.kefu("manage", "shell", "-c", VERIFY.format(ids_file=ids_file)).stdout
        check = json.loads(next(line for line in out.splitlines() if line.startswith("VERIFY "))[7:])
        ok = report(args, stats, check)
    finally:
        if assigner is not None:
            assigner.terminate()
            try:
                assigner.wait(timeout=10)
            except subprocess.TimeoutExpired:
                assigner.kill()
        if not ok or args.keep_logs:
            save_logs(site, "surge benchmark failed" if not ok else "--keep-logs")
        site.close()
    return 0 if ok else 1


def report(args, stats: dict, check: dict) -> bool:
    accepted = len(stats["sent"])
    print(f"accepted: {accepted}/{args.conversations} in {stats['elapsed']:.1f} s = "
          f"{accepted / stats['elapsed']:.0f} conversations/s (asked for {args.rate:g}/s)")
    print(f"arrival -> assignment (server: created_at -> assigned_at): {latency_line(check['latency_ms'])}")
    client = sorted(1000 * (stats["heard"][i] - stats["sent"][i]) for i in stats["heard"] if i in stats["sent"])
    print(f"POST sent -> agent's socket hears the assignment:           {latency_line(client)}")
    print(f"stored {check['stored']}/{accepted}; assigned exactly once {check['assigned_once']}; "
          f"twice {check['assigned_twice']}; never {check['never_assigned']}; still queued {check['still_queued']}; "
          f"agents heard {len(stats['heard'])}; finished {stats['finished']}")
    print(f"capacity: busiest agent held {check['peak_max']} at once (capacity {args.capacity}); "
          f"over capacity: {check['over_capacity'] or 'none'}")
    print("CPU during the run:")
    print("\n".join(stats["cpu"]))
    for error in stats["errors"][:10]:
        print(f"error: {error}")
    ok = (check["stored"] == accepted == args.conversations and check["assigned_once"] == accepted
          and not check["assigned_twice"] and not check["audit_twice"] and not check["over_capacity"]
          and not stats["errors"])
    print("RESULT: " + ("ok: nothing lost, nothing assigned twice, capacity kept" if ok else "FAILED"))
    return ok


if __name__ == "__main__":
    sys.exit(main())
