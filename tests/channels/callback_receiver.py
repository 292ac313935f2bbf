"""An HTTP server on 127.0.0.1 standing in for the exchange's app backend that receives kefu's callbacks."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kefu.core.liveserver import free_port


class CallbackReceiver:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200  # what it answers; 503 acts like a backend that is down for maintenance
        self.condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.status
                if status < 300:
                    with receiver.condition:
                        receiver.requests.append((dict(self.headers.items()), body))
                        receiver.condition.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "maintenance"}')

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/kefu/callback"

    def __enter__(self) -> CallbackReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[tuple[dict[str, str], dict, bytes]]:
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} callbacks, got {len(self.requests)}")
            return [(headers, json.loads(body), body) for headers, body in self.requests]
