"""The assistant's widget endpoints (suggestions, feedback, choices), its widget plug-in, the console
panel and the content-gap page, through Django's test client."""

from __future__ import annotations

import json

import pytest
from django.test import Client, TestCase

from kefu.assistant import services as assistant_services
from kefu.assistant.models import AssistantTurn, ContentGap
from kefu.channels import webchat
from kefu.conversations import services
from kefu.conversations.models import Message
from tests.assistant.kb_fixtures import demo_kb, demo_kb_dump  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_kb")]


@pytest.fixture
def visitor(webchat_inbox):
    return webchat.start_session(webchat_inbox, language="en")


def post(path, body, session=None):
    headers = {"X-Kefu-Session": session.token} if session else {}
    return Client().post(path, json.dumps(body), content_type="application/json", headers=headers)


def ask(session, text):
    actor = services.Actor.for_customer(session.contact)
    with TestCase.captureOnCommitCallbacks(execute=True):
        conversation, _ = services.create_conversation(session.inbox, session.contact, actor, body=text)
    return conversation, AssistantTurn.objects.filter(conversation=conversation).order_by("pk").last()


def test_suggestions_while_typing_in_both_languages(client):
    response = client.get("/assistant/widget/suggest", {"q": "withdrawl fee", "lang": "en"})
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    items = response.json()["items"]
    assert items[0]["article"] == "withdrawal-fees" and items[0]["url"].startswith("http://testserver/help/en/a/")
    assert items[0]["summary"]
    items = client.get("/assistant/widget/suggest", {"q": "谷歌验证器丢了"}).json()["items"]
    assert items[0]["article"] == "lost-authenticator" and "/help/zh-hans/" in items[0]["url"]
    assert client.get("/assistant/widget/suggest", {"q": "a"}).json()["items"] == []
    assert client.get("/assistant/widget/suggest", {"q": "fee", "limit": "x"}).status_code == 422


def test_feedback_no_hands_off(visitor):
    conversation, turn = ask(visitor, "I forgot my password")
    assert turn.action == "answer"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = post("/assistant/widget/feedback", {"turn": turn.pk, "helpful": False}, visitor)
    assert response.status_code == 200 and response.json()["helpful"] is False
    last = Message.objects.filter(conversation=conversation).order_by("-seq").first()
    assert last.meta["assistant"]["kind"] == "handoff" and last.meta["assistant"]["reason"] == "not_helpful"
    assert ContentGap.objects.filter(question="I forgot my password").exists()
    # A second click changes nothing.
    assert post("/assistant/widget/feedback", {"turn": turn.pk, "helpful": True}, visitor).json()["helpful"] is False


def test_feedback_errors(visitor, webchat_inbox):
    _, turn = ask(visitor, "I forgot my password")
    assert post("/assistant/widget/feedback", {"turn": turn.pk, "helpful": "no"}, visitor).status_code == 422
    assert post("/assistant/widget/feedback", {"turn": turn.pk, "helpful": False}).status_code == 401
    stranger = webchat.start_session(webchat_inbox, language="en")
    response = post("/assistant/widget/feedback", {"turn": turn.pk, "helpful": False}, stranger)
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_choose_answers_with_the_chosen_article(visitor, webchat_inbox):
    assistant_services.update_inbox_settings(webchat_inbox, answer_threshold=0.999, clarify_threshold=0.0001)
    conversation, turn = ask(visitor, "deposit")
    assert turn.action == "clarify"
    chosen = turn.candidates[0]["article"]
    assert post("/assistant/widget/choose", {"turn": turn.pk, "article": "not-offered"}, visitor).status_code == 422
    response = post("/assistant/widget/choose", {"turn": turn.pk, "article": chosen}, visitor)
    assert response.status_code == 200 and response.json()["article"] == chosen
    last = Message.objects.filter(conversation=conversation).order_by("-seq").first()
    assert last.meta["assistant"]["kind"] == "answer" and last.meta["assistant"]["article"] == chosen


def test_widget_script_carries_the_plugin_and_its_texts(client, webchat_inbox):
    script = client.get("/widget.js").content.decode()
    assert "/assistant/widget/suggest" in script and "kefu-suggest" in script
    strings = client.get("/widget/api/config", {"inbox": "test-web", "lang": "zh-hans"}).json()["strings"]
    assert strings["assistant.solved"] == "问题解决了吗？"


def test_console_panel_and_gap_page(visitor, supervisor, agent):
    conversation, _ = ask(visitor, "what will the weather be in Paris tomorrow")
    console = Client()
    console.force_login(supervisor)
    page = console.get(f"/console/c/{conversation.pk}/").content.decode()
    assert "assistant-turns" in page and "low_confidence" in page and "weather" in page
    gaps_page = console.get("/assistant/gaps/").content.decode()
    assert "what will the weather be in Paris tomorrow" in gaps_page
    gap = ContentGap.objects.get()
    response = console.post(f"/assistant/gaps/{gap.pk}/attach", {"article": "contact-support",
                                                                   "question": "do you sell merchandise"})
    assert response.status_code == 302
    gap.refresh_from_db()
    assert gap.resolved_article.slug == "contact-support"
    assert "do you sell merchandise" not in console.get("/assistant/gaps/").content.decode()
    plain = Client()
    plain.force_login(agent)
    assert plain.get("/assistant/gaps/").status_code == 403
