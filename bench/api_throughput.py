"""API throughput: how many messages per second `POST /api/v1/conversations/{id}/messages` accepts.

Starts a fresh kefu site (SQLite, or PostgreSQL when KEFU_DATABASE_URL=postgresql://...; the Redis
channel layer when KEFU_REDIS_URL is set), loads the demo data, creates an API token, opens
--conversations conversations, then K keep-alive connections post messages (each with a unique
client_id) as fast as the server answers, for a warm-up and then --duration seconds. Afterwards every
conversation is read back: the sum of last_seq must equal the conversations' first messages plus the
201 answers, and every conversation must hold exactly the client_ids that were answered 201, with seq
1..last_seq without gaps (nothing lost, nothing doubled).

    .venv/bin/python bench/api_throughput.py [--concurrency 32] [--duration 10] [--workers 2]

Only 127.0.0.1; every loop is bounded by the deadline and every request by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--conversations", "-c", type=int, default=50, help="conversations to spread messages over")
    p.add_argument("--concurrency", "-k", type=int, default=32, help="concurrent keep-alive connections")
    p.add_argument("--duration", "-d", type=float, default=10, help="measured seconds")
    p.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    p.add_argument("--workers", "-w", type=int, default=1, help="server processes")
    p.add_argument("--spread", choices=["uvicorn", "ports"], default="uvicorn",
                   help="with --workers>1: one `kefu serve --workers N` (uvicorn shares one port) or N separate "
                        "`kefu serve` processes on N ports with connections spread round-robin")
    p.add_argument("--client", choices=["raw", "httpx"], default="raw",
                   help="raw asyncio-streams HTTP/1.1 client (cheap) or httpx.AsyncClient")
    p.add_argument("--timeout", type=float, default=30, help="seconds one request may take")
    p.add_argument("--body-size", type=int, default=120, help="characters per message body")
    p.add_argument("--batch", "-b", type=int, default=1,
                   help="messages per request: 1 posts to /conversations/{id}/messages, more to /messages/batch")
    p.add_argument("--author", choices=["agent", "customer"], default="agent",
                   help="author_type of the posted messages (agent is the API's default)")
    common.add_server_options(p)
    return p.parse_args(argv)


class Client:
    """One connection's worth of requests, raw or httpx, with the bearer token."""

    def __init__(self, kind: str, server, token: str, timeout: float, shared_httpx=None):
        self.kind, self.timeout = kind, timeout
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.server = server
        if kind == "raw":
            self.conn = common.RawHttpConnection("127.0.0.1", server.port, self.headers)
        else:
            self.httpx = shared_httpx

    async def post(self, path: str, data: dict) -> tuple[int, bytes]:
        body = json.dumps(data).encode()
        async with asyncio.timeout(self.timeout):
            if self.kind == "raw":
                return await self.conn.request("POST", path, body)
            response = await self.httpx.post(f"{self.server.url}{path}", content=body,
                                             headers={**self.headers, "Content-Type": "application/json"})
            return response.status_code, response.content

    async def get(self, path: str) -> tuple[int, bytes]:
        async with asyncio.timeout(self.timeout):
            if self.kind == "raw":
                return await self.conn.request("GET", path)
            response = await self.httpx.get(f"{self.server.url}{path}", headers=self.headers)
            return response.status_code, response.content

    async def close(self) -> None:
        if self.kind == "raw":
            await self.conn.close()


async def create_conversations(clients: list[Client], count: int) -> list[int]:
    ids: list[int | None] = [None] * count
    queue = list(range(count))

    async def one(client: Client) -> None:
        while queue:
            i = queue.pop()
            status, body = await client.post("/api/v1/conversations", {
                "contact": {"external_id": f"bench-{i}", "name": f"Bench customer {i}"},
                "subject": f"bench conversation {i}",
                "message": {"body": f"first message of bench conversation {i}", "client_id": f"open-{i}"},
            })
            if status not in (200, 201):
                raise RuntimeError(f"creating a conversation answered {status}: {body[:300]!r}")
            ids[i] = json.loads(body)["id"]

    await asyncio.gather(*(one(c) for c in clients[:8]))
    return [i for i in ids if i is not None]


