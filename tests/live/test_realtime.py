"""Live chat over real sockets against a real server process: delivery, catch-up, restarts, privacy."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.live.conftest import ConsoleClient, WidgetClient, api

pytestmark = pytest.mark.live


def is_message(body: str):
    return lambda e: e["type"] == "message.created" and e["message"]["body"] == body


def test_customer_and_agent_see_each_other_live(live_site, kefu_server):
    agent = ConsoleClient(kefu_server)
    customer = WidgetClient(kefu_server.url, kefu_server.ws_url, language="en").connect()
    try:
        client_id = customer.send_message("My deposit has not arrived")
        ack = customer.recv_until(lambda e: e["type"] == "message.ack")
        assert ack["client_id"] == client_id and ack["duplicate"] is False
        conversation = ack["conversation"]
        seen = agent.recv_until(is_message("My deposit has not arrived"))
        assert seen["conversation"]["id"] == conversation["id"]
        assert seen["message"]["author_type"] == "customer"

        # the agent types (the customer sees it) and replies through the API (the customer gets it)
        agent.send(type="watch", conversation_id=conversation["id"])
        agent.send(type="typing", conversation_id=conversation["id"], is_typing=True)
        typing = customer.recv_until(lambda e: e["type"] == "typing")
        assert typing["who"] == "agent" and typing["is_typing"] is True
        with api(kefu_server, live_site.token) as client:
            response = client.post(f"/conversations/{conversation['id']}/messages",
                                   json={"body": "Let me check that for you.", "author_type": "agent"})
            assert response.status_code == 201
        reply = customer.recv_until(is_message("Let me check that for you."))
        assert reply["message"]["author_type"] == "agent" and reply["message"]["seq"] == 2

        # read state flows back to the agent
        customer.send(type="read", conversation_id=conversation["id"], seq=2)
        read = agent.recv_until(lambda e: e["type"] == "read" and e["reader"] == "customer")
        assert read["seq"] == 2
    finally:
        customer.close()
        agent.close()


def test_reconnect_catches_up_without_loss_or_duplicates(live_site, kefu_server):
    customer = WidgetClient(kefu_server.url, kefu_server.ws_url).connect()
    customer.send_message("first")
    ack = customer.recv_until(lambda e: e["type"] == "message.ack")
    conversation_id = ack["conversation"]["id"]
    cursor = ack["message"]["seq"]
    customer.close()  # the connection drops

    with api(kefu_server, live_site.token) as client:
        for i in range(3):
            client.post(f"/conversations/{conversation_id}/messages", json={"body": f"missed {i}"})
        client.post(f"/conversations/{conversation_id}/messages", json={"body": "secret note", "internal": True})

    customer.connect()
    synced = customer.sync({conversation_id: cursor})
    mine = [s for s in synced if s["conversation"]["id"] == conversation_id]
    assert len(mine) == 1
    assert [m["body"] for m in mine[0]["messages"]] == ["missed 0", "missed 1", "missed 2"]
    assert [m["seq"] for m in mine[0]["messages"]] == [2, 3, 4]
    # a second sync from the new cursor brings nothing twice
    again = customer.sync({conversation_id: 4})
    assert [s["messages"] for s in again if s["conversation"]["id"] == conversation_id] == [[]]
    customer.close()


def test_retried_send_is_stored_once(live_site, kefu_server):
    customer = WidgetClient(kefu_server.url, kefu_server.ws_url).connect()
    client_id = customer.send_message("hello once")
    first = customer.recv_until(lambda e: e["type"] == "message.ack")
    customer.send_message("hello once", conversation_id=first["conversation"]["id"], client_id=client_id)
    second = customer.recv_until(lambda e: e["type"] == "message.ack")
    assert second["duplicate"] is True and second["message"]["id"] == first["message"]["id"]
    with api(kefu_server, live_site.token) as client:
        bodies = [m["body"] for m in client.get(f"/conversations/{first['conversation']['id']}/messages").json()]
    assert bodies == ["hello once"]
    customer.close()


def test_server_restart_loses_and_doubles_nothing(live_site):
    server = live_site.start_server()
    customer = WidgetClient(server.url, server.ws_url).connect()
    customer.send_message("before restart")
    ack = customer.recv_until(lambda e: e["type"] == "message.ack")
    conversation_id = ack["conversation"]["id"]
    # A send whose ack the customer never saw: the server stops right after it was written.
    pending_id = customer.send_message("in flight", conversation_id=conversation_id)
    customer.recv_until(lambda e: e["type"] == "message.ack")

    server = live_site.restart_server(server)
    with pytest.raises(ConnectionClosed):
        customer.recv_until(lambda e: False, timeout=5)  # drains events until the socket closes
    with api(server, live_site.token) as client:
        client.post(f"/conversations/{conversation_id}/messages", json={"body": "while you were away"})

    customer.connect(server.ws_url)
    synced = customer.sync({conversation_id: ack["message"]["seq"]})
    missed = [m["body"] for s in synced if s["conversation"]["id"] == conversation_id for m in s["messages"]]
    assert missed == ["in flight", "while you were away"]
    customer.send_message("in flight", conversation_id=conversation_id, client_id=pending_id)  # the outbox resend
    resent = customer.recv_until(lambda e: e["type"] == "message.ack")
    assert resent["duplicate"] is True
    with api(server, live_site.token) as client:
        bodies = [m["body"] for m in client.get(f"/conversations/{conversation_id}/messages").json()]
    assert bodies == ["before restart", "in flight", "while you were away"]
    customer.close()
    server.stop()


def test_internal_notes_and_other_contacts_never_reach_a_widget(live_site, kefu_server):
    alice = WidgetClient(kefu_server.url, kefu_server.ws_url).connect()
    mallory = WidgetClient(kefu_server.url, kefu_server.ws_url).connect()
    alice.send_message("private question")
    conversation_id = alice.recv_until(lambda e: e["type"] == "message.ack")["conversation"]["id"]
    with api(kefu_server, live_site.token) as client:
        client.post(f"/conversations/{conversation_id}/messages", json={"body": "note: VIP", "internal": True})
        client.post(f"/conversations/{conversation_id}/messages", json={"body": "public answer"})
    received = alice.recv_until(lambda e: e["type"] == "message.created" and e["message"]["author_type"] == "agent")
    assert received["message"]["body"] == "public answer"

    # mallory tries to read, write into and type in alice's conversation
    assert all(s["conversation"]["id"] != conversation_id for s in mallory.sync({conversation_id: 0}))
    mallory.send_message("let me in", conversation_id=conversation_id)
    error = mallory.recv_until(lambda e: e["type"] in {"error", "message.ack"})
    assert error["type"] == "error" and error["status"] == 404
    headers = {"X-Kefu-Session": mallory.session["session"]}
    response = httpx.get(f"{kefu_server.url}/widget/api/conversations/{conversation_id}/messages", headers=headers)
    assert response.status_code == 404
    with api(kefu_server, live_site.token) as client:
        bodies = [m["body"] for m in client.get(f"/conversations/{conversation_id}/messages").json()]
    assert "let me in" not in bodies
    alice.close()
    mallory.close()


def test_sockets_refuse_bad_credentials(kefu_server):
    with connect(f"{kefu_server.ws_url}/ws/widget/?session=forged", open_timeout=10) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=5)
        assert closed.value.rcvd.code == 4001
    with connect(f"{kefu_server.ws_url}/ws/console/", open_timeout=10,
                 additional_headers={"Origin": kefu_server.url}) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=5)
        assert closed.value.rcvd.code == 4001


def test_bad_socket_requests_get_errors_not_disconnects(kefu_server):
    customer = WidgetClient(kefu_server.url, kefu_server.ws_url).connect()
    customer.send(type="message.send", body="x" * 20001, client_id=uuid.uuid4().hex)
    error = customer.recv_until(lambda e: e["type"] == "error")
    assert error["status"] == 413
    customer.socket.send(json.dumps({"type": "no.such.thing"}))
    assert customer.recv_until(lambda e: e["type"] == "error")["status"] == 400
    customer.send_message("still connected")
    assert customer.recv_until(lambda e: e["type"] == "message.ack")["message"]["body"] == "still connected"
    customer.close()


def test_healthz_reports_database_and_layer(kefu_server):
    body = httpx.get(f"{kefu_server.url}/healthz").json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["channel_layer"]["ok"]


def test_a_batch_reaches_console_and_widget_live_in_order(live_site, kefu_server):
    """POST /api/v1/messages/batch: each socket gets every public message once, in order (the layer
    carries one message per group with all its events)."""
    agent = ConsoleClient(kefu_server)
    customer = WidgetClient(kefu_server.url, kefu_server.ws_url, language="en").connect()
    try:
        customer.send_message("Is my withdrawal stuck?")
        conversation = customer.recv_until(lambda e: e["type"] == "message.ack")["conversation"]
        bodies = [f"batch reply {i}" for i in range(4)]
        items = [{"conversation_id": conversation["id"], "body": body, "client_id": f"batch-{i}"}
                 for i, body in enumerate(bodies)]
        items.insert(2, {"conversation_id": conversation["id"], "body": "a note between", "client_id": "batch-n",
                         "internal": True})
        with api(kefu_server, live_site.token) as client:
            response = client.post("/messages/batch", json={"messages": items})
            assert response.status_code == 200 and response.json()["created"] == 5, response.text
        widget_seen = [customer.recv_until(lambda e: e["type"] == "message.created"
                                           and e["message"]["body"].startswith("batch"))["message"]["body"]
                       for _ in bodies]
        assert widget_seen == bodies
        console_seen = [agent.recv_until(lambda e: e["type"] == "message.created"
                                         and e["conversation"]["id"] == conversation["id"]
                                         and e["message"]["author_type"] == "agent")["message"]["body"]
                        for _ in range(5)]
        assert console_seen == bodies[:2] + ["a note between"] + bodies[2:]
    finally:
        customer.close()
        agent.close()
