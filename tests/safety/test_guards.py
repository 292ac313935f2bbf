"""The guards wired into conversations: redaction before storage, warnings, escalation, blocked replies."""

from __future__ import annotations

import hashlib
import logging

import pytest
from django.apps import apps
from django.db import connection, models

from kefu.channels import webchat
from kefu.conversations import services
from kefu.conversations.models import Conversation, Message
from kefu.conversations.taxonomy import AuthorType
from kefu.safety.keys import mnemonic_from_entropy
from kefu.safety.models import BlockedMessage

pytestmark = pytest.mark.django_db

SEED_EN = " ".join(mnemonic_from_entropy(hashlib.sha256(b"never-stored").digest()[:16], "english"))
SEED_ZH = " ".join(mnemonic_from_entropy(hashlib.sha256(b"never-stored").digest()[:16], "chinese_simplified"))
KEY = hashlib.sha256(b"never-stored-key").hexdigest()


def all_text_in_database() -> str:
    """Every text and JSON column of every table, concatenated (the needle must not be in it)."""
    chunks = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            columns = [f.column for f in model._meta.concrete_fields
                       if isinstance(f, models.CharField | models.TextField | models.JSONField)]
            if not columns:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {cols} FROM {table}")
            chunks += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(chunks)


def test_redaction_through_services_warns_and_escalates(webchat_inbox, contact,
                                                        django_capture_on_commit_callbacks):
    actor = services.Actor.for_customer(contact)
    with django_capture_on_commit_callbacks(execute=True):
        conversation, _ = services.create_conversation(webchat_inbox, contact, actor,
                                                       body="I lost my funds, here it is: " + SEED_EN)
    conversation.refresh_from_db()
    first, reply = list(conversation.messages.order_by("seq"))[:2]
    assert SEED_EN.split()[0] not in first.body and "[redacted: seed phrase]" in first.body
    assert first.meta["safety"]["redacted"] == ["seed_phrase"]
    assert "redacted" in conversation.subject and SEED_EN.split()[1] not in conversation.subject
    assert reply.author_type == AuthorType.SYSTEM and "never" in reply.body and "new wallet" in reply.body
    assert conversation.priority == "urgent" and conversation.team.slug == "security"
    assert conversation.audit_events.filter(action="priority_changed", new_value="urgent").exists()