async def run_load(args, site, servers, token: str) -> dict:
    import httpx

    shared = {}
    if args.client == "httpx":
        for server in servers:
            shared[server.port] = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency),
                timeout=args.timeout, trust_env=False)
    clients = [Client(args.client, servers[k % len(servers)], token, args.timeout,
                      shared.get(servers[k % len(servers)].port)) for k in range(args.concurrency)]
    try:
        conversation_ids = await create_conversations(clients, args.conversations)
        print(f"created {len(conversation_ids)} conversations; loading for {args.warmup:g} s warm-up + "
              f"{args.duration:g} s measured with {args.concurrency} connections ...", flush=True)

        body_pad = "x" * max(0, args.body_size - 40)
        started = time.perf_counter()
        measure_from = started + args.warmup
        end = measure_from + args.duration
        statuses: Counter[int] = Counter()
        window_statuses: Counter[int] = Counter()
        failures: Counter[str] = Counter()
        latencies: list[float] = []
        accepted: dict[int, set[str]] = defaultdict(set)  # conversation id -> client_ids answered 201
        unknown = 0  # requests whose outcome we cannot know (timeout / connection error)

        async def worker(k: int, client: Client) -> None:
            nonlocal unknown
            rng = random.Random(k)
            i = 0
            while time.perf_counter() < end:
                if args.batch > 1:
                    await post_batch(k, client, rng, i)
                    i += args.batch
                    continue
                conversation_id = rng.choice(conversation_ids)
                client_id = f"k{k}-{i}"
                i += 1
                t0 = time.perf_counter()
                try:
                    status, payload = await client.post(
                        f"/api/v1/conversations/{conversation_id}/messages",
                        {"body": f"bench message {client_id} {body_pad}", "client_id": client_id,
                         "author_type": args.author},
                    )
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
                    unknown += 1
                    failures[type(error).__name__] += 1
                    continue
                except Exception as error:  # httpx errors
                    unknown += 1
                    failures[type(error).__name__] += 1
                    continue
                t1 = time.perf_counter()
                statuses[status] += 1
                if status == 201:
                    accepted[conversation_id].add(client_id)
                elif len(failures) < 20:
                    failures[f"HTTP {status}: {payload[:120]!r}"] += 1
                if measure_from <= t1 <= end:
                    window_statuses[status] += 1
                    latencies.append((t1 - t0) * 1000)

        async def post_batch(k: int, client: Client, rng: random.Random, i: int) -> None:
            nonlocal unknown
            items = []
            for j in range(args.batch):
                client_id = f"k{k}-{i + j}"
                items.append({"conversation_id": rng.choice(conversation_ids), "client_id": client_id,
                              "body": f"bench message {client_id} {body_pad}", "author_type": args.author})
            t0 = time.perf_counter()
            try:
                status, payload = await client.post("/api/v1/messages/batch", {"messages": items})
            except Exception as error:  # timeouts, connection and httpx errors: outcome unknown
                unknown += len(items)
                failures[type(error).__name__] += 1
                return
            t1 = time.perf_counter()
            if status != 200:
                statuses[status] += len(items)
                failures[f"HTTP {status}: {payload[:120]!r}"] += 1
                return
            in_window = measure_from <= t1 <= end
            for item, result in zip(items, json.loads(payload)["results"], strict=True):
                statuses[result["status"]] += 1
                if result["status"] == 201:
                    accepted[item["conversation_id"]].add(item["client_id"])
                elif len(failures) < 20:
                    failures[f"item {result['status']}: {result.get('problem')}"] += 1
                if in_window:
                    window_statuses[result["status"]] += 1
            if in_window:
                latencies.append((t1 - t0) * 1000)

        meter = common.CpuMeter(lambda: common.cpu_groups(site))
        spies: list = []
        sessions: dict[str, int | None] = {}

        async def measure() -> None:
            await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
            sessions["start"] = await asyncio.to_thread(common.pg_sessions, site)
            meter.start()
            if args.profile:
                pids = [p for s in servers for p in (common.child_pids(s.process.pid) or [s.process.pid])]
                spies.extend(common.start_py_spy(pids, args.duration, args.profile,
                                                       gil=not args.profile_all_threads))
            await asyncio.sleep(max(0.0, end - time.perf_counter()))
            meter.stop()
            sessions["stop"] = await asyncio.to_thread(common.pg_sessions, site)

        await asyncio.wait_for(
            asyncio.gather(measure(), *(worker(k, c) for k, c in enumerate(clients))),
            timeout=args.warmup + args.duration + args.timeout + 30)
        common.wait_py_spy(spies)

        verification = await verify(clients[0], conversation_ids, accepted, statuses, unknown)
        return {
            "statuses": statuses, "window_statuses": window_statuses, "latencies": latencies,
            "failures": failures, "unknown": unknown, "meter": meter, "verification": verification,
            "conversations": len(conversation_ids), "sessions": sessions,
        }
    finally:
        for client in clients:
            await client.close()
        for client in shared.values():
            await client.aclose()


