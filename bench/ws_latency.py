"""WebSocket delivery latency: customer widget socket -> server -> agent console socket.

Starts a fresh kefu site (SQLite, or PostgreSQL when KEFU_DATABASE_URL=postgresql://...; the Redis
channel layer when KEFU_REDIS_URL is set) with the demo data. One agent console socket (lin, a
supervisor, who receives every console event; logged in through the Django login form) and N
customer widget sockets (each: POST /widget/api/session, then /ws/widget/?session=...). Every
customer first opens its conversation with one message.send and waits for the message.ack. Then the
customers send message.send at a fixed total rate for --duration seconds (round-robin over the
customers); each body carries a unique id and the send time (time.perf_counter of this process).
Latency is the agent socket's receipt of the message.created event minus the send time; both ends
live in this process, so they share one clock.

    .venv/bin/python bench/ws_latency.py [--customers 200] [--rate 200] [--duration 10] [--two-servers]

Only 127.0.0.1; every wait has a timeout and the whole run a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DEMO_PASSWORD = "kefu-demo-2026"
INBOX = "demo-webchat"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", "-n", type=int, default=200, help="customer widget sockets")
    p.add_argument("--rate", "-r", type=float, default=200, help="customer messages per second, in total")
    p.add_argument("--duration", "-d", type=float, default=10, help="seconds of sending")
    p.add_argument("--agent", default="lin", help="demo agent whose console socket receives (lin sees all)")
    p.add_argument("--two-servers", action="store_true",
                   help="customers on one server process, the agent on another (needs KEFU_REDIS_URL)")
    p.add_argument("--customer-servers", type=int, default=1, metavar="N",
                   help="spread the customers round-robin over N server processes (needs KEFU_REDIS_URL if N > 1)")
    p.add_argument("--no-compression", action="store_true",
                   help="do not offer permessage-deflate (browsers offer it, so it is on by default)")
    p.add_argument("--drain", type=float, default=10, help="seconds to wait for stragglers after sending")
    p.add_argument("--warm-messages", type=int, default=0, metavar="N",
                   help="messages each customer sends (waiting for each ack) after opening and before the "
                        "window, e.g. 1 to get past the assistant's hand-off (default 0: the window includes it)")
    p.add_argument("--setup-timeout", type=float, default=120, help="seconds allowed to connect everyone")
    common.add_server_options(p)
    return p.parse_args(argv)


def ws_connect(url: str, args, **kwargs):
    from websockets.asyncio.client import connect

    return connect(url, proxy=None, open_timeout=20, close_timeout=5, max_queue=None,
                   compression=None if args.no_compression else "deflate", **kwargs)


async def console_cookie(server, username: str) -> str:
    """Log in through the Django login form; returns the Cookie header for the console socket."""
    import httpx

    async with httpx.AsyncClient(base_url=server.url, trust_env=False, follow_redirects=False,
                                 timeout=20) as client:
        page = await client.get("/console/login/")
        page.raise_for_status()
        csrftoken = client.cookies.get("csrftoken")
        if not csrftoken:
            raise RuntimeError("the login page set no csrftoken cookie")
        answer = await client.post("/console/login/", data={
            "username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": csrftoken,
        })
        session = client.cookies.get("sessionid")
        if answer.status_code != 302 or not session:
            raise RuntimeError(f"login as {username} failed: {answer.status_code} {answer.text[:300]}")
        return f"csrftoken={client.cookies.get('csrftoken')}; sessionid={session}"


class Customer:
    def __init__(self, index: int):
        self.index = index
        self.ws = None
        self.conversation_id: int | None = None
        self.acks: dict[str, asyncio.Future] = {}
        self.errors: list[dict] = []
        self.echoes = 0
        self.reader: asyncio.Task | None = None

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                event = json.loads(raw)
                kind = event.get("type")
                if kind == "message.ack":
                    future = self.acks.pop(event.get("client_id"), None)
                    if future is not None and not future.done():
                        future.set_result((time.perf_counter(), event))
                elif kind == "message.created":
                    self.echoes += 1
                elif kind == "error":
                    self.errors.append(event)
                    future = self.acks.pop(event.get("client_id"), None)
                    if future is not None and not future.done():
                        future.set_exception(RuntimeError(f"error answer: {event}"))
        except ConnectionClosed:
            pass


class Agent:
    def __init__(self, ws):
        self.ws = ws
        self.latencies: dict[str, float] = {}
        self.received: Counter[str] = Counter()
        self.duplicates = 0
        self.opened: set[int] = set()  # conversation ids whose opening message arrived
        self.progress = asyncio.Event()

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                now = time.perf_counter()
                event = json.loads(raw)
                kind = event.get("type", "?")
                self.received[kind] += 1
                if kind != "message.created":
                    continue
                body = event["message"].get("body") or ""
                if body.startswith("bench "):
                    _, uid, sent = body.split(" ", 3)[:3]
                    if uid in self.latencies:
                        self.duplicates += 1
                    else:
                        self.latencies[uid] = (now - float(sent)) * 1000
                    self.progress.set()
                elif body.startswith("open "):
                    self.opened.add(event["message"]["conversation_id"])
                    self.progress.set()
        except ConnectionClosed:
            pass


async def open_customer(customer: Customer, server, args, http, limit: asyncio.Semaphore) -> None:
    async with limit:
        answer = await http.post(f"{server.url}/widget/api/session", json={"inbox": INBOX, "language": "en"})
        answer.raise_for_status()
        token = answer.json()["session"]
        customer.ws = await ws_connect(f"{server.ws_url}/ws/widget/?session={token}", args)
        hello = json.loads(await asyncio.wait_for(customer.ws.recv(), 20))
        if hello.get("type") != "hello":
            raise RuntimeError(f"widget socket said {hello}")
        customer.reader = asyncio.create_task(customer.read())
        client_id = f"open-{customer.index}"
        future = asyncio.get_running_loop().create_future()
        customer.acks[client_id] = future
        await customer.ws.send(json.dumps({
            "type": "message.send", "client_id": client_id, "body": f"open {customer.index}",
            "conversation_id": None, "language": "en",
        }))
        _, ack = await asyncio.wait_for(future, 30)
        customer.conversation_id = ack["conversation"]["id"]
        for k in range(args.warm_messages):
            # Past the assistant's first turns (its answer or question, then the hand-off to a person),
            # so the window measures a chat in progress rather than the bot's hand-off work.
            client_id = f"warm-{customer.index}-{k}"
            future = asyncio.get_running_loop().create_future()
            customer.acks[client_id] = future
            await customer.ws.send(json.dumps({
                "type": "message.send", "client_id": client_id, "body": f"warm {customer.index} {k}",
                "conversation_id": customer.conversation_id, "language": "en",
            }))
            await asyncio.wait_for(future, 60)


async def wait_until(predicate, event: asyncio.Event, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not predicate():
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return False
        event.clear()
        try:
            await asyncio.wait_for(event.wait(), min(remaining, 0.5))
        except TimeoutError:
            pass
    return True


async def run(args, site, customer_servers, agent_server) -> dict:
    import httpx

    cookie = await console_cookie(agent_server, args.agent)
    agent_ws = await ws_connect(f"{agent_server.ws_url}/ws/console/", args, origin=agent_server.url,
                                additional_headers={"Cookie": cookie})
    hello = json.loads(await asyncio.wait_for(agent_ws.recv(), 20))
    if hello.get("type") != "hello":
        raise RuntimeError(f"console socket said {hello}")
    agent = Agent(agent_ws)
    agent_task = asyncio.create_task(agent.read())

    customers = [Customer(i) for i in range(args.customers)]
    setup_started = time.perf_counter()
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(trust_env=False, timeout=30, limits=limits) as http:
        limit = asyncio.Semaphore(16)
        await asyncio.wait_for(
            asyncio.gather(*(open_customer(c, customer_servers[c.index % len(customer_servers)], args, http, limit)
                             for c in customers)),
            args.setup_timeout)
    setup_seconds = time.perf_counter() - setup_started
    conversation_ids = {c.conversation_id for c in customers}
    opened_seen = await wait_until(lambda: conversation_ids <= agent.opened, agent.progress, 15)
    print(f"{len(customers)} customers connected and opened their conversations in {setup_seconds:.1f} s; "
          f"agent saw {len(agent.opened & conversation_ids)} of them"
          + ("" if opened_seen else " (NOT all)") + f"; sending {args.rate:g} msg/s for {args.duration:g} s ...",
          flush=True)

    total = int(args.rate * args.duration)
    sent: dict[str, float] = {}
    lags: list[float] = []
    ack_ms: list[float] = []
    ack_futures: list[asyncio.Future] = []
    send_failures: Counter[str] = Counter()

    async def track_ack(uid: str, t_send: float, future: asyncio.Future) -> None:
        try:
            t_ack, _ = await asyncio.wait_for(future, args.duration + args.drain)
            ack_ms.append((t_ack - t_send) * 1000)
        except Exception as error:  # noqa: BLE001 - counted, reported
            send_failures[f"ack: {type(error).__name__}"] += 1

    meter = common.CpuMeter(lambda: common.cpu_groups(site))
    spies = []
    if args.profile:
        pids = [p for s in site.servers for p in (common.child_pids(s.process.pid) or [s.process.pid])]
        spies = common.start_py_spy(pids, args.duration, args.profile, gil=not args.profile_all_threads)
    sessions_start = await asyncio.to_thread(common.pg_sessions, site)
    meter.start()
    started = time.perf_counter()
    for i in range(total):
        target = started + i / args.rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        customer = customers[i % len(customers)]
        uid = f"m{i}"
        future = asyncio.get_running_loop().create_future()
        customer.acks[uid] = future
        t_send = time.perf_counter()
        lags.append((t_send - target) * 1000)
        try:
            await customer.ws.send(json.dumps({
                "type": "message.send", "client_id": uid, "body": f"bench {uid} {t_send:.9f}",
                "conversation_id": customer.conversation_id, "language": "en",
            }))
        except Exception as error:  # noqa: BLE001 - a dead socket is a finding, not a crash
            send_failures[f"send: {type(error).__name__}"] += 1
            customer.acks.pop(uid, None)
            continue
        sent[uid] = t_send
        ack_futures.append(asyncio.create_task(track_ack(uid, t_send, future)))
    await asyncio.sleep(max(0.0, started + total / args.rate - time.perf_counter()))  # the last interval
    send_seconds = time.perf_counter() - started
    meter.stop()
    sessions_stop = await asyncio.to_thread(common.pg_sessions, site)
    await wait_until(lambda: all(u in agent.latencies for u in sent), agent.progress, args.drain)
    await asyncio.wait_for(asyncio.gather(*ack_futures, return_exceptions=True), args.drain + 5)
    common.wait_py_spy(spies)

    connected = sum(1 for c in customers if c.ws is not None and c.ws.state.name == "OPEN")
    agent_open = agent_ws.state.name == "OPEN"
    await asyncio.wait_for(asyncio.gather(*(c.ws.close() for c in customers if c.ws), agent_ws.close(),
                                          return_exceptions=True), 15)
    reader_errors = [repr(t.exception()) for t in [agent_task, *(c.reader for c in customers if c.reader)]
                     if t.done() and not t.cancelled() and t.exception() is not None]
    for task in [agent_task, *(c.reader for c in customers if c.reader)]:
        task.cancel()
    await asyncio.gather(agent_task, *(c.reader for c in customers if c.reader), return_exceptions=True)

    delivered = {u: agent.latencies[u] for u in sent if u in agent.latencies}
    return {
        "sent": len(sent), "planned": total, "delivered": len(delivered), "latencies": list(delivered.values()),
        "duplicates": agent.duplicates, "lags": lags, "ack_ms": ack_ms, "send_seconds": send_seconds,
        "connected": connected, "agent_open": agent_open, "meter": meter, "failures": send_failures,
        "errors": sum(len(c.errors) for c in customers), "received": agent.received,
        "echoes": sum(c.echoes for c in customers), "reader_errors": reader_errors,
        "pg_sessions": (sessions_stop - sessions_start - 1) if None not in (sessions_start, sessions_stop) else None,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if (args.two_servers or args.customer_servers > 1) and not os.environ.get("KEFU_REDIS_URL"):
        raise SystemExit("--two-servers and --customer-servers need KEFU_REDIS_URL: separate processes share "
                         "events only through Redis")
    code = common.code_state()
    print(f"code:          {code}")
    print(common.quiet_check(), flush=True)
    print("setting up a fresh site (migrate + demo data) ...", flush=True)
    site = common.make_site()
    ok = False
    try:
        extra_env = {**common.parse_env_pairs(args.server_env), **common.experiment_env(args.experiment)}
        customer_servers = [common.start_server(site, 1, extra_env) for _ in range(max(1, args.customer_servers))]
        agent_server = common.start_server(site, 1, extra_env) if args.two_servers else customer_servers[0]
        health = common.server_health(agent_server)
        print(f"database:      {common.describe_database(site)} [healthz: {health['database']['vendor']}]")
        print(f"channel layer: {common.describe_layer(site)} [healthz: {health['channel_layer']['backend']}]")
        ports = ", ".join(f":{s.port}" for s in customer_servers)
        print(f"servers:       {len(site.servers)} x `kefu serve` (1 process each); customers -> {ports}; "
              f"agent -> :{agent_server.port}" + (" (its own process)" if args.two_servers else ""))
        if extra_env:
            print(f"EXPERIMENT:    {args.experiment or ''} {args.server_env or ''}")
        print(f"sockets:       {args.customers} customers + 1 agent ({args.agent}); permessage-deflate "
              f"{'off' if args.no_compression else 'offered'}; {args.warm_messages} warm-up message(s) per "
              f"customer before the window", flush=True)
        deadline = args.setup_timeout + args.duration + 2 * args.drain + 90
        result = asyncio.run(asyncio.wait_for(run(args, site, customer_servers, agent_server), deadline))
        ok = result["delivered"] == result["sent"] == result["planned"] and not result["duplicates"]
        if not ok or result["errors"] or result["failures"]:
            common.save_logs(site, "messages were lost or refused")
    finally:
        site.close()
    if common.code_state() != code:
        print(f"WARNING: the kefu code changed during the run (now: {common.code_state()})")

    lat = sorted(result["latencies"])
    lags = sorted(result["lags"])
    acks = sorted(result["ack_ms"])
    meter = result["meter"]
    print()
    print(f"== WebSocket delivery at {result['connected']} connected customers + agent "
          f"({'open' if result['agent_open'] else 'CLOSED'}) "
          f"at {result['sent'] / result['send_seconds']:.0f} msg/s for {result['send_seconds']:.1f} s")
    print(f"sent {result['sent']} (planned {result['planned']}), delivered to the agent {result['delivered']}, "
          f"lost {result['sent'] - result['delivered']} (not delivered {args.drain:g} s after the last send), "
          f"duplicates {result['duplicates']}")
    if lat:
        print(f"customer send -> agent receipt: p50 {common.percentile(lat, 50):.1f} ms, "
              f"p90 {common.percentile(lat, 90):.1f} ms, p99 {common.percentile(lat, 99):.1f} ms, "
              f"max {lat[-1]:.1f} ms")
    if acks:
        print(f"customer send -> own message.ack: p50 {common.percentile(acks, 50):.1f} ms, "
              f"p99 {common.percentile(acks, 99):.1f} ms, max {acks[-1]:.1f} ms ({len(acks)} acks)")
    print(f"send schedule lag of this client: p99 {common.percentile(lags, 99):.1f} ms, max {lags[-1]:.1f} ms"
          if lags else "nothing sent")
    if result["reader_errors"]:
        print(f"socket reader crashes in this client: {result['reader_errors'][:5]}")
    if result["failures"] or result["errors"]:
        print(f"failures: {dict(result['failures'])}; error answers on customer sockets: {result['errors']}")
    print(f"agent socket received: {dict(result['received'])}; customers received {result['echoes']} "
          f"message.created echoes")
    print(f"CPU during the {meter.wall:.1f} s of sending ({result['sent']} messages):")
    for line in meter.lines(per=max(1, result["sent"]), unit="message"):
        print(line)
    if result["pg_sessions"] is not None:
        print(f"PostgreSQL sessions opened on the database while sending: {result['pg_sessions']}")
    if args.json:
        args.json.write_text(json.dumps({
            "sent": result["sent"], "delivered": result["delivered"], "p50_ms": common.percentile(lat, 50),
            "p90_ms": common.percentile(lat, 90), "p99_ms": common.percentile(lat, 99),
            "max_ms": lat[-1] if lat else None, "connected": result["connected"], "cpu": meter.used,
            "args": {k: str(v) for k, v in vars(args).items()},
        }, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
