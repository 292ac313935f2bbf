"""The signed webhook channel end to end: signed JSON in over HTTP, the agent replies, the reply is POSTed
(signed the same way) to a callback receiver on loopback by django-tasks-db's worker, run in-process."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from django.test import Client

from kefu.channels.models import ChannelKind, DeliveryStatus, Inbox
from kefu.channels.webhook import sign
from kefu.contacts.models import Contact
from kefu.conversations.models import Attachment, Conversation, Message
from kefu.conversations.services import Actor, post_message
from kefu.core.liveserver import free_port
from tests.channels.callback_receiver import CallbackReceiver
from tests.channels.conftest import delivery_of

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "app-bridge-secret"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082")


@pytest.fixture
def callback():
    with CallbackReceiver() as running:
        yield running


@pytest.fixture
def app_inbox(team, callback) -> Inbox:
    return Inbox.objects.create(name="Exchange app", kind=ChannelKind.WEBHOOK, default_team=team,
                                config={"secret": SECRET, "callback_url": callback.url})


def event(text: str = "My futures position was liquidated", user_id: str = "u-881", **user) -> dict:
    return {"type": "message", "source": "app", "user": {"id": user_id, "name": "Zhao", "language": "en", **user},
            "message": {"text": text}}


def post_event(inbox: Inbox, payload: dict | bytes, event_id: str | None = None, secret: str = SECRET,
               timestamp: int | None = None, signature: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    headers = {"X-Kefu-Timestamp": ts, "X-Kefu-Signature": signature or sign(secret, ts, body)}
    if event_id != "":
        headers["X-Kefu-Event-Id"] = event_id or uuid.uuid4().hex
    return Client().post(f"/channels/webhook/{inbox.public_key}/events", body, content_type="application/json",
                         headers=headers)


def test_app_message_in_agent_reply_out_signed(app_inbox, callback, agent, published, worker, fast_retries):
    response = post_event(app_inbox, event(exchange_uid="100777"), event_id="evt-1")
    assert response.status_code == 201
    body = response.json()
    conversation = Conversation.objects.get()
    assert body["conversation"] == {"id": conversation.pk, "number": conversation.number}
    assert body["duplicate"] is False
    assert conversation.contact.external_id == "100777"
    assert [e["conversation"]["id"] for e in published.of_type("conversation.created")] == [conversation.pk]

    reply, _ = post_message(conversation, Actor.for_agent(agent), "Let me look at the liquidation price.")
    worker()
    [(headers, payload, raw)] = callback.wait_for(1)
    assert headers["X-Kefu-Signature"] == sign(SECRET, headers["X-Kefu-Timestamp"], raw)
    assert abs(int(headers["X-Kefu-Timestamp"]) - time.time()) < 60
    assert headers["X-Kefu-Event-Id"] == payload["event_id"] == f"message-{reply.pk}"
    assert payload["type"] == "message.created"
    assert payload["user"] == {"id": "u-881", "exchange_uid": "100777"}
    assert payload["source"] == "app"
    assert payload["conversation"]["number"] == conversation.number
    assert payload["message"]["text"] == "Let me look at the liquidation price."
    assert payload["message"]["author"] == {"type": "agent", "name": "Alice"}
    assert delivery_of(reply).status == DeliveryStatus.SENT

    post_event(app_inbox, event("thanks"), event_id="evt-2")
    assert Conversation.objects.count() == 1 and conversation.messages.count() == 3


def test_duplicate_event_id_is_stored_once(app_inbox):
    first = post_event(app_inbox, event(), event_id="evt-dup")
    again = post_event(app_inbox, event(), event_id="evt-dup")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["message_id"] == first.json()["message_id"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize("change,status,code", [
    ({"signature": "sha256=" + "0" * 64}, 401, "unauthorized"),
    ({"secret": "wrong-secret"}, 401, "unauthorized"),
    ({"timestamp": int(time.time()) - 3600}, 401, "unauthorized"),
    ({"timestamp": int(time.time()) + 3600}, 401, "unauthorized"),
    ({"event_id": ""}, 422, "invalid-input"),
])
def test_bad_requests_get_problem_bodies(app_inbox, change, status, code):
    response = post_event(app_inbox, event(), **change)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code and response.json()["detail"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("payload,fragment", [
    (b"not json", "JSON"),
    ({"type": "message", "message": {"text": "hi"}}, "user.id"),
    ({"type": "message", "user": {"id": "1"}, "message": {"text": ""}}, "text or an attachment"),
    ({"type": "typing", "user": {"id": "1"}, "message": {"text": "x"}}, "Unsupported"),
    ({"type": "message", "user": {"id": "1"}, "message": {"attachments": [{"data_base64": "!!"}]}}, "base64"),
])
def test_malformed_events_are_refused_with_a_reason(app_inbox, payload, fragment):
    response = post_event(app_inbox, payload)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_attachments_in_and_out(app_inbox, callback, agent, worker):
    payload = event("screenshot attached")
    payload["message"]["attachments"] = [{"filename": "error.png", "content_type": "image/png",
                                          "data_base64": base64.b64encode(PNG).decode()}]
    assert post_event(app_inbox, payload).status_code == 201
    attachment = Attachment.objects.get()
    assert attachment.filename == "error.png" and attachment.message is not None


def test_callback_down_then_refusing_then_back_loses_nothing(app_inbox, callback, agent, worker, fast_retries):
    post_event(app_inbox, event())
    conversation = Conversation.objects.get()
    callback.status = 503
    reply, _ = post_message(conversation, Actor.for_agent(agent), "We are on it.")
    worker(max_tasks=1)
    delivery = delivery_of(reply)
    assert delivery.status == DeliveryStatus.PENDING and "503" in delivery.last_error

    # Now nothing listens at all: connection refused.
    port = free_port()
    app_inbox.config = {**app_inbox.config, "callback_url": f"http://127.0.0.1:{port}/kefu/callback"}
    app_inbox.save()
    worker(max_tasks=1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 2
    assert "unreachable" in delivery.last_error

    with CallbackReceiver(port) as back:
        worker()
        [(_headers, payload, _raw)] = back.wait_for(1)
    assert payload["message"]["text"] == "We are on it."
    assert delivery_of(reply).status == DeliveryStatus.SENT


def test_callback_rejecting_with_4xx_fails_without_retrying(app_inbox, callback, agent, worker):
    post_event(app_inbox, event())
    callback.status = 400
    reply, _ = post_message(Conversation.objects.get(), Actor.for_agent(agent), "Hello")
    worker()
    delivery = delivery_of(reply)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "400" in delivery.last_error


def test_bridges_keep_their_users_apart(app_inbox):
    post_event(app_inbox, {**event(user_id="42"), "source": "discord"})
    post_event(app_inbox, {**event(user_id="42"), "source": "x"})
    assert Conversation.objects.count() == 2
    assert Contact.objects.count() == 2


def test_refused_event_gets_a_problem_and_can_be_sent_again(app_inbox, refusing_filter):
    response = post_event(app_inbox, event("my SEED PHRASE is apple banana"), event_id="evt-r")
    assert response.status_code == 422 and "seed phrase" in response.json()["detail"]
    assert post_event(app_inbox, event("fixed text"), event_id="evt-r").status_code == 201