async def verify(client: Client, conversation_ids: list[int], accepted: dict[int, set[str]],
                 statuses: Counter, unknown: int) -> dict:
    """Read every conversation back: last_seq sum, and the exact client_ids and seqs stored."""
    sum_last_seq = 0
    others = 0
    problems: list[str] = []
    for conversation_id in conversation_ids:
        status, body = await client.get(f"/api/v1/conversations/{conversation_id}")
        if status != 200:
            problems.append(f"GET conversation {conversation_id} answered {status}")
            continue
        last_seq = json.loads(body)["last_seq"]
        sum_last_seq += last_seq
        seqs, stored = [], []
        after = 0
        for _ in range(10000):  # bounded paging
            status, body = await client.get(
                f"/api/v1/conversations/{conversation_id}/messages?after_seq={after}&limit=500")
            page = json.loads(body) if status == 200 else []
            if not page:
                break
            seqs += [m["seq"] for m in page]
            stored += [m["client_id"] for m in page if m["seq"] > 1 and m["author_type"] not in ("bot", "system")]
            # kefu's own messages (the assistant's answer to the opening question, safety notices):
            others += sum(1 for m in page if m["seq"] > 1 and m["author_type"] in ("bot", "system"))
            after = page[-1]["seq"]
        if seqs != list(range(1, last_seq + 1)):
            problems.append(f"conversation {conversation_id}: seqs are not 1..{last_seq} without gaps")
        counted = Counter(stored)
        doubled = [c for c, n in counted.items() if n > 1]
        missing = accepted[conversation_id] - set(counted)
        extra = set(counted) - accepted[conversation_id]
        if doubled:
            problems.append(f"conversation {conversation_id}: client_ids stored twice: {doubled[:5]}")
        if missing:
            problems.append(f"conversation {conversation_id}: {len(missing)} answered 201 but not stored")
        if extra and not unknown:
            problems.append(f"conversation {conversation_id}: {len(extra)} stored but never answered 201")
    expected = len(conversation_ids) + statuses[201] + others
    return {"sum_last_seq": sum_last_seq, "expected": expected, "problems": problems, "others": others,
            "ok": sum_last_seq == expected and not problems}


