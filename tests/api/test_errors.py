"""Every bad request gets a JSON problem body with the right 4xx, and writes nothing."""

from __future__ import annotations

import io

import pytest

from kefu.accounts.services import create_api_token, revoke_api_token
from kefu.contacts.models import Contact
from kefu.conversations.models import Attachment, AuditEvent, Conversation, Message
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def counts():
    return (Conversation.objects.count(), Message.objects.count(), Contact.objects.count(),
            AuditEvent.objects.count(), Attachment.objects.count())


def assert_problem(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    if code:
        assert body["code"] == code
    return body


def test_missing_and_wrong_token(client, api, api_inbox):
    assert_problem(client.get("/api/v1/conversations"), 401, "unauthorized")
    wrong = ApiClient("kefu_not-a-real-token")
    assert_problem(wrong.get("/conversations"), 401)
    token, raw = create_api_token("soon revoked")
    revoke_api_token(token.prefix)
    assert_problem(ApiClient(raw).get("/conversations"), 401)


def test_invalid_json_and_wrong_fields_write_nothing(api):
    before = counts()
    assert_problem(api.post("/conversations", raw="{not json"), 400, "malformed-json")
    body = assert_problem(api.post("/conversations", {"subject": "no contact"}), 422, "invalid-input")
    assert "contact" in body["detail"] and "message" in body["detail"]
    assert_problem(api.post("/conversations", {"contact": {"email": "not-an-email"}, "message": {"body": "x"}}),
                   422)
    assert_problem(api.post("/conversations", {"contact": {"email": "a@example.com"}, "message": {"body": "  "}}),
                   422)
    assert_problem(api.post("/conversations", {"contact": {"email": "a@example.com"}, "message": {"body": "x"},
                                               "priority": "whenever"}), 422)
    assert_problem(api.post("/conversations", {"contact": {"email": "a@example.com"}, "message": {"body": "x"},
                                               "inbox_id": 9999}), 404)
    assert counts() == before


def test_oversized_text_is_413_and_writes_nothing(api, settings):
    before = counts()
    long_body = "币" * (settings.KEFU_MAX_MESSAGE_CHARS + 1)
    body = assert_problem(api.post("/conversations", {"contact": {"email": "a@example.com"},
                                                      "message": {"body": long_body}}), 413, "message-too-long")
    assert str(settings.KEFU_MAX_MESSAGE_CHARS) in body["detail"]
    assert counts() == before  # not even the contact was kept


def test_message_errors(api, conversation, agent):
    url = f"/conversations/{conversation.pk}/messages"
    before = counts()
    assert_problem(api.post("/conversations/424242/messages", {"body": "x"}), 404, "not-found")
    assert_problem(api.post(url, {"body": "x", "author_type": "robot"}), 422)
    assert_problem(api.post(url, {"body": "x", "internal": True, "author_type": "customer"}), 422)
    assert_problem(api.post(url, {"body": "x", "attachment_ids": [12345]}), 422)
    assert_problem(api.post(url, {"body": "x", "client_id": "c" * 65}), 422)
    assert_problem(api.patch(f"/conversations/{conversation.pk}", {"assignee_id": 999}), 422)
    assert_problem(api.patch(f"/conversations/{conversation.pk}", {"status": "done"}), 422)
    assert counts() == before
    api.patch(f"/conversations/{conversation.pk}", {"status": "closed"})
    assert_problem(api.post(url, {"body": "late"}), 409, "conversation-closed")


def test_attachments_checked_by_content_not_name(api, conversation, settings):
    settings.KEFU_MAX_ATTACHMENT_MB = 1
    fake = io.BytesIO(b"MZ\x90\x00 this is an exe renamed")
    fake.name = "screenshot.png"
    assert_problem(api.client.post("/api/v1/attachments", {"file": fake}, headers=api.headers), 415,
                   "attachment-type-not-allowed")
    big = io.BytesIO(PNG + b"\x00" * (1024 * 1024))
    big.name = "big.png"
    assert_problem(api.client.post("/api/v1/attachments", {"file": big}, headers=api.headers), 413,
                   "attachment-too-large")
    assert_problem(api.client.post("/api/v1/attachments", {}, headers=api.headers), 422)
    assert Attachment.objects.count() == 0
    good = io.BytesIO(PNG)
    good.name = "proof.txt"
    uploaded = api.client.post("/api/v1/attachments", {"file": good}, headers=api.headers)
    assert uploaded.status_code == 201
    data = uploaded.json()
    assert data["content_type"] == "image/png" and data["filename"] == "proof.png"
    message = api.post(f"/conversations/{conversation.pk}/messages", {"body": "", "attachment_ids": [data["id"]]})
    assert message.status_code == 201
    assert message.json()["attachments"][0]["id"] == data["id"]
    download = api.client.get(message.json()["attachments"][0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    # an attachment already used cannot be attached again
    assert_problem(api.post(f"/conversations/{conversation.pk}/messages",
                            {"body": "again", "attachment_ids": [data["id"]]}), 422)


def test_unknown_api_path_is_a_problem(api):
    assert_problem(api.get("/no-such-thing"), 404)


def test_wrong_method_and_api_root_are_problems(api, client):
    response = api.client.delete("/api/v1/conversations", headers=api.headers)
    body = assert_problem(response, 405, "method-not-allowed")
    assert "DELETE" in body["detail"]
    assert_problem(client.get("/api/v1/"), 404)


def test_tokens_of_deactivated_agents_stop_working(agent_api, agent):
    assert agent_api.get("/conversations").status_code == 200
    agent.is_active = False
    agent.save()
    assert_problem(agent_api.get("/conversations"), 401)
