"""POST /api/v1/conversations/batch: many new conversations per request, each answered as alone."""

from __future__ import annotations

import pytest

from kefu.assistant.models import AssistantConversation
from kefu.contacts.models import Contact
from kefu.conversations.models import AuditEvent, Conversation, Message
from kefu.routing.models import QueueEntry, RoutedConversation
from kefu.sla.models import ConversationSla

pytestmark = pytest.mark.django_db(transaction=True)


def item(uid: str, body: str, client_id: str, **extra) -> dict:
    return {"contact": {"external_id": uid, "name": f"Customer {uid}"},
            "message": {"body": body, "client_id": client_id}, **extra}


BATCH = [
    item("700001", "My BTC deposit has not arrived after 3 confirmations", "b-1"),
    item("700002", "我的USDT提币一直在处理中", "b-2", subject="提币处理中"),
    item("700001", "Also: how do I change my 2FA phone?", "b-3", priority="high"),
]


def test_a_batch_opens_each_conversation_as_a_single_post_would(api, settings):
    settings.KEFU_ASSISTANT_DEFAULT_ENABLED = True  # the suite turns it off; here every app takes part
    response = api.post("/conversations/batch", {"conversations": BATCH})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["created"], data["existing"], data["failed"]) == (3, 0, 0)
    results = [r["conversation"] for r in data["results"]]
    assert [r["status"] for r in data["results"]] == [201, 201, 201]
    assert len({c["number"] for c in results}) == 3
    assert results[1]["language"] == "zh-hans" and results[1]["subject"] == "提币处理中"
    assert results[1]["labels"]["status"] == "新建"
    assert results[2]["priority"] == "high" and results[0]["subject"].startswith("My BTC deposit")
    # The same UID twice is one contact; a new contact writing Chinese is a Chinese contact.
    assert Contact.objects.filter(external_id="700001").count() == 1
    assert Contact.objects.get(external_id="700002").language == "zh-hans"
    assert results[0]["contact_id"] == results[2]["contact_id"] != results[1]["contact_id"]
    for conversation in results:
        messages = list(Message.objects.filter(conversation_id=conversation["id"]).order_by("seq"))
        assert messages[0].seq == 1 and messages[0].author_type == "customer"
        assert AuditEvent.objects.filter(conversation_id=conversation["id"], action="created").count() == 1
        # The apps' hooks ran for every conversation: routed and queued, SLA computed, assistant met it.
        assert RoutedConversation.objects.filter(conversation_id=conversation["id"]).exists()
        assert ConversationSla.objects.filter(conversation_id=conversation["id"]).exists()
        assert AssistantConversation.objects.filter(conversation_id=conversation["id"]).exists()
    assert QueueEntry.objects.filter(conversation_id__in=[c["id"] for c in results]).count() == 3
    stored = Conversation.objects.get(pk=results[0]["id"])
    assert stored.customer_read_seq == 1 and stored.status == "new" and stored.last_message_at is not None
    # The assistant answered or handed off right after the first message, as it does for a single post.
    assert Message.objects.filter(conversation=stored, seq=2, author_type="bot").exists()
    api_read = api.get(f"/conversations/{results[0]['id']}/messages").json()
    assert api_read[0]["body"] == BATCH[0]["message"]["body"]


def test_a_retried_batch_opens_nothing_twice(api):
    first = api.post("/conversations/batch", {"conversations": BATCH}).json()
    counts = (Conversation.objects.count(), Message.objects.count(), Contact.objects.count())
    again = api.post("/conversations/batch", {"conversations": BATCH}).json()
    assert (again["created"], again["existing"]) == (0, 3)
    assert [r["conversation"]["id"] for r in again["results"]] == [r["conversation"]["id"] for r in first["results"]]
    assert (Conversation.objects.count(), Message.objects.count(), Contact.objects.count()) == counts
    # And a conversation opened alone with the same client_id is found by the batch too.
    alone = api.post("/conversations", item("700009", "alone", "solo")).json()
    mixed = api.post("/conversations/batch", {"conversations": [item("700009", "alone", "solo")]}).json()
    assert mixed["results"][0] == {"status": 200, "conversation": mixed["results"][0]["conversation"]}
    assert mixed["results"][0]["conversation"]["id"] == alone["id"]


def test_a_client_id_repeated_inside_one_batch_opens_one_conversation(api):
    data = api.post("/conversations/batch", {"conversations": [
        item("700010", "hello", "same"), item("700010", "hello", "same")]}).json()
    assert [r["status"] for r in data["results"]] == [201, 200]
    assert data["results"][0]["conversation"]["id"] == data["results"][1]["conversation"]["id"]
    assert Conversation.objects.filter(contact__external_id="700010").count() == 1


def test_bad_items_fail_alone_and_write_nothing_for_themselves(api):
    data = api.post("/conversations/batch", {"conversations": [
        item("700020", "kept", "ok"),
        item("700021", "nowhere", "x1", inbox_id=999999),
        item("700022", "   ", "x2"),
        item("700023", "bad category", "x3", category="not-a-category"),
        item("700024", "x" * 20_001, "x4"),
        {"contact": {"external_id": "700025"}, "message": {"body": "file", "attachment_ids": [1]}},
    ]}).json()
    statuses = [r["status"] for r in data["results"]]
    assert statuses[0] == 201 and all(400 <= s < 500 for s in statuses[1:]), statuses
    assert statuses[1:] == [404, 422, 422, 413, 422] and data["failed"] == 5 and data["created"] == 1
    assert all(r["problem"]["detail"] and r["problem"]["type"].startswith("urn:kefu:problem:")
               for r in data["results"][1:])
    assert list(Conversation.objects.values_list("contact__external_id", flat=True)) == ["700020"]
    # No contact is made for an item whose inbox does not exist.
    assert not Contact.objects.filter(external_id="700021").exists()
    # ... nor for any other failing item.
    assert list(Contact.objects.values_list("external_id", flat=True)) == ["700020"]


def test_whole_batch_errors_are_problem_bodies(api, agent_api):
    empty = api.post("/conversations/batch", {"conversations": []})
    assert empty.status_code == 422 and empty["Content-Type"].startswith("application/problem+json")
    too_many = api.post("/conversations/batch", {"conversations": [item("1", "x", None)] * 201})
    assert too_many.status_code == 422
    malformed = api.post("/conversations/batch", {"conversations": [{"message": {"body": "no contact"}}]})
    assert malformed.status_code == 422 and "contact" in malformed.json()["detail"]
    assert Conversation.objects.count() == 0


def test_secrets_in_a_batch_are_redacted_before_they_are_stored(api):
    seed = ("abandon ability able about above absent absorb abstract absurd abuse access accident")
    data = api.post("/conversations/batch", {"conversations": [
        item("700030", f"my seed is {seed} please help", "s1")]}).json()
    stored = Message.objects.get(conversation_id=data["results"][0]["conversation"]["id"], seq=1)
    assert "abandon ability" not in stored.body and stored.meta["safety"]["redacted"]


def test_batch_events_reach_the_agents_in_order(api, settings):
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers, get_channel_layer

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    try:
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)("agents.all", channel)
        data = api.post("/conversations/batch", {"conversations": BATCH[:2]}).json()
        first = async_to_sync(layer.receive)(channel)
        assert first["type"] == "kefu.events"
        kinds = [(e["type"], e["conversation"]["id"]) for e in first["events"]][:4]
        a, b = (r["conversation"]["id"] for r in data["results"])
        assert kinds == [("conversation.created", a), ("message.created", a),
                         ("conversation.created", b), ("message.created", b)]
    finally:
        channel_layers.backends.clear()