def test_chinese_customer_gets_chinese_marker_and_reply(conversation, contact, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = services.post_message(conversation, services.Actor.for_customer(contact), f"助记词：{SEED_ZH}")
    assert message.body == "助记词：[已隐去：助记词]"
    reply = conversation.messages.order_by("-seq").first()
    assert reply.author_type == AuthorType.SYSTEM and "客服" in reply.body
    conversation.refresh_from_db()
    assert conversation.priority == "urgent"


def test_passwords_and_codes_are_redacted_without_escalation(conversation, contact,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = services.post_message(conversation, services.Actor.for_customer(contact),
                                           "my password is Hunter2!x and 2fa code 123456")
    assert "Hunter2" not in message.body and "123456" not in message.body
    assert message.meta["safety"]["redacted"] == ["otp_code", "password"]
    conversation.refresh_from_db()
    assert conversation.priority == "normal"


def test_a_secret_sent_through_the_widget_and_the_api_is_never_stored_or_logged(
        client, api, webchat_inbox, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    session = webchat.start_session(webchat_inbox, name="Visitor")
    with django_capture_on_commit_callbacks(execute=True):
        conversation, _, _ = webchat.send_customer_message(session, body=f"help! {SEED_EN}", client_id="w1")
        webchat.send_customer_message(session, body=f"my private key is {KEY}", client_id="w2",
                                      conversation_id=conversation.pk)
        response = api.post("/conversations", {
            "contact": {"email": "leak@example.com"}, "message": {"body": f"私钥 {KEY}，助记词 {SEED_ZH}"}})
    assert response.status_code == 201
    assert KEY not in response.content.decode() and SEED_ZH not in response.content.decode()
    stored = all_text_in_database()
    for secret in (SEED_EN, KEY, SEED_ZH, " ".join(SEED_EN.split()[:4]), " ".join(SEED_ZH.split()[:4])):
        assert secret not in stored
        assert secret not in caplog.text
    assert "[redacted: private key]" in stored and "[已隐去：私钥]" in stored
    listed = client.get(f"/widget/api/conversations/{conversation.pk}/messages",
                        headers={"X-Kefu-Session": session.token}).content.decode()
    assert KEY not in listed and "[redacted: private key]" in listed


def test_outbound_request_is_blocked_in_the_api_with_a_problem_body(agent_api, conversation):
    response = agent_api.post(f"/conversations/{conversation.pk}/messages",
                              {"body": "Please send me your seed phrase so I can check."})
    assert response.status_code == 422
    problem = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert problem["code"] == "secret-request-blocked" and problem["kinds"] == ["seed_phrase"]
    assert conversation.messages.count() == 1
    record = BlockedMessage.objects.get()
    assert record.conversation == conversation and record.kinds == ["seed_phrase"]


def test_legitimate_support_text_and_internal_notes_are_not_blocked(agent_api, conversation, agent):
    for body in ("Never share your seed phrase with anyone.", "We will never ask for your password.",
                 "Please send the TxID."):
        response = agent_api.post(f"/conversations/{conversation.pk}/messages", {"body": body})
        assert response.status_code in (200, 201), response.content
    services.post_message(conversation, services.Actor.for_agent(agent),
                          "customer says the scammer asked: send me your seed phrase", internal=True)
    assert BlockedMessage.objects.count() == 0


def test_console_keeps_the_draft_and_shows_the_error(client, agent, supervisor, conversation):
    client.force_login(agent)
    body = "请把收到的验证码发给我。"
    response = client.post(f"/console/c/{conversation.pk}/reply", {"body": body, "client_id": "c1"})
    assert response.status_code == 422
    html = response.content.decode()
    assert body in html and "secret-request" not in html
    assert not Message.objects.filter(body=body).exists()
    client.force_login(supervisor)
    page = client.get("/console/safety/blocked/")
    assert page.status_code == 200 and body in page.content.decode()
    client.force_login(agent)
    assert client.get("/console/safety/blocked/").status_code == 403


def test_blocked_record_survives_the_rollback_of_create_conversation(agent, webchat_inbox, contact):
    from kefu.safety.errors import SecretRequestBlocked
    from kefu.safety.services import flush_blocked_records

    with pytest.raises(SecretRequestBlocked):
        services.create_conversation(webchat_inbox, contact, services.Actor.for_agent(agent),
                                     body="Install AnyDesk and send me the ID", author_type=AuthorType.AGENT)
    assert not Conversation.objects.filter(contact=contact).exists()
    flush_blocked_records()
    assert BlockedMessage.objects.get().kinds == ["remote_access"]


def test_lookalike_links_flag_customer_and_agent(conversation, contact, django_capture_on_commit_callbacks):
    from kefu.safety.official import save_official

    save_official("domain", "kefu-exchange.com")
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = services.post_message(conversation, services.Actor.for_customer(contact),
                                           "客服让我登录 https://kefu-exchаnge.com/login 验证")
    assert message.meta["safety"]["lookalike_links"][0]["imitates"] == ["kefu-exchange.com"]
    warning = conversation.messages.order_by("-seq").first()
    assert warning.author_type == AuthorType.SYSTEM and "kefu-exchange.com" in warning.body


@pytest.mark.django_db(transaction=True)
def test_batch_api_redacts_and_blocks_item_by_item(api):
    from kefu.safety.services import flush_blocked_records

    created = api.post("/conversations", {"contact": {"email": "batch@example.com"},
                                          "message": {"body": "hello", "client_id": "b0"}}).json()
    response = api.post("/messages/batch", {"messages": [
        {"conversation_id": created["id"], "body": f"here: {SEED_EN}", "client_id": "b1", "author_type": "customer"},
        {"conversation_id": created["id"], "body": "Please send me your seed phrase", "client_id": "b2"},
        {"conversation_id": created["id"], "body": "Never share it with anyone.", "client_id": "b3"},
    ]})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201]
    assert results[1]["problem"]["code"] == "secret-request-blocked"
    assert "[redacted: seed phrase]" in results[0]["message"]["body"]
    flush_blocked_records()
    assert BlockedMessage.objects.filter(kinds=["seed_phrase"]).count() == 1
    assert SEED_EN not in all_text_in_database()
    assert Conversation.objects.get(pk=created["id"]).team.slug == "security"
