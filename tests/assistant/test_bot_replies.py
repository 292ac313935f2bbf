"""The bot's replies always reach the customer: help-center quotes pass the outbound guard, and a reply
that is refused anyway becomes a hand-off instead of silence."""

from __future__ import annotations

import pytest
from django.test import TestCase

from kefu.assistant.conversation import bot, post_answer
from kefu.assistant.models import AssistantTurn
from kefu.contacts.models import Contact
from kefu.conversations import hooks, services
from kefu.conversations.models import Message
from kefu.core.errors import InvalidInput
from kefu.knowledge.models import Article, ArticleStatus
from kefu.safety.errors import SecretRequestBlocked
from tests.assistant.kb_fixtures import demo_kb, demo_kb_dump  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_kb")]


@pytest.fixture
def conversation(webchat_inbox):
    contact = Contact.objects.create(name="Ana")
    conversation, _ = services.create_conversation(webchat_inbox, contact, services.Actor.for_customer(contact),
                                                   body="hello")
    return conversation


def test_every_published_demo_article_can_be_posted_as_the_bots_answer(conversation):
    """Articles tell customers to enter codes in the app or move funds between their own accounts;
    the outbound guard must not take the bot's quote of them for a scammer's request."""
    posted = 0
    for article in Article.objects.filter(status=ArticleStatus.PUBLISHED).prefetch_related("translations"):
        for language in ("en", "zh-hans"):
            turn = AssistantTurn.objects.create(conversation=conversation, question="q", language=language,
                                                action="answer", reason="confident")
            message = post_answer(turn, article)
            assert message.author_type == "bot" and message.meta["assistant"]["article"] == article.slug
            posted += 1
    assert posted >= 120


def test_generated_answers_and_other_bot_texts_are_still_guarded(conversation):
    with pytest.raises(SecretRequestBlocked):
        services.post_message(conversation, bot(), "To verify you, please send me your 2FA code.",
                              author_type="bot", meta={"assistant": {"kind": "answer", "generated": True}})
    with pytest.raises(SecretRequestBlocked):
        services.post_message(conversation, bot(), "Please tell me your seed phrase.", author_type="bot")
    assert not Message.objects.filter(conversation=conversation, author_type="bot").exists()


def test_a_refused_reply_hands_off_instead_of_leaving_the_customer_waiting(webchat_inbox):
    def refuse_answers(draft):
        if draft.author_type == "bot" and (draft.meta.get("assistant") or {}).get("kind") == "answer":
            raise InvalidInput("refused for this test")

    hooks.register_message_filter(refuse_answers, order=90)
    try:
        contact = Contact.objects.create(name="Bo")
        with TestCase.captureOnCommitCallbacks(execute=True):
            conversation, _ = services.create_conversation(
                webchat_inbox, contact, services.Actor.for_customer(contact), body="I forgot my password")
    finally:
        hooks._filters[:] = [f for f in hooks._filters if f[2] is not refuse_answers]
    [reply] = Message.objects.filter(conversation=conversation, author_type="bot")
    assert reply.meta["assistant"]["kind"] == "handoff" and reply.meta["assistant"]["reason"] == "reply_refused"
    assert conversation.tags.filter(name="assistant-handoff").exists()
