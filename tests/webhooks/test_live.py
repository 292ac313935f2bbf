"""End to end with real processes: `kefu serve` with its background worker (`kefu worker`, i.e.
django-tasks-db's db_worker) delivers to a real receiver that is down at first and comes back."""

from __future__ import annotations

import time

import httpx
import pytest

from kefu.core.liveserver import LiveSite
from kefu.webhooks.signing import verify_signature
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.live


class WebhookSite(LiveSite):
    """A live site whose retries come quickly, so a receiver outage lasts seconds, not minutes."""

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(KEFU_WEBHOOK_RETRY_SCHEDULE="1,1,1,1,1,1,1,1,1,1", KEFU_WEBHOOK_TIMEOUT="2", **extra)


def wait_until(check, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def site():
    site = WebhookSite()
    try:
        site.migrate()
        site.token = site.create_token("webhook tests")
        site.server = site.start_server(worker=True)
        yield site
    finally:
        site.close()


def test_a_downed_receiver_delays_deliveries_and_gets_every_event_when_back(site):
    receiver = Receiver()  # its port is free: connection refused until it starts
    api = httpx.Client(base_url=f"{site.server.url}/api/v1", headers={"Authorization": f"Bearer {site.token}"},
                       timeout=10)
    hook = api.post("/webhooks", json={"url": receiver.url, "event_types": [
        "conversation.created", "message.created", "conversation.status_changed"]}).json()
    opened = api.post("/conversations", json={"contact": {"external_id": "880001", "name": "Wang"},
                                              "message": {"body": "提币一直在审核中"}})
    assert opened.status_code == 201

    def failed_attempts():
        log = api.get(f"/webhooks/{hook['id']}/deliveries").json()
        return len(log) == 2 and all(d["attempts"] >= 1 and d["status"] == "pending" for d in log) and log
    log = wait_until(failed_attempts, what="the first failed attempts")
    assert {d["last_error"] for d in log} == {"connection refused"}
    assert all(d["next_attempt_at"] for d in log)

    receiver.start()
    try:
        got = receiver.wait_for(2, timeout=30)
        assert sorted(g.headers["X-Kefu-Event"] for g in got) == ["conversation.created", "message.created"]
        for item in got:
            verify_signature(hook["secret"], item.body, item.headers["X-Kefu-Signature"])
            assert item.json["data"]["conversation"]["contact"]["uid"] == "880001"

        conversation_id = opened.json()["id"]
        assert api.patch(f"/conversations/{conversation_id}", json={"status": "solved"}).status_code == 200
        got = receiver.wait_for(3, timeout=30)
        assert got[2].headers["X-Kefu-Event"] == "conversation.status_changed"
        assert got[2].json["data"]["status"] == {"old": "new", "new": "solved"}
        statuses = wait_until(lambda: (lambda log: all(d["status"] == "succeeded" for d in log) and log)(
            api.get(f"/webhooks/{hook['id']}/deliveries").json()), what="every delivery to succeed")
        assert len(statuses) == 3
    finally:
        receiver.stop()