def main(argv=None) -> int:
    args = parse_args(argv)
    code = common.code_state()
    print(f"code:          {code}")
    print(common.quiet_check(), flush=True)
    print("setting up a fresh site (migrate + demo data) ...", flush=True)
    site = common.make_site()
    try:
        token = site.create_token("bench")
        extra_env = {**common.parse_env_pairs(args.server_env), **common.experiment_env(args.experiment)}
        if args.workers > 1 and args.spread == "uvicorn":
            servers = [common.start_server(site, args.workers, extra_env)]
            layout = f"1 x `kefu serve --workers {args.workers}` (one port, uvicorn worker processes)"
        else:
            servers = [common.start_server(site, 1, extra_env) for _ in range(args.workers)]
            layout = (f"{args.workers} x `kefu serve` on ports {', '.join(str(s.port) for s in servers)} "
                      f"(connections spread round-robin)" if args.workers > 1 else "1 x `kefu serve` (1 process)")
        health = common.server_health(servers[0])
        if args.workers > 1 and not site.redis_url:
            layout += "; NOTE: no KEFU_REDIS_URL, so each process has its own in-memory channel layer"
        print(f"database:      {common.describe_database(site)} [healthz: {health['database']['vendor']}]")
        print(f"channel layer: {common.describe_layer(site)} [healthz: {health['channel_layer']['backend']}]")
        if extra_env:
            layout += f"; EXPERIMENT {args.experiment or ''} {args.server_env or ''}"
        print(f"servers:       {layout}")
        print(f"client:        {args.client}, {args.concurrency} keep-alive connections, "
              f"{args.conversations} conversations, body {args.body_size} chars, "
              + (f"{args.batch} messages per request (POST /api/v1/messages/batch)" if args.batch > 1
                 else "1 message per request"), flush=True)

        result = asyncio.run(run_load(args, site, servers, token))
        if not result["verification"]["ok"] or sum(
                n for code, n in result["statuses"].items() if code not in (200, 201)) or result["unknown"]:
            common.save_logs(site, "the run had errors")
    finally:
        site.close()
    if common.code_state() != code:
        print(f"WARNING: the kefu code changed during the run (now: {common.code_state()})")

    window = result["window_statuses"]
    latencies = sorted(result["latencies"])
    meter = result["meter"]
    rate = window[201] / args.duration
    errors = sum(n for s, n in result["statuses"].items() if s not in (200, 201)) + result["unknown"]
    v = result["verification"]
    print()
    print(f"== API throughput: {rate:,.0f} messages accepted per second "
          f"({window[201]} answered 201 in the {args.duration:g} s window)")
    print(f"latency:       {common.latency_line(latencies, (50, 90, 99))}"
          + (f" per request of {args.batch} messages" if args.batch > 1 else ""))
    print(f"answers:       {dict(result['statuses'])} over warm-up + window; errors {errors}"
          + (f" {dict(result['failures'])}" if result["failures"] else ""))
    print(f"verification:  sum(last_seq) = {v['sum_last_seq']}, expected {v['expected']} "
          f"({result['conversations']} first messages + {result['statuses'][201]} answered 201 + "
          f"{v['others']} from the assistant/safety): "
          + ("OK, nothing lost or doubled" if v["ok"] else "MISMATCH"))
    for problem in v["problems"][:20]:
        print(f"  ! {problem}")
    print(f"CPU during the {meter.wall:.1f} s window ({window[201]} messages):")
    for line in meter.lines(per=max(1, window[201]), unit="message"):
        print(line)
    sessions = result["sessions"]
    if sessions.get("start") is not None and sessions.get("stop") is not None:
        opened = sessions["stop"] - sessions["start"] - 1  # minus the one that asked
        print(f"PostgreSQL sessions opened on the database during the window: {opened} "
              f"({opened / max(1, window[201]):.2f} per message)")
    if args.profile:
        print(f"py-spy samples in {args.profile}/ (collapsed stacks; see bench/README.md)")
    if args.json:
        args.json.write_text(json.dumps({
            "rate": rate, "p50_ms": common.percentile(latencies, 50), "p99_ms": common.percentile(latencies, 99),
            "errors": errors, "verified": v["ok"], "cpu": meter.used,
            "args": {k: str(x) for k, x in vars(args).items()},
        }, indent=2))
    return 0 if v["ok"] and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
