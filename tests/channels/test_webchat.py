"""Widget identity: HMAC-verified users, anonymous visitors, and nobody seeing another's data."""

from __future__ import annotations

import hashlib
import hmac
import io
import json

import pytest

from kefu.channels import webchat
from kefu.conversations.models import Conversation
from kefu.core.errors import Unauthorized

pytestmark = pytest.mark.django_db


def start(client, **body):
    response = client.post("/widget/api/session", json.dumps({"inbox": "test-web", **body}),
                           content_type="application/json")
    return response


def test_user_hash_is_hmac_sha256_of_the_uid(webchat_inbox):
    expected = hmac.new(b"s3cret", b"100234", hashlib.sha256).hexdigest()
    assert webchat.user_hash(webchat_inbox, "100234") == expected
    assert webchat.verify_user_hash(webchat_inbox, "100234", expected.upper())
    assert not webchat.verify_user_hash(webchat_inbox, "100235", expected)
    assert not webchat.verify_user_hash(webchat_inbox, "100234", "")


def test_verified_user_is_the_same_contact_on_every_device(client, webchat_inbox, conversation):
    signature = webchat.user_hash(webchat_inbox, "100234")
    phone = start(client, user_id="100234", user_hash=signature, language="zh-CN").json()
    laptop = start(client, user_id="100234", user_hash=signature).json()
    assert phone["identity"] == laptop["identity"] == "verified"
    assert phone["contact"]["id"] == laptop["contact"]["id"] == conversation.contact_id
    assert phone["language"] == "zh-hans" and phone["strings"]["send"] == "发送"
    listed = client.get("/widget/api/conversations", headers={"X-Kefu-Session": laptop["session"]}).json()
    assert [c["id"] for c in listed["items"]] == [conversation.pk]


def test_wrong_signature_makes_an_anonymous_visitor_with_no_access(client, webchat_inbox, conversation):
    forged = start(client, user_id="100234", user_hash="0" * 64).json()
    assert forged["identity"] == "invalid"
    assert forged["contact"]["id"] != conversation.contact_id
    headers = {"X-Kefu-Session": forged["session"]}
    assert client.get("/widget/api/conversations", headers=headers).json()["items"] == []
    response = client.get(f"/widget/api/conversations/{conversation.pk}/messages", headers=headers)
    assert response.status_code == 404
    assert client.get(f"/widget/api/conversations/{conversation.pk}/transcript", headers=headers).status_code == 404


def test_anonymous_visitor_keeps_identity_with_its_token_only(client, webchat_inbox):
    first = start(client, name="Guest").json()
    assert first["identity"] == "anonymous" and first["visitor_token"]
    again = start(client, visitor_token=first["visitor_token"]).json()
    assert again["contact"]["id"] == first["contact"]["id"]
    stranger = start(client, visitor_token="guessed-token").json()
    assert stranger["contact"]["id"] != first["contact"]["id"]


def test_required_identity_refuses_anonymous_visitors(client, webchat_inbox):
    webchat_inbox.require_identity = True
    webchat_inbox.save()
    response = start(client)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


def test_bad_session_and_unknown_inbox(client, webchat_inbox):
    assert client.get("/widget/api/conversations", headers={"X-Kefu-Session": "nonsense"}).status_code == 401
    response = client.post("/widget/api/session", json.dumps({"inbox": "nope"}), content_type="application/json")
    assert response.status_code == 404
    response = client.post("/widget/api/session", "{oops", content_type="application/json")
    assert response.status_code == 422
    with pytest.raises(Unauthorized):
        webchat.resolve_session("forged.token.value")


def test_send_opens_conversation_then_reuses_it_and_reopens_after_close(client, webchat_inbox, agent):
    session = webchat.resolve_session(start(client).json()["session"])
    conv, message, created = webchat.send_customer_message(session, body="hi", client_id="a")
    assert created and message.seq == 1
    same, second, _ = webchat.send_customer_message(session, body="more", client_id="b", conversation_id=conv.pk)
    assert same.pk == conv.pk and second.seq == 2
    conv.status = "closed"
    conv.save()
    new, third, _ = webchat.send_customer_message(session, body="again", client_id="c", conversation_id=conv.pk)
    assert new.pk != conv.pk and third.seq == 1
    retry, retried, created_again = webchat.send_customer_message(session, body="more", client_id="b",
                                                                  conversation_id=conv.pk)
    assert not created_again and retried.pk == second.pk
    assert Conversation.objects.filter(contact=session.contact).count() == 2


def test_cors_preflight_and_headers(client, webchat_inbox):
    preflight = client.options("/widget/api/session", headers={"Origin": "https://exchange.example"})
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "X-Kefu-Session" in preflight["Access-Control-Allow-Headers"]
    assert start(client)["Access-Control-Allow-Origin"] == "*"


def test_upload_and_transcripts(client, webchat_inbox):
    data = start(client).json()
    headers = {"X-Kefu-Session": data["session"]}
    session = webchat.resolve_session(data["session"])
    pdf = io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    pdf.name = "statement.pdf"
    uploaded = client.post("/widget/api/attachments", {"file": pdf}, headers=headers)
    assert uploaded.status_code == 201 and uploaded.json()["content_type"] == "application/pdf"
    conv, message, _ = webchat.send_customer_message(session, body="see attached <b>file</b>", client_id="u",
                                                     attachment_ids=[uploaded.json()["id"]])
    as_json = client.get(f"/widget/api/conversations/{conv.pk}/transcript", {"format": "json"}, headers=headers)
    assert as_json.status_code == 200 and "attachment" in as_json["Content-Disposition"]
    body = as_json.json()
    assert body["messages"][0]["body"] == "see attached <b>file</b>"
    assert body["messages"][0]["attachments"][0]["filename"] == "statement.pdf"
    as_html = client.get(f"/widget/api/conversations/{conv.pk}/transcript", {"format": "html", "lang": "en"},
                         headers=headers)
    assert as_html.status_code == 200
    html = as_html.content.decode()
    assert "see attached &lt;b&gt;file&lt;/b&gt;" in html and str(conv.number) in html


def test_demo_page_signs_the_demo_user_server_side(client, webchat_inbox):
    response = client.get("/widget/demo", {"user": "100234"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-inbox="test-web"' in html
    assert webchat.user_hash(webchat_inbox, "100234") in html
