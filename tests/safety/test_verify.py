"""Is this official? The public page and API, the admin registry API, reports to the security team."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.accounts.models import Role
from kefu.accounts.services import create_agent, create_api_token
from kefu.conversations.models import Conversation
from kefu.safety.models import ImpersonationReport, OfficialChannel
from kefu.safety.official import save_official
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(db):
    save_official("domain", "kefu-exchange.com", "main site")
    save_official("telegram", "@kefu_support")
    save_official("email", "support@kefu-exchange.com")


def test_public_api_answers_without_a_token(client, registry):
    official = client.get("/api/v1/verify", {"value": "https://www.kefu-exchange.com/login"}).json()
    assert official["verdict"] == "official" and official["imitates"] == ["kefu-exchange.com"]
    fake = client.get("/api/v1/verify", {"value": "kefu-exchаnge.com"}).json()  # Cyrillic а
    assert fake["verdict"] == "impersonation" and fake["imitates"] == ["kefu-exchange.com"]
    assert client.get("/api/v1/verify", {"value": "t.me/kefu_support"}).json()["verdict"] == "official"
    assert client.get("/api/v1/verify", {"value": "@kefu_suppor1"}).json()["verdict"] == "impersonation"
    assert client.get("/api/v1/verify", {"value": "example.org"}).json()["verdict"] == "unknown"
    missing = client.get("/api/v1/verify")
    assert missing.status_code == 422 and missing["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("language,expected", [("en", "Likely impersonation"), ("zh-hans", "疑似仿冒")])
def test_verify_page_in_both_languages(registry, language, expected):
    client = Client(headers={"Accept-Language": language})
    page = client.get("/verify", {"value": "kefu-exchange.io"})
    html = page.content.decode()
    assert page.status_code == 200 and expected in html and 'data-verdict="impersonation"' in html
    assert "kefu-exchange.com" in html
    assert "report-form" in html


def test_report_from_the_page_opens_a_security_case(registry, client):
    response = client.post("/verify", {"action": "report", "value": "https://kefu-exchange.com.evil.io/login",
                                       "details": "A Telegram user sent me this link", "email": "me@example.com"})
    assert response.status_code == 200 and "report-done" in response.content.decode()
    report = ImpersonationReport.objects.get()
    assert report.verdict == "impersonation" and report.imitates == "kefu-exchange.com"
    conversation = report.conversation
    assert conversation.team.slug == "security" and conversation.category == "security.phishing"
    assert conversation.priority == "urgent"
    assert "kefu-exchange.com.evil.io" in conversation.messages.first().body
    assert conversation.contact.email == "me@example.com"


def test_report_api_and_bad_input(client, registry):
    created = client.post("/api/v1/verify/reports", {"value": "@kefu_supp0rt", "language": "zh-hans"},
                          content_type="application/json")
    assert created.status_code == 201
    number = created.json()["conversation_number"]
    assert Conversation.objects.get(number=number).team.slug == "security"
    empty = client.post("/api/v1/verify/reports", {"value": " "}, content_type="application/json")
    assert empty.status_code == 422 and empty.json()["code"] == "invalid-input"


def test_registry_crud_needs_an_admin(api, agent_api):
    created = api.post("/safety/official-channels", {"kind": "domain", "value": "https://Kefu-Exchange.com/"})
    assert created.status_code == 201 and created.json()["value"] == "kefu-exchange.com"
    channel_id = created.json()["id"]
    assert api.post("/safety/official-channels", {"kind": "domain", "value": "kefu-exchange.com"}).status_code == 409
    assert api.post("/safety/official-channels", {"kind": "fax", "value": "1"}).status_code == 422
    assert agent_api.post("/safety/official-channels", {"kind": "x", "value": "kefu"}).status_code == 403
    changed = api._call("put", f"/safety/official-channels/{channel_id}",
                        {"kind": "domain", "value": "kefu-exchange.com", "note": "main", "active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert [c["id"] for c in api.get("/safety/official-channels").json()] == [channel_id]
    assert api._call("delete", f"/safety/official-channels/{channel_id}").status_code == 204
    assert not OfficialChannel.objects.exists()


def test_supervisor_lists_blocked_messages_through_the_api(agent_api, conversation, db):
    agent_api.post(f"/conversations/{conversation.pk}/messages", {"body": "Install TeamViewer and send me the ID"})
    supervisor = create_agent("sup", "correct-horse-battery", role=Role.SUPERVISOR)
    _, raw = create_api_token("sup", supervisor)
    listed = ApiClient(raw).get("/safety/blocked-messages").json()
    assert listed[0]["kinds"] == ["remote_access"] and listed[0]["conversation_id"] == conversation.pk
    assert agent_api.get("/safety/blocked-messages").status_code == 403


def test_verify_page_takes_the_language_from_the_link(client, registry):
    html = client.get("/verify", {"value": "@kefu_support", "lang": "zh-CN"}).content.decode()
    assert "官方渠道" in html and 'data-verdict="official"' in html


def test_inbox_settings_feed_the_official_list(webchat_inbox):
    from kefu.safety import lookalike, official

    # Inbox.config (the channels app's settings) names the email inbox's address and the Telegram bot.
    webchat_inbox.config = {"address": "Help@Kefu-Exchange.com", "bot_username": "kefu_help_bot"}
    found = official.channels_of_inboxes([webchat_inbox])
    assert lookalike.check("help@kefu-exchange.com", found).verdict == "official"
    assert lookalike.check("https://kefu-exchange.com/", found).verdict == "official"
    assert lookalike.check("@kefu_help_bot", found).verdict == "official"
    assert lookalike.check("kefu-exchange.net", found).verdict == "impersonation"
