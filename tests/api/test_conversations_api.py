"""The JSON API end to end through Django's test client: shapes, idempotency, filters, errors."""

from __future__ import annotations

import pytest

from kefu.contacts.models import Contact
from kefu.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db

NEW = {
    "contact": {"email": "maria@example.com", "name": "Maria", "external_id": "400119"},
    "subject": "Withdrawal failed",
    "message": {"body": "My ETH withdrawal failed.", "client_id": "m-1"},
}


def create(api, body=None):
    response = api.post("/conversations", body or NEW)
    assert response.status_code in (200, 201), response.content
    return response


def test_create_conversation_answers_201_with_id_number_status(api):
    response = create(api)
    assert response.status_code == 201
    data = response.json()
    assert {"id", "number", "status"} <= data.keys()
    assert data["status"] == "new" and data["subject"] == "Withdrawal failed"
    messages = api.get(f"/conversations/{data['id']}/messages").json()
    assert [(m["body"], m["author_type"]) for m in messages] == [("My ETH withdrawal failed.", "customer")]
    assert all("created_at" in m for m in messages)
    assert Contact.objects.get(external_id="400119").email == "maria@example.com"


def test_create_retry_with_same_client_id_returns_the_same_conversation(api):
    first = create(api).json()
    second = create(api)
    assert second.status_code == 200
    assert second.json()["id"] == first["id"]
    assert Conversation.objects.count() == 1 and Message.objects.count() == 1


def test_post_message_and_retry(api):
    conv = create(api).json()
    body = {"body": "We are on it.", "client_id": "r-1", "internal": False, "author_type": "agent"}
    first = api.post(f"/conversations/{conv['id']}/messages", body)
    again = api.post(f"/conversations/{conv['id']}/messages", body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["seq"] == 2
    relayed = api.post(f"/conversations/{conv['id']}/messages", {"body": "thanks", "author_type": "customer"})
    assert relayed.status_code == 201 and relayed.json()["author_type"] == "customer"
    note = api.post(f"/conversations/{conv['id']}/messages", {"body": "check node", "internal": True})
    assert note.json()["internal"] is True
    bodies = [m["body"] for m in api.get(f"/conversations/{conv['id']}/messages").json()]
    assert bodies == ["My ETH withdrawal failed.", "We are on it.", "thanks", "check node"]
    public = api.get(f"/conversations/{conv['id']}/messages", include_internal="false").json()
    assert "check node" not in [m["body"] for m in public]
    after = api.get(f"/conversations/{conv['id']}/messages", after_seq=2).json()
    assert [m["seq"] for m in after] == [3, 4]


def test_patch_changes_and_audit(api, agent, other_team):
    conv = create(api).json()
    response = api.patch(f"/conversations/{conv['id']}", {
        "status": "pending", "priority": "high", "category": "funds.withdrawal_failed",
        "assignee_id": agent.pk, "team_id": other_team.pk, "tags": ["eth"],
    })
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["priority"], data["assignee_id"], data["team_id"], data["tags"]) == (
        "pending", "high", agent.pk, other_team.pk, ["eth"])
    unassigned = api.patch(f"/conversations/{conv['id']}", {"assignee_id": None}).json()
    assert unassigned["assignee_id"] is None and unassigned["team_id"] == other_team.pk
    audit = api.get(f"/conversations/{conv['id']}/audit").json()
    assert [e["field"] for e in audit if e["field"]] == ["status", "priority", "category", "assignee", "team",
                                                         "tags", "assignee"]
    assert audit[-1]["actor_label"] == "API: tests"


