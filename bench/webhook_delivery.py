"""Outbound webhook throughput: signed deliveries per second from `kefu worker` to a local receiver.

Creates a fresh kefu database (SQLite, or PostgreSQL when KEFU_DATABASE_URL=postgresql://...), one
subscription pointing at an HTTP receiver on 127.0.0.1 (Python's ThreadingHTTPServer, answering 200
at once), records --events events (each one delivery row plus its background task), then starts
--workers real `kefu worker` processes (django-tasks-db's db_worker) and times until the receiver has
every delivery. Afterwards it checks that every delivery arrived exactly once with a valid signature
and that the database shows them all succeeded.

    .venv/bin/python bench/webhook_delivery.py [--events 1000] [--workers 1]

Only 127.0.0.1; the run stops after --timeout seconds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kefu.core.liveserver import KEFU, LiveSite, free_port  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", "-n", type=int, default=1000, help="events to record (one delivery each)")
    p.add_argument("--workers", "-w", type=int, default=1, help="`kefu worker` processes")
    p.add_argument("--timeout", type=float, default=300, help="give up after this many seconds")
    return p.parse_args(argv)


class Sink:
    """The receiver: keeps (delivery id, signature header, body) of every POST."""

    def __init__(self) -> None:
        self.port = free_port()
        self.items: list[tuple[str, str, bytes]] = []
        self.condition = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.condition:
                    sink.items.append((self.headers["X-Kefu-Delivery"], self.headers["X-Kefu-Signature"], body))
                    sink.condition.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: len(self.items) >= count, timeout)


def main(argv=None) -> int:
    args = parse_args(argv)
    site = LiveSite()
    workers: list[subprocess.Popen] = []
    try:
        site.migrate()
        os.environ.update({k: v for k, v in site.env().items() if k.startswith("KEFU_")})
        os.environ["DJANGO_SETTINGS_MODULE"] = "kefu.settings"
        import django

        django.setup()
        from kefu.webhooks import services
        from kefu.webhooks.models import Delivery, DeliveryStatus, EventType
        from kefu.webhooks.signing import verify_signature

        sink = Sink()
        subscription = services.create_subscription(f"http://127.0.0.1:{sink.port}/hook", list(EventType.values))
        data = {"conversation": {"id": 1, "number": 10001, "status": "open"},
                "message": {"id": 1, "body": "充值没有到账 / deposit not credited", "seq": 1}}
        started = time.perf_counter()
        for i in range(args.events):
            services.record_event(EventType.MESSAGE_CREATED, {**data, "n": i})
        recorded = time.perf_counter() - started

        started = time.perf_counter()
        for _ in range(args.workers):
            workers.append(subprocess.Popen([*KEFU, "worker", "--interval", "0.05"], env=site.env(),
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        complete = sink.wait_for(args.events, args.timeout)
        elapsed = time.perf_counter() - started

        ids = [item[0] for item in sink.items]
        bad = 0
        for _, header, body in sink.items:
            try:
                verify_signature(subscription.secret, body, header)
            except ValueError:
                bad += 1
        # Give the workers a moment to record the last outcomes, then read the database.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists():
            time.sleep(0.1)
        succeeded = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count()
        database = "PostgreSQL" if (site.database_url or "").startswith("postgres") else "SQLite"
        print(f"webhook delivery benchmark: {args.events} events, {args.workers} worker process(es), {database}")
        print(f"  recorded (delivery row + task) : {args.events / recorded:8.1f} events/s")
        print(f"  delivered to the receiver      : {len(ids) / elapsed:8.1f} deliveries/s "
              f"({len(ids)} in {elapsed:.2f} s{'' if complete else ', TIMED OUT'})")
        print(f"  duplicates {len(ids) - len(set(ids))}, bad signatures {bad}, "
              f"succeeded in the database {succeeded}/{args.events}")
        return 0 if complete and bad == 0 and succeeded == args.events and len(set(ids)) == args.events else 1
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        site.close()


if __name__ == "__main__":
    sys.exit(main())
