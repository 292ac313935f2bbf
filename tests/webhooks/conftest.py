"""A real HTTP receiver on 127.0.0.1 and the real django-tasks-db worker, for webhook tests."""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kefu.core.liveserver import free_port
from kefu.webhooks.models import Delivery, DeliveryStatus


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server that records every POST and answers with scripted statuses (then 200)."""

    port: int = field(default_factory=free_port)
    attempts: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    redirect_to: str | None = None
    condition: threading.Condition = field(default_factory=threading.Condition)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/kefu"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.condition:
                    status = receiver.script.pop(0) if receiver.script else 200
                    receiver.attempts.append(Received(self.path, dict(self.headers.items()), body, status))
                    receiver.condition.notify_all()
                self.send_response(status)
                if 300 <= status < 400 and receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                reply = b"ok" if status < 300 else b"receiver says no"
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def received(self) -> list[Received]:
        """The requests this receiver accepted (answered 2xx)."""
        return [a for a in self.attempts if a.status < 300]

    def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"the receiver got {len(self.received)} deliveries, expected {count}")
            return list(self.received)


@pytest.fixture
def receiver():
    found = Receiver().start()
    yield found
    found.stop()


def run_worker() -> None:
    """Run django-tasks-db's own worker (`db_worker --batch`): every ready task, then return."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def fast_forward() -> None:
    """Make every scheduled retry due now (instead of waiting out the backoff)."""
    now = timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__gt=now).update(
        next_attempt_at=now - timedelta(milliseconds=1))
    DBTaskResult.objects.filter(status="READY", run_after__gt=now).update(run_after=now - timedelta(milliseconds=1))


@pytest.fixture
def worker():
    return run_worker
