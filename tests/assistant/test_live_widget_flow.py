"""End to end over a real server: a customer asks in the widget (real WebSocket) in Chinese and in
English, gets the right article, says it did not help and reaches an agent who sees the bot's attempt;
"human" is honoured at once. The server runs `kefu demo` data, so the demo help center is loaded."""

from __future__ import annotations

import httpx
import pytest

from kefu.core.liveserver import LiveSite
from tests.live.conftest import DEMO_PASSWORD, WidgetClient

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def site():
    live = LiveSite(assistant=True)
    try:
        live.kefu("demo")
        live.server = live.start_server(timeout=180)
        yield live
    finally:
        live.close()


def console_client(base_url: str) -> httpx.Client:
    """A supervisor logged in through the console's login form (generous timeouts: a busy machine)."""
    client = httpx.Client(base_url=base_url, timeout=60)
    client.get("/console/login/")
    response = client.post("/console/login/", data={
        "username": "lin", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"],
    }, headers={"Referer": f"{base_url}/console/login/"})
    assert response.status_code == 302, response.text
    return client


def bot_message(kind: str):
    return lambda e: (e["type"] == "message.created" and e["message"]["author_type"] == "bot"
                      and (e["message"].get("meta") or {}).get("assistant", {}).get("kind") == kind)


@pytest.mark.parametrize("language, question, article, handoff_words", [
    ("zh-Hans", "我的谷歌验证器丢了怎么办", "lost-authenticator", "人工客服"),
    ("en", "I forgot my password", "reset-password", "colleague"),
])
def test_answer_then_not_helpful_reaches_an_agent_who_sees_the_attempt(site, language, question, article,
                                                                       handoff_words):
    server = site.server
    customer = WidgetClient(server.url, server.ws_url, language=language).connect()
    try:
        customer.send_message(question)
        answer = customer.recv_until(bot_message("answer"), timeout=30)
        meta = answer["message"]["meta"]["assistant"]
        assert meta["article"] == article and meta["ask_feedback"] is True
        conversation_id = answer["conversation"]["id"]

        # The customer presses "No" under the answer (the widget plug-in's button).
        response = httpx.post(f"{server.url}/assistant/widget/feedback", json={"turn": meta["turn"], "helpful": False},
                              headers={"X-Kefu-Session": customer.session["session"]}, timeout=30)
        assert response.status_code == 200, response.text
        handoff = customer.recv_until(bot_message("handoff"), timeout=30)
        assert handoff_words in handoff["message"]["body"]
        assert article in handoff["message"]["meta"]["assistant"]["tried"]
    finally:
        customer.close()

    # The agent opens the conversation and sees what the bot tried.
    console = console_client(server.url)
    try:
        page = console.get(f"/console/c/{conversation_id}/")
    finally:
        console.close()
    assert page.status_code == 200
    assert "assistant-turns" in page.text and f"/a/{article}/" in page.text
    assert "not_helpful" in page.text


def test_human_is_honoured_at_once(site):
    server = site.server
    customer = WidgetClient(server.url, server.ws_url, language="en").connect()
    try:
        customer.send_message("human")
        handoff = customer.recv_until(bot_message("handoff"), timeout=30)
        assert handoff["message"]["meta"]["assistant"]["reason"] == "asked_for_human"
        customer.send_message("What is the withdrawal fee for USDT?")
        echo = customer.recv_until(lambda e: e["type"] == "message.created"
                                   and e["message"]["author_type"] == "customer", timeout=30)
        assert "withdrawal fee" in echo["message"]["body"]
    finally:
        customer.close()


def test_suggestions_before_a_conversation(site):
    response = httpx.get(f"{site.server.url}/assistant/widget/suggest", params={"q": "提现手续费", "lang": "zh-hans"},
                         timeout=30)
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["article"] == "withdrawal-fees" and items[0]["url"].startswith(site.server.url)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
