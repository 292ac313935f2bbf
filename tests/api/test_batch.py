"""POST /api/v1/messages/batch: many messages per request, each item on its own, retries stored once."""

from __future__ import annotations

import pytest

from kefu.conversations import services
from kefu.conversations.models import AuditEvent, Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)


def _open(api, n: int) -> list[int]:
    ids = []
    for i in range(n):
        response = api.post("/conversations", {
            "contact": {"email": f"c{i}@example.com"}, "message": {"body": f"question {i}", "client_id": f"q{i}"},
        })
        ids.append(response.json()["id"])
    return ids


def test_batch_stores_in_order_across_conversations_and_moves_status(api):
    a, b = _open(api, 2)
    response = api.post("/messages/batch", {"messages": [
        {"conversation_id": a, "body": "first reply", "client_id": "r1"},
        {"conversation_id": b, "body": "客户的第二条消息", "client_id": "r2", "author_type": "customer"},
        {"conversation_id": a, "body": "a note", "client_id": "r3", "internal": True},
        {"conversation_id": a, "body": "second reply", "client_id": "r4"},
    ]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["created"], data["existing"], data["failed"]) == (4, 0, 0)
    assert [r["status"] for r in data["results"]] == [201, 201, 201, 201]
    assert [m.body for m in Message.objects.filter(conversation_id=a).order_by("seq")] == [
        "question 0", "first reply", "a note", "second reply"]
    assert list(Message.objects.filter(conversation_id=a).order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    conv_a = Conversation.objects.get(pk=a)
    assert conv_a.last_seq == 4 and conv_a.status == "open" and conv_a.first_reply_at is not None
    assert AuditEvent.objects.filter(conversation_id=a, action="status_changed").count() == 1
    assert data["results"][1]["message"]["body"] == "客户的第二条消息"


def test_retried_batch_stores_nothing_twice(api):
    (a,) = _open(api, 1)
    batch = {"messages": [{"conversation_id": a, "body": f"m{i}", "client_id": f"k{i}"} for i in range(5)]}
    first = api.post("/messages/batch", batch).json()
    again = api.post("/messages/batch", batch).json()
    assert first["created"] == 5
    assert (again["created"], again["existing"]) == (0, 5)
    assert [r["message"]["id"] for r in again["results"]] == [r["message"]["id"] for r in first["results"]]
    assert Message.objects.filter(conversation_id=a).count() == 6


def test_repeated_client_id_inside_one_batch_is_stored_once(api):
    (a,) = _open(api, 1)
    data = api.post("/messages/batch", {"messages": [
        {"conversation_id": a, "body": "same", "client_id": "dup"},
        {"conversation_id": a, "body": "same", "client_id": "dup"},
    ]}).json()
    assert [r["status"] for r in data["results"]] == [201, 200]
    assert data["results"][0]["message"]["id"] == data["results"][1]["message"]["id"]
    assert Message.objects.filter(conversation_id=a, client_id="dup").count() == 1


def test_bad_items_fail_alone_and_lose_nothing(api, agent):
    a, b = _open(api, 2)
    services.update_conversation(Conversation.objects.get(pk=b), services.Actor.for_agent(agent),
                                 services.Changes(status="closed"))
    data = api.post("/messages/batch", {"messages": [
        {"conversation_id": a, "body": "kept", "client_id": "ok"},
        {"conversation_id": b, "body": "closed", "client_id": "x1"},
        {"conversation_id": 999999, "body": "nowhere", "client_id": "x2"},
        {"conversation_id": a, "body": "   ", "client_id": "x3"},
        {"conversation_id": a, "body": "customer note", "internal": True, "author_type": "customer"},
    ]}).json()
    assert [r["status"] for r in data["results"]] == [201, 409, 404, 422, 422]
    assert data["failed"] == 4 and data["created"] == 1
    assert data["results"][1]["problem"]["code"] == "conversation-closed"
    assert all(r["problem"]["detail"] for r in data["results"][1:])
    assert list(Message.objects.filter(conversation_id=a).values_list("body", flat=True)) == ["question 0", "kept"]
    assert Message.objects.filter(conversation_id=b).count() == 1


def test_whole_batch_errors_are_problem_bodies(api, agent_api, other_team):
    empty = api.post("/messages/batch", {"messages": []})
    assert empty.status_code == 422 and empty["Content-Type"].startswith("application/problem+json")
    too_many = api.post("/messages/batch", {"messages": [{"conversation_id": 1, "body": "x"}] * 501})
    assert too_many.status_code == 422
    # An agent's token cannot write to conversations of teams it cannot see: 404 per item.
    (a,) = _open(api, 1)
    services.update_conversation(Conversation.objects.get(pk=a), services.Actor.system(),
                                 services.Changes(team=other_team))
    hidden = agent_api.post("/messages/batch", {"messages": [{"conversation_id": a, "body": "x"}]}).json()
    assert hidden["results"][0]["status"] == 404


@pytest.fixture
def in_memory_layer(settings):
    """A layer this process can listen on directly (Redis pub/sub refuses in-process listeners)."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_batch_messages_reach_agent_and_customer_sockets(api, in_memory_layer):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from kefu.conversations.events import customer_group

    (a,) = _open(api, 1)
    conversation = Conversation.objects.get(pk=a)
    layer = get_channel_layer()
    agent_channel = async_to_sync(layer.new_channel)()
    customer_channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("agents.all", agent_channel)
    async_to_sync(layer.group_add)(customer_group(conversation), customer_channel)
    api.post("/messages/batch", {"messages": [
        {"conversation_id": a, "body": "public", "client_id": "p"},
        {"conversation_id": a, "body": "note", "client_id": "n", "internal": True},
    ]})
    # Several events for one group travel as one layer message ("kefu.events"), in order.
    agent_message = async_to_sync(layer.receive)(agent_channel)
    assert agent_message["type"] == "kefu.events"
    assert [e["message"]["body"] for e in agent_message["events"]] == ["public", "note"]
    customer_message = async_to_sync(layer.receive)(customer_channel)
    assert customer_message["type"] == "kefu.event"  # the note never reaches the customer
    customer_event = customer_message["event"]
    assert customer_event["message"]["body"] == "public"
    assert customer_event["conversation"]["labels"]["number"]
