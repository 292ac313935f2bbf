"""The optional generative mode against a fake OpenAI-compatible server on 127.0.0.1 that speaks the
real /v1/chat/completions protocol over HTTP."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase

from kefu.contacts.models import Contact
from kefu.conversations import services
from kefu.conversations.models import Message
from tests.assistant.kb_fixtures import demo_kb, demo_kb_dump  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_kb")]


class FakeChatCompletions:
    def __init__(self):
        self.requests: list[dict] = []
        self.reply = "Open the login page, choose Forgot password and follow the steps."
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                payload = json.dumps({
                    "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": fake.reply}}],
                }).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_llm(settings):
    fake = FakeChatCompletions()
    settings.KEFU_ASSISTANT_LLM_URL = fake.url
    settings.KEFU_ASSISTANT_LLM_KEY = "sk-test"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    from django.tasks import task_backends

    task_backends._settings = None  # re-read TASKS
    task_backends.__dict__.pop("settings", None)
    yield fake
    fake.close()
    task_backends.__dict__.pop("settings", None)


def ask(inbox, text):
    contact = Contact.objects.create(name="Test", language="en")
    with TestCase.captureOnCommitCallbacks(execute=True):
        conversation, _ = services.create_conversation(inbox, contact, services.Actor.for_customer(contact),
                                                       body=text)
    return Message.objects.filter(conversation=conversation, author_type="bot").order_by("seq").last()


def test_the_model_words_the_answer_from_the_matched_article(fake_llm, webchat_inbox):
    answer = ask(webchat_inbox, "I forgot my password")
    assert answer.body.startswith(fake_llm.reply)
    assert answer.meta["assistant"]["generated"] is True and answer.meta["assistant"]["article"] == "reset-password"
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    system, user = request["body"]["messages"]
    assert system["role"] == "system" and "Forgot password" in system["content"] and "ONLY" in system["content"]
    assert user == {"role": "user", "content": "I forgot my password"}


@pytest.mark.parametrize("status, reply", [(500, "boom"), (200, "NOT_COVERED")])
def test_failures_fall_back_to_the_short_answer(fake_llm, webchat_inbox, status, reply):
    fake_llm.status, fake_llm.reply = status, reply
    answer = ask(webchat_inbox, "I forgot my password")
    assert answer.meta["assistant"]["generated"] is False
    assert "Forgot password" in answer.body and reply not in answer.body


def test_the_model_is_not_asked_when_the_engine_hands_off(fake_llm, webchat_inbox):
    message = ask(webchat_inbox, "human")
    assert message.meta["assistant"]["kind"] == "handoff"
    assert fake_llm.requests == []
