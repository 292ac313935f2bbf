"""The agent console through Django's test client: access, visibility, replies, changes."""

from __future__ import annotations

import io

import pytest

from kefu.conversations import services
from kefu.conversations.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, agent):
    client.force_login(agent)
    return client


def test_console_requires_login(client, conversation):
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    assert client.get(f"/console/c/{conversation.pk}/").status_code == 302
    assert client.post(f"/console/c/{conversation.pk}/reply", {"body": "x"}).status_code == 302
    assert conversation.messages.count() == 1


def test_login_page_and_form(client, agent):
    assert client.get("/console/login/").status_code == 200
    response = client.post("/console/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/console/"
    client.logout()
    bad = client.post("/console/login/", {"username": "alice", "password": "wrong"})
    assert bad.status_code == 200 and not bad.wsgi_request.user.is_authenticated


def test_list_shows_visible_conversations_and_filters(
    logged_in, conversation, other_team, webchat_inbox, contact, supervisor, client
):
    hidden, _ = services.create_conversation(
        webchat_inbox, contact, services.Actor.for_customer(contact), body="security matter"
    )
    services.update_conversation(hidden, services.Actor.for_agent(supervisor), services.Changes(team=other_team))
    page = logged_in.get("/console/").content.decode()
    assert f"#{conversation.number}" in page or str(conversation.number) in page
    assert str(hidden.number) not in page  # another team's conversation
    assert logged_in.get(f"/console/c/{hidden.pk}/").status_code == 404
    filtered = logged_in.get("/console/list", {"status": "solved"}).content.decode()
    assert str(conversation.number) not in filtered
    client.force_login(supervisor)
    assert str(hidden.number) in client.get("/console/list").content.decode()


def test_reply_note_and_file(logged_in, conversation):
    url = f"/console/c/{conversation.pk}/reply"
    response = logged_in.post(
        url, {"body": "We found your deposit.", "client_id": "c-1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    logged_in.post(url, {"body": "We found your deposit.", "client_id": "c-1"})  # double submit
    logged_in.post(url, {"body": "VIP, handle gently", "internal": "on", "client_id": "c-2"})
    png = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    png.name = "proof.png"
    logged_in.post(url, {"body": "", "file": png, "client_id": "c-3"})
    rows = list(conversation.messages.values_list("author_type", "internal", "body"))
    assert rows == [
        ("customer", False, "充值没有到账"),
        ("agent", False, "We found your deposit."),
        ("agent", True, "VIP, handle gently"),
        ("agent", False, ""),
    ]
    assert conversation.messages.get(seq=4).attachments.count() == 1
    timeline = logged_in.get(f"/console/c/{conversation.pk}/timeline").content.decode()
    assert "We found your deposit." in timeline and "VIP, handle gently" in timeline


def test_reply_errors_are_shown_and_write_nothing(logged_in, conversation, settings):
    response = logged_in.post(
        f"/console/c/{conversation.pk}/reply", {"body": "x" * (settings.KEFU_MAX_MESSAGE_CHARS + 1)}
    )
    assert response.status_code == 422
    assert str(settings.KEFU_MAX_MESSAGE_CHARS) in response.content.decode()
    assert conversation.messages.count() == 1


def test_sidebar_changes_are_audited(logged_in, conversation, agent, other_team):
    response = logged_in.post(
        f"/console/c/{conversation.pk}/update",
        {
            "status": "pending",
            "priority": "high",
            "category": "funds.deposit_not_credited",
            "assignee": "me",
            "team": str(conversation.team_id),
            "tags": "usdt, trc20",
        },
    )
    assert response.status_code == 200
    conversation.refresh_from_db()
    assert (conversation.status, conversation.priority, conversation.assignee_id) == ("pending", "high", agent.pk)
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["trc20", "usdt"]
    fields = set(AuditEvent.objects.filter(conversation=conversation).values_list("field", flat=True))
    assert {"status", "priority", "category", "assignee", "tags"} <= fields
    detail = logged_in.get(f"/console/c/{conversation.pk}/").content.decode()
    assert "usdt" in detail
    bad = logged_in.post(f"/console/c/{conversation.pk}/update", {"status": "bogus"})
    assert bad.status_code == 422


def test_console_in_chinese(logged_in, conversation):
    logged_in.post("/i18n/setlang/", {"language": "zh-hans", "next": "/console/"})
    page = logged_in.get(f"/console/c/{conversation.pk}/").content.decode()
    assert "新建" in page  # the status "New"
