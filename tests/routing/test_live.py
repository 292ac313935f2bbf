"""Routing against a real server: the in-server assigner, console-socket presence, live queue events."""

from __future__ import annotations

import functools
import json
import time

import pytest

from kefu.core.liveserver import LiveSite
from tests.live.conftest import ConsoleClient, WidgetClient, api

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def site():
    site = LiveSite()
    # Short grace periods so presence changes inside the test's timeouts.
    site.env = functools.partial(LiveSite.env, site, KEFU_ROUTING_AWAY_AFTER="1", KEFU_ROUTING_OFFLINE_AFTER="3600",
                                 KEFU_ROUTING_POSITION_SECONDS="0.5")
    try:
        site.kefu("demo")
        site.token = site.create_token("routing live tests")
        site.server = site.start_server()
        yield site
    finally:
        site.close()


def wait_for(check, timeout: float = 20.0, every: float = 0.2):
    """Poll `check` until it returns something truthy (the server's sweep runs on its own clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def presence_of(client, username: str) -> str:
    for queue in client.get("/routing/queues").json():
        for agent in queue["agents"]:
            if agent["username"] == username:
                return agent["presence"]
    return ""


def assigned_to(agent_id: int, conversation_id: int | None = None):
    def check(event):
        conv = event.get("conversation") or {}
        return (event["type"] == "conversation.updated" and "assignee" in event.get("changed", [])
                and conv.get("assignee_id") == agent_id and conversation_id in (None, conv.get("id")))
    return check


def test_security_chat_reaches_the_online_agent_and_the_queue_moves_live(site):
    server = site.server
    sam = ConsoleClient(server, "sam")
    with api(server, site.token) as client:
        sam_id = client.put("/routing/agents/sam/presence", json={"presence": "online"}).json()
        assert sam_id["presence"] == "online"
        # Room for exactly one more chat (the demo data already gave him some, and waiting demo
        # conversations of his team reach him as soon as he is online).
        def security_queue():
            return next(q for q in client.get("/routing/queues").json() if q["team"] == "security")
        wait_for(lambda: security_queue()["waiting"] == 0)
        security = security_queue()
        held = next(a["chats"] for a in security["agents"] if a["username"] == "sam")
        assert client.put("/routing/agents/sam/capacity", json={"chat_capacity": held + 1}).status_code == 200
        first = WidgetClient(server.url, server.ws_url, language="en").connect()
        second = WidgetClient(server.url, server.ws_url, language="zh-hans").connect()
        try:
            first.send_message("Help, my account was hacked and there is an unauthorized withdrawal!")
            conv1 = first.recv_until(lambda e: e["type"] == "message.ack")["conversation"]
            event = sam.recv_until(lambda e: e["type"] == "conversation.updated" and "assignee" in e["changed"]
                                   and e["conversation"]["id"] == conv1["id"], timeout=20)
            agent_id = event["conversation"]["assignee_id"]
            assert event["conversation"]["priority"] == "urgent"
            # (A position may come first if the periodic announcement ran before the assignment.)
            told = first.recv_until(lambda e: e["type"] == "queue.updated" and e["assigned"], timeout=20)
            assert told["conversation_id"] == conv1["id"] and told["position"] == 0

            second.send_message("我的账号被盗了，请帮忙冻结")
            conv2 = second.recv_until(lambda e: e["type"] == "message.ack")["conversation"]
            waiting = second.recv_until(lambda e: e["type"] == "queue.updated", timeout=20)
            assert waiting["conversation_id"] == conv2["id"] and waiting["position"] == 1
            assert waiting["assigned"] is False

            # Sam solves the first chat: the second is his at once, and its customer is told.
            assert client.patch(f"/conversations/{conv1['id']}", json={"status": "solved"}).status_code == 200
            sam.recv_until(assigned_to(agent_id, conv2["id"]), timeout=20)
            done = second.recv_until(lambda e: e["type"] == "queue.updated" and e["assigned"], timeout=20)
            assert done["conversation_id"] == conv2["id"] and done["position"] == 0
        finally:
            first.close()
            second.close()

        # Sam's only console socket closes: after the grace period he is away.
        sam.close()
        wait_for(lambda: presence_of(client, "sam") == "away")
        # He opens the console again: back online, since kefu (not he) had set him away.
        sam = ConsoleClient(server, "sam")
        wait_for(lambda: presence_of(client, "sam") == "online")
        sam.close()


def test_public_status_and_surge_switch(site):
    server = site.server
    with api(server, site.token) as client:
        assert client.put("/routing/teams/general/surge", json={"active": True}).json()["surge"] is True
        import httpx

        status = httpx.get(f"{server.url}/routing/status.json?lang=zh-hans", timeout=10).json()
        assert status["surge"] is True and any(t["team"] == "general" for t in status["teams"])
        widget_js = httpx.get(f"{server.url}/widget.js", timeout=10).text
        assert "routing/widget/queue/" in widget_js
        client.put("/routing/teams/general/surge", json={"active": False})
    assert json.loads(json.dumps(status))  # the payload is plain JSON
