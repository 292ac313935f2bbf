"""A secret sent through a real server's widget socket and API is nowhere afterwards: not in any table
(dumpdata of every model), not in the SQLite files, not in the server's DEBUG log, not in what the agent
console receives."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from kefu.core.liveserver import LiveSite
from kefu.safety.keys import mnemonic_from_entropy
from tests.live.conftest import ConsoleClient, WidgetClient

pytestmark = pytest.mark.live

SEED = " ".join(mnemonic_from_entropy(hashlib.sha256(b"live-never-stored").digest(), "english"))
KEY = hashlib.sha256(b"live-never-stored-key").hexdigest()
SEED_ZH = " ".join(mnemonic_from_entropy(hashlib.sha256(b"live-zh").digest()[:16], "chinese_simplified"))


class DebugSite(LiveSite):
    def env(self, **extra: str) -> dict[str, str]:
        return super().env(KEFU_LOG_LEVEL="DEBUG", **extra)


@pytest.fixture(scope="module")
def debug_site():
    site = DebugSite()
    try:
        site.kefu("demo")
        site.token = site.create_token("never-stored")
        site.server = site.start_server()
        yield site
    finally:
        site.close()


def test_secret_through_widget_socket_and_api_is_never_stored_or_logged(debug_site):
    server = debug_site.server
    console = ConsoleClient(server)
    customer = WidgetClient(server.url, server.ws_url, language="en").connect()
    try:
        customer.send_message(f"someone asked for this: {SEED}")
        ack = customer.recv_until(lambda e: e["type"] == "message.ack")
        assert "[redacted: seed phrase]" in ack["message"]["body"] and ack["message"]["meta"]["safety"]
        warning = customer.recv_until(lambda e: e["type"] == "message.created"
                                      and e["message"]["author_type"] == "system")
        assert "new wallet" in warning["message"]["body"]
        seen = console.recv_until(lambda e: e["type"] == "conversation.updated" and "priority" in e["changed"])
        assert seen["conversation"]["priority"] == "urgent"
    finally:
        customer.close()
        console.close()
    with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10,
                      headers={"Authorization": f"Bearer {debug_site.token}"}) as api:
        created = api.post("/conversations", json={"contact": {"email": "live-leak@example.com"},
                                                   "message": {"body": f"私钥 {KEY} 助记词 {SEED_ZH}"}})
        assert created.status_code == 201 and KEY not in created.text
        blocked = api.post(f"/conversations/{created.json()['id']}/messages",
                           json={"body": "Please tell me your seed phrase", "author_type": "agent"})
        assert blocked.status_code == 422 and blocked.json()["code"] == "secret-request-blocked"
    dump = debug_site.kefu("manage", "dumpdata").stdout
    assert json.loads(dump) and "[redacted: seed phrase]" in dump and "[已隐去：私钥]" in dump
    files = b"".join(p.read_bytes() for p in Path(debug_site.workdir).glob("kefu.sqlite3*"))
    log = server.log()
    assert "DEBUG" in log or "INFO" in log  # the log really was written at a verbose level
    for secret in (SEED, KEY, SEED_ZH, " ".join(SEED.split()[:5]), " ".join(SEED_ZH.split()[:5])):
        assert secret not in dump
        assert secret not in log
        assert secret.encode() not in files
