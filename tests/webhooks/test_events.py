"""Conversation lifecycle -> webhook deliveries, through kefu.conversations.hooks (after commit)."""

from __future__ import annotations

import pytest

from kefu.conversations import services as conv
from kefu.conversations.taxonomy import Status
from kefu.webhooks import services
from kefu.webhooks.models import Delivery, EventType
from kefu.webhooks.signing import verify_signature
from tests.webhooks.conftest import run_worker

pytestmark = pytest.mark.django_db
# Tests that run the worker: it closes and reopens connections between tasks, so no test transaction.
WITH_WORKER = pytest.mark.django_db(transaction=True)
ALL = list(EventType.values)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the services schedule for after commit, as a real commit would."""
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)
    return run


def events(**filters) -> list[tuple[str, dict]]:
    return [(d.event_type, d.payload["data"]) for d in Delivery.objects.filter(**filters).order_by("created_at")]


def open_conversation(committed, webchat_inbox, contact, body="充值没有到账，订单 D-2291"):
    conversation, _ = committed(conv.create_conversation, webchat_inbox, contact, conv.Actor.for_customer(contact),
                                body=body, client_id="c1")
    return conversation


def test_a_new_conversation_sends_conversation_created_then_its_first_message(committed, webchat_inbox, contact):
    services.create_subscription("http://127.0.0.1:9/hook", ALL)
    conversation = open_conversation(committed, webchat_inbox, contact)
    (first_type, created), (second_type, message) = events()
    assert (first_type, second_type) == ("conversation.created", "message.created")
    summary = created["conversation"]
    assert summary["id"] == conversation.pk and summary["number"] == conversation.number
    assert summary["status"] == "new" and summary["channel"] == "webchat"
    assert summary["contact"] == {"id": contact.pk, "uid": "100234", "name": "陈女士", "email": "chen@example.com",
                                  "language": "zh-hans", "vip_tier": 0}
    assert summary["team"]["name"] == "General" and summary["assignee"] is None
    assert created["message"]["body"] == "充值没有到账，订单 D-2291"
    assert message["message"]["seq"] == 1 and message["message"]["author_type"] == "customer"


def test_replies_and_internal_notes(committed, webchat_inbox, contact, agent):
    public = services.create_subscription("http://127.0.0.1:9/a", [EventType.MESSAGE_CREATED])
    opted = services.create_subscription("http://127.0.0.1:9/b", [EventType.MESSAGE_CREATED],
                                         include_internal_notes=True)
    conversation = open_conversation(committed, webchat_inbox, contact)
    Delivery.objects.all().delete()
    committed(conv.post_message, conversation, conv.Actor.for_agent(agent), "Checking your deposit now.")
    committed(conv.post_message, conversation, conv.Actor.for_agent(agent), "NOTE: VIP asked twice", internal=True)

    assert [d["message"]["body"] for _, d in events(subscription=public)] == ["Checking your deposit now."]
    assert [(d["message"]["body"], d["message"]["internal"]) for _, d in events(subscription=opted)] == [
        ("Checking your deposit now.", False), ("NOTE: VIP asked twice", True)]
    for delivery in Delivery.objects.filter(subscription=public):
        assert "VIP asked twice" not in str(delivery.payload)


def test_status_change_carries_old_new_and_actor(committed, webchat_inbox, contact, agent):
    services.create_subscription("http://127.0.0.1:9/hook", [EventType.STATUS_CHANGED])
    conversation = open_conversation(committed, webchat_inbox, contact)
    committed(conv.update_conversation, conversation, conv.Actor.for_agent(agent), conv.Changes(status=Status.PENDING))
    [(kind, data)] = events()
    assert kind == "conversation.status_changed"
    assert data["status"] == {"old": "new", "new": "pending"}
    assert data["actor"] == {"type": "agent", "agent_id": agent.pk, "label": "Alice"}
    assert data["conversation"]["status"] == "pending"

    # A status move caused by a message (the customer writes again) is an event too.
    committed(conv.post_message, conversation, conv.Actor.for_customer(contact), "还没到账")
    assert events()[-1][1]["status"] == {"old": "pending", "new": "open"}
    assert events()[-1][1]["actor"]["type"] == "customer"


def test_assignment_change_carries_old_and_new_assignee_and_team(committed, webchat_inbox, contact, agent,
                                                                   supervisor, other_team):
    services.create_subscription("http://127.0.0.1:9/hook", [EventType.ASSIGNMENT_CHANGED])
    conversation = open_conversation(committed, webchat_inbox, contact)
    committed(conv.update_conversation, conversation, conv.Actor.for_agent(supervisor), conv.Changes(assignee=agent))
    committed(conv.update_conversation, conversation, conv.Actor.for_agent(supervisor),
              conv.Changes(unassign=True, team=other_team))
    (_, first), (_, second) = events()
    assert first["changed"] == ["assignee"]
    assert first["assignee"] == {"old": None, "new": {"id": agent.pk, "name": "Alice"}}
    assert first["team"]["old"] == first["team"]["new"] == {"id": conversation.team_id, "name": "General"}
    assert first["actor"]["label"] == "Lin"
    assert second["changed"] == ["assignee", "team"]
    assert second["assignee"] == {"old": {"id": agent.pk, "name": "Alice"}, "new": None}
    assert second["team"]["new"] == {"id": other_team.pk, "name": "Security"}


def test_other_changes_and_no_subscribers_send_nothing(committed, webchat_inbox, contact, agent):
    conversation = open_conversation(committed, webchat_inbox, contact)
    assert not Delivery.objects.exists()
    services.create_subscription("http://127.0.0.1:9/hook", [EventType.STATUS_CHANGED, EventType.ASSIGNMENT_CHANGED])
    committed(conv.update_conversation, conversation, conv.Actor.for_agent(agent), conv.Changes(priority="high"))
    assert not Delivery.objects.exists()


@WITH_WORKER
def test_through_the_api_to_a_real_receiver(django_capture_on_commit_callbacks, api, receiver):
    created = api.post("/webhooks", {"url": receiver.url, "event_types": ALL}).json()
    with_first = {"contact": {"external_id": "400119", "name": "Maria"}, "message": {"body": "Where is my BTC?"}}
    with django_capture_on_commit_callbacks(execute=True):  # as the API request's commit would
        response = api.post("/conversations", with_first)
    assert response.status_code == 201
    assert Delivery.objects.count() == 2
    run_worker()
    got = receiver.wait_for(2)
    assert [g.headers["X-Kefu-Event"] for g in got] == ["conversation.created", "message.created"]
    for item in got:
        verify_signature(created["secret"], item.body, item.headers["X-Kefu-Signature"])
        assert item.json["data"]["conversation"]["contact"]["uid"] == "400119"


@WITH_WORKER
def test_the_batch_message_api_sends_one_event_per_message_and_the_status_move(api):
    services.create_subscription("http://127.0.0.1:9/hook", [EventType.MESSAGE_CREATED, EventType.STATUS_CHANGED])
    opened = api.post("/conversations", {"contact": {"external_id": "400119"}, "message": {"body": "hi"}}).json()
    Delivery.objects.all().delete()
    response = api.post("/messages/batch", {"messages": [
        {"conversation_id": opened["id"], "body": "first reply", "client_id": "r1"},
        {"conversation_id": opened["id"], "body": "a note", "client_id": "r2", "internal": True},
        {"conversation_id": opened["id"], "body": "second reply", "client_id": "r3"},
    ]})
    assert response.status_code == 200, response.content
    got = events()
    assert [d["message"]["body"] for kind, d in got if kind == "message.created"] == ["first reply", "second reply"]
    assert [d["status"] for kind, d in got if kind == "conversation.status_changed"] == [{"old": "new", "new": "open"}]


@pytest.mark.django_db
def test_whether_anyone_listens_is_cached_briefly_and_cleared_by_local_changes(monkeypatch):
    from kefu.webhooks import handlers
    from kefu.webhooks.models import Subscription

    handlers.forget_listening()
    assert handlers._anyone_listening() is False
    # A subscription made by another process (no signal here): seen once the short cache expires.
    Subscription.objects.bulk_create([Subscription(url="http://127.0.0.1:9/other",
                                                   event_types=[EventType.MESSAGE_CREATED])])
    assert handlers._anyone_listening() is False
    monkeypatch.setattr(handlers, "LISTENING_TTL", 0.0)
    assert handlers._anyone_listening() is True
    monkeypatch.setattr(handlers, "LISTENING_TTL", 60.0)
    # A change made in this process is seen at once.
    for subscription in Subscription.objects.all():
        subscription.is_active = False
        subscription.save()
    assert handlers._anyone_listening() is False