def test_list_filters(api, agent):
    a = create(api).json()
    b = create(api, {**NEW, "contact": {"email": "li@example.com"}, "subject": "充值未到账",
                     "message": {"body": "USDT 没到", "client_id": "m-2"}, "language": "zh-Hans",
                     "priority": "urgent", "category": "funds.deposit_not_credited"}).json()
    api.patch(f"/conversations/{a['id']}", {"assignee_id": agent.pk, "tags": ["vip"], "status": "open"})

    def ids(**params):
        return [c["id"] for c in api.get("/conversations", **params).json()["items"]]

    assert set(ids()) == {a["id"], b["id"]}
    assert ids(status="open") == [a["id"]]
    assert ids(assignee=str(agent.pk)) == [a["id"]]
    assert ids(assignee="none") == [b["id"]]
    assert ids(priority="urgent") == [b["id"]]
    assert ids(category="funds.deposit_not_credited") == [b["id"]]
    assert ids(language="zh-hans") == [b["id"]]
    assert ids(tag="vip") == [a["id"]]
    assert ids(channel="api") and ids(channel="webchat") == []
    assert ids(q="充值") == [b["id"]]
    assert ids(q=str(b["number"])) == [b["id"]]
    assert ids(q="ETH withdrawal") == [a["id"]]  # matches message bodies too
    page = api.get("/conversations", limit=1).json()
    assert page["count"] == 2 and page["next_offset"] == 1 and len(page["items"]) == 1


def test_labels_follow_the_conversation_language(api):
    data = create(api, {**NEW, "language": "zh-Hans", "category": "funds.withdrawal_failed"}).json()
    assert data["language"] == "zh-hans"
    assert data["labels"]["number"] == f"工单 #{data['number']}"
    assert data["labels"]["status"] == "新建"
    assert data["labels"]["category"].startswith("提币")


def test_a_chinese_first_message_without_a_language_makes_a_chinese_conversation(api):
    data = create(api, {"contact": {"external_id": "500200", "name": "王伟"},
                        "message": {"body": "我的USDT充值还没到账", "client_id": "zh-1"}}).json()
    assert data["language"] == "zh-hans" and data["labels"]["status"] == "新建"
    assert Contact.objects.get(external_id="500200").language == "zh-hans"
    # An explicit language always wins over the guess; English text keeps the contact's language.
    given = create(api, {"contact": {"external_id": "500201"}, "language": "en",
                         "message": {"body": "我的USDT充值还没到账", "client_id": "zh-2"}}).json()
    assert given["language"] == "en"
    english = create(api, {"contact": {"external_id": "500200"},
                           "message": {"body": "Where is my deposit?", "client_id": "en-1"}}).json()
    assert english["language"] == "zh-hans"


def test_agent_token_sees_only_its_teams(agent_api, api, other_team):
    mine = create(api).json()
    theirs = create(api, {**NEW, "message": {"body": "other", "client_id": "x"}}).json()
    api.patch(f"/conversations/{theirs['id']}", {"team_id": other_team.pk})
    assert [c["id"] for c in agent_api.get("/conversations").json()["items"]] == [mine["id"]]
    assert agent_api.get(f"/conversations/{theirs['id']}").status_code == 404
    reply = agent_api.post(f"/conversations/{mine['id']}/messages", {"body": "hi"}).json()
    assert reply["author_name"] == "Alice"


def test_contacts_endpoints(api):
    created = api.post("/contacts", {"email": "k@example.com", "name": "Kenji", "external_id": "500330",
                                     "vip_tier": 3})
    assert created.status_code == 201
    again = api.post("/contacts", {"external_id": "500330"})
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    cid = created.json()["id"]
    assert api.get(f"/contacts/{cid}").json()["vip_tier"] == 3
    patched = api.patch(f"/contacts/{cid}", {"language": "zh-CN", "name": "渡边"})
    assert patched.json()["language"] == "zh-hans" and patched.json()["name"] == "渡边"
    assert [c["id"] for c in api.get("/contacts", external_id="500330").json()] == [cid]
    assert api.get("/contacts/999999").status_code == 404


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/conversations" in paths and "/api/v1/conversations/{conversation_id}/messages" in paths


def test_api_reference_page_works_offline(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_anti_phishing_code_is_set_read_and_checked(api, contact):
    response = api.patch(f"/contacts/{contact.pk}", {"anti_phishing_code": "KEFU-7731"})
    assert response.status_code == 200, response.content
    assert response.json()["anti_phishing_code"] == "KEFU-7731"
    bad = api.patch(f"/contacts/{contact.pk}", {"anti_phishing_code": "no spaces!"})
    assert bad.status_code == 422
    assert bad["Content-Type"].startswith("application/problem+json")
    assert "anti_phishing_code" in bad.json()["detail"]
    contact.refresh_from_db()
    assert contact.anti_phishing_code == "KEFU-7731"
