"""The assistant in conversations, through the conversation services and the real hooks:
answer / clarify / hand off, feedback, "人工"/"human", content gaps, per-inbox switch.

The demo help center is loaded for every test, so these also check that the demo content answers
the questions customers ask in both languages.
"""

from __future__ import annotations

import pytest
from django.test import TestCase

from kefu.assistant import gaps
from kefu.assistant import services as assistant_services
from kefu.assistant.models import AssistantConversation, AssistantTurn, ContentGap
from kefu.contacts.models import Contact
from kefu.conversations import services
from kefu.conversations.models import AuditEvent, Message
from kefu.knowledge.models import Article, ArticleTranslation
from tests.assistant.kb_fixtures import demo_kb, demo_kb_dump  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_kb")]


@pytest.fixture
def customer(db):
    return Contact.objects.create(name="Wang", language="zh-hans")


def ask(inbox, contact, text, conversation=None):
    """The customer writes; the after-commit hooks (the assistant) run as they would after a request."""
    actor = services.Actor.for_customer(contact)
    with TestCase.captureOnCommitCallbacks(execute=True):
        if conversation is None:
            conversation, _ = services.create_conversation(inbox, contact, actor, body=text)
        else:
            services.post_message(conversation, actor, text)
    return conversation


def bot_messages(conversation):
    return list(Message.objects.filter(conversation=conversation, author_type="bot").order_by("seq"))


def last_bot(conversation):
    return bot_messages(conversation)[-1].meta["assistant"]


@pytest.mark.parametrize("question, expected", [
    ("我的谷歌验证器丢了怎么办", "lost-authenticator"),
    ("提现失败了怎么办", "withdrawal-failed"),
    ("I forgot my password", "reset-password"),
    ("what is the withdrawal fee for USDT", "withdrawal-fees"),
])
def test_a_question_gets_the_right_article(webchat_inbox, customer, question, expected):
    conversation = ask(webchat_inbox, customer, question)
    [answer] = bot_messages(conversation)
    meta = answer.meta["assistant"]
    assert meta["kind"] == "answer" and meta["article"] == expected
    assert meta["ask_feedback"] is True and meta["url"].endswith(f"/a/{expected}/")
    version = ArticleTranslation.objects.get(article__slug=expected, language="zh-hans" if "怎么" in question else "en")
    assert version.short_answer in answer.body
    assert ("解决" in answer.body) == ("怎么" in question)  # "did this solve it?" in the customer's language
    assert answer.author_type == "bot" and not answer.internal
    conversation.refresh_from_db()
    assert conversation.first_reply_at is None  # a bot answer is not an agent's first reply


def test_not_helpful_hands_off_with_the_context_and_the_bot_stays_quiet(webchat_inbox, customer):
    conversation = ask(webchat_inbox, customer, "提现失败了怎么办")
    assert last_bot(conversation)["kind"] == "answer"
    ask(webchat_inbox, customer, "没有", conversation)
    handoff = last_bot(conversation)
    assert handoff["kind"] == "handoff" and handoff["reason"] == "not_helpful"
    assert "withdrawal-failed" in handoff["tried"]
    state = AssistantConversation.objects.get(conversation=conversation)
    assert state.state == "handed_off"
    answer_turn = AssistantTurn.objects.get(conversation=conversation, action="answer")
    assert answer_turn.helpful is False
    gap = ContentGap.objects.get()
    assert gap.question == "提现失败了怎么办" and gap.reason == "not_helpful"
    assert "assistant-handoff" in conversation.tags.values_list("name", flat=True)
    assert AuditEvent.objects.filter(conversation=conversation, action="tags_changed",
                                     new_value__contains="assistant-handoff").exists()
    count = len(bot_messages(conversation))
    ask(webchat_inbox, customer, "提现手续费是多少", conversation)
    assert len(bot_messages(conversation)) == count  # handed off: the bot says nothing more


@pytest.mark.parametrize("text", ["人工", "转人工", "human", "I want to talk to an agent"])
def test_asking_for_a_person_is_honoured_at_once(webchat_inbox, customer, text):
    conversation = ask(webchat_inbox, customer, text)
    [message] = bot_messages(conversation)
    assert message.meta["assistant"]["kind"] == "handoff"
    assert message.meta["assistant"]["reason"] == "asked_for_human"
    assert AssistantConversation.objects.get(conversation=conversation).state == "handed_off"
    assert not ContentGap.objects.exists()  # a request for a person is no gap in the help center


def test_asking_for_a_person_after_an_answer(webchat_inbox, customer):
    conversation = ask(webchat_inbox, customer, "I forgot my password")
    ask(webchat_inbox, customer, "human please", conversation)
    assert last_bot(conversation)["reason"] == "asked_for_human"


