"""Real `kefu serve` processes on loopback, talked to with real HTTP and WebSocket clients."""

from __future__ import annotations

import json
import os
import uuid

import httpx
import pytest
from websockets.sync.client import connect

from kefu.core.liveserver import LiveSite

DEMO_PASSWORD = "kefu-demo-2026"
WIDGET_KEY = "demo-webchat"


@pytest.fixture(scope="session")
def live_site():
    site = LiveSite()
    try:
        site.kefu("demo")
        site.token = site.create_token("live tests")
        yield site
    finally:
        site.close()


@pytest.fixture(scope="session")
def kefu_server(live_site):
    return live_site.start_server()


def console_cookie(base_url: str, username: str = "lin", password: str = DEMO_PASSWORD) -> str:
    """Log in through the console's login form; returns the Cookie header for the console socket."""
    with httpx.Client(base_url=base_url) as client:
        client.get("/console/login/")
        csrf = client.cookies["csrftoken"]
        response = client.post("/console/login/", data={
            "username": username, "password": password, "csrfmiddlewaretoken": csrf,
        }, headers={"Referer": f"{base_url}/console/login/"})
        assert response.status_code == 302, response.text
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


class WidgetClient:
    """A customer's chat session: HTTP session start plus the widget socket."""

    def __init__(self, server_url: str, ws_url: str, **session_fields):
        response = httpx.post(f"{server_url}/widget/api/session", json={"inbox": WIDGET_KEY, **session_fields})
        response.raise_for_status()
        self.session = response.json()
        self.ws_url = ws_url
        self.socket = None

    def connect(self, ws_url: str | None = None):
        self.socket = connect(f"{ws_url or self.ws_url}/ws/widget/?session={self.session['session']}",
                              open_timeout=10)
        hello = self.recv()
        assert hello["type"] == "hello"
        return self

    def send(self, **payload):
        self.socket.send(json.dumps(payload))

    def send_message(self, body: str, conversation_id=None, client_id: str | None = None):
        client_id = client_id or uuid.uuid4().hex
        self.send(type="message.send", body=body, client_id=client_id, conversation_id=conversation_id)
        return client_id

    def recv(self, timeout: float = 10) -> dict:
        return json.loads(self.socket.recv(timeout=timeout))

    def recv_until(self, predicate, timeout: float = 10) -> dict:
        """The first event matching `predicate`, skipping others (typing, read...)."""
        while True:
            event = self.recv(timeout)
            if predicate(event):
                return event

    def sync(self, cursors: dict | None = None) -> list[dict]:
        self.send(type="sync", cursors={str(k): v for k, v in (cursors or {}).items()})
        events = []
        while True:
            event = self.recv()
            if event["type"] == "sync.done":
                return events
            if event["type"] == "conversation.sync":
                events.append(event)

    def close(self):
        if self.socket is not None:
            self.socket.close()


class ConsoleClient:
    def __init__(self, server, username: str = "lin"):
        self.socket = connect(f"{server.ws_url}/ws/console/", open_timeout=10, additional_headers={
            "Cookie": console_cookie(server.url, username), "Origin": server.url,
        })
        assert json.loads(self.socket.recv(timeout=10))["type"] == "hello"

    def send(self, **payload):
        self.socket.send(json.dumps(payload))

    def recv_until(self, predicate, timeout: float = 10) -> dict:
        while True:
            event = json.loads(self.socket.recv(timeout=timeout))
            if predicate(event):
                return event

    def close(self):
        self.socket.close()


def api(server, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def redis_url_or_skip() -> str:
    url = os.environ.get("KEFU_REDIS_URL")
    if not url:
        pytest.skip("set KEFU_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run the scale-out tests")
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {url} is not reachable: {error}")
    return url