@pytest.mark.parametrize("text", ["someone stole my coins from my account", "有人盗号把我的币提走了",
                                  "I want a refund for my fees"])
def test_sensitive_topics_always_reach_a_person(webchat_inbox, customer, text):
    conversation = ask(webchat_inbox, customer, text)
    assert last_bot(conversation)["kind"] == "handoff"
    assert last_bot(conversation)["reason"] == "sensitive_topic"


def test_yes_thanks_and_keeps_the_bot_available(webchat_inbox, customer):
    conversation = ask(webchat_inbox, customer, "I forgot my password")
    ask(webchat_inbox, customer, "yes", conversation)
    assert last_bot(conversation)["kind"] == "thanks"
    assert AssistantTurn.objects.get(conversation=conversation, action="answer").helpful is True
    answer_message = bot_messages(conversation)[0]
    answer_message.refresh_from_db()
    assert answer_message.meta["assistant"]["ask_feedback"] is False
    ask(webchat_inbox, customer, "what is the withdrawal fee for USDT", conversation)
    assert last_bot(conversation)["article"] == "withdrawal-fees"


def test_unknown_questions_hand_off_and_become_content_gaps(webchat_inbox, customer, supervisor):
    conversation = ask(webchat_inbox, customer, "what will the weather be in Paris tomorrow")
    assert last_bot(conversation)["kind"] == "handoff"
    assert last_bot(conversation)["reason"] == "low_confidence"
    gap = ContentGap.objects.get()
    assert gap.question == "what will the weather be in Paris tomorrow" and gap.is_open
    article = Article.objects.get(slug="contact-support")
    gaps.attach_to_article(gap, article, editor=supervisor)
    gap.refresh_from_db()
    assert not gap.is_open and gap.resolved_article == article
    english = ArticleTranslation.objects.get(article=article, language="en")
    assert "what will the weather be in Paris tomorrow" in english.questions
    assert article.revisions.filter(language="en", note="example question added").exists()
    # The next customer who asks that way gets the article.
    other = Contact.objects.create(name="Li", language="en")
    second = ask(webchat_inbox, other, "what will the weather be in Paris tomorrow")
    assert last_bot(second)["article"] == "contact-support"


def test_clarify_offers_choices_and_a_choice_answers(webchat_inbox, customer):
    assistant_services.update_inbox_settings(webchat_inbox, answer_threshold=0.999, clarify_threshold=0.0001)
    conversation = ask(webchat_inbox, customer, "deposit")
    offer = last_bot(conversation)
    assert offer["kind"] == "clarify" and 2 <= len(offer["choices"]) <= 3
    chosen = offer["choices"][1]
    ask(webchat_inbox, customer, "2", conversation)
    answer = last_bot(conversation)
    assert answer["kind"] == "answer" and answer["article"] == chosen["article"]


def test_the_assistant_can_be_switched_off_per_inbox(webchat_inbox, customer):
    assistant_services.update_inbox_settings(webchat_inbox, enabled=False)
    conversation = ask(webchat_inbox, customer, "I forgot my password")
    assert bot_messages(conversation) == []


def test_thresholds_are_validated(webchat_inbox):
    from kefu.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        assistant_services.update_inbox_settings(webchat_inbox, answer_threshold=0.2, clarify_threshold=0.5)


def test_agent_notes_and_agent_replies_do_not_wake_the_bot(webchat_inbox, customer, agent):
    conversation = ask(webchat_inbox, customer, "人工")
    services.post_message(conversation, services.Actor.for_agent(agent), "I forgot my password", internal=True)
    services.post_message(conversation, services.Actor.for_agent(agent), "Hello, I am here")
    assert len(bot_messages(conversation)) == 1


def test_the_help_center_index_is_rechecked_every_few_seconds_and_cleared_by_local_edits(monkeypatch):
    from kefu.assistant import knowledge_index
    from kefu.knowledge.models import ArticleStatus, Category

    knowledge_index.clear()
    first = knowledge_index.current()
    assert knowledge_index.current() is first  # no query inside the recheck interval
    article = Article.objects.create(slug="index-probe", status=ArticleStatus.PUBLISHED,
                                     category=Category.objects.first())
    # Saved through this process: the cache is cleared at once.
    ArticleTranslation.objects.create(article=article, language="en", title="Index probe",
                                      questions=["is the index fresh"])
    second = knowledge_index.current()
    assert second is not first
    # Saved by another process (no signal here): seen after the recheck interval.
    from django.utils import timezone

    ArticleTranslation.objects.filter(article=article).update(title="Index probe, renamed", updated_at=timezone.now())
    assert knowledge_index.current() is second
    monkeypatch.setattr(knowledge_index, "RECHECK_SECONDS", 0.0)
    assert knowledge_index.current() is not second
