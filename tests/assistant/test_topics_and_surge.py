"""The assistant's detected topic (routing sees it) and surge mode's lower threshold for low-risk topics."""

from __future__ import annotations

import pytest
from django.test import TestCase

from kefu.assistant import knowledge_index
from kefu.assistant.conversation import _match, thresholds_for
from kefu.assistant.services import update_inbox_settings
from kefu.contacts.models import Contact
from kefu.conversations import services
from kefu.conversations.models import Conversation, Message
from kefu.core.errors import InvalidInput
from kefu.routing import surge
from kefu.routing.models import RoutingRule
from tests.assistant.kb_fixtures import demo_kb, demo_kb_dump  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_kb")]


@pytest.fixture
def customer(db):
    return Contact.objects.create(name="Lee", language="en")


def ask(inbox, contact, text) -> Conversation:
    with TestCase.captureOnCommitCallbacks(execute=True):
        conversation, _ = services.create_conversation(inbox, contact, services.Actor.for_customer(contact),
                                                       body=text)
    return Conversation.objects.get(pk=conversation.pk)


def first_message(conversation) -> Message:
    return Message.objects.get(conversation=conversation, seq=1)


def bot_meta(conversation) -> dict:
    return Message.objects.filter(conversation=conversation, author_type="bot").order_by("seq").first().meta[
        "assistant"]


def test_demo_articles_carry_their_topic():
    index = knowledge_index.current()
    assert index.topics["lost-authenticator"] == "account.2fa"
    assert index.topics["withdrawal-failed"] == "funds.withdrawal_failed"
    assert len(index.topics) >= 60


@pytest.mark.parametrize("question, topic", [
    ("我的谷歌验证器丢了怎么办", "account.2fa"),
    ("my withdrawal failed, what should I do", "funds.withdrawal_failed"),
])
def test_a_confident_first_question_gets_its_topic_before_routing(webchat_inbox, other_team, customer,
                                                                    question, topic):
    RoutingRule.objects.create(name="By topic", position=1, topics=[topic], set_team=other_team)
    conversation = ask(webchat_inbox, customer, question)
    assert first_message(conversation).meta["assistant"]["topic"] == topic
    assert conversation.team_id == other_team.pk  # the rule on the assistant's topic routed it


def test_an_off_topic_question_gets_no_topic(webchat_inbox, customer):
    conversation = ask(webchat_inbox, customer, "what will the weather be in Paris tomorrow")
    assert "assistant" not in (first_message(conversation).meta or {})


def low_risk_question(inbox):
    """A 2FA question and its best confidence, between the surge threshold and the answer threshold set here."""
    question = "authenticator app problem after new phone"
    index = knowledge_index.current()
    best = _match(index, question, "en")[0]
    assert index.topics[best.doc_id].startswith("account.")
    update_inbox_settings(inbox, enabled=True, answer_threshold=min(0.99, best.score + 0.05),
                          clarify_threshold=0.05, surge_answer_threshold=max(0.05, best.score - 0.05))
    return question


def test_in_a_surge_a_low_risk_topic_is_answered_from_the_lower_threshold(webchat_inbox, team, customer):
    question = low_risk_question(webchat_inbox)
    calm = ask(webchat_inbox, customer, question)
    assert bot_meta(calm)["kind"] != "answer"
    surge.set_surge(team, True)
    surging = ask(webchat_inbox, Contact.objects.create(name="Kim"), question)
    meta = bot_meta(surging)
    assert meta["kind"] == "answer" and meta["surge_threshold"] is True


def test_a_surge_never_lowers_the_bar_for_topics_that_are_not_low_risk(webchat_inbox, team, customer):
    from kefu.assistant.models import AssistantSettings

    surge.set_surge(team, True)
    index = knowledge_index.current()
    question = "someone logged into my account and stole my funds"
    candidates = _match(index, question, "en")
    conversation = Conversation(team_id=team.pk)
    thresholds, in_surge = thresholds_for(AssistantSettings(answer_threshold=0.9, clarify_threshold=0.1,
                                                            surge_answer_threshold=0.2),
                                          conversation, candidates, index)
    assert index.topics[candidates[0].doc_id].startswith("security.")
    assert in_surge is False and thresholds.answer == 0.9
    assert bot_meta(ask(webchat_inbox, customer, question))["kind"] == "handoff"


def test_the_surge_threshold_must_lie_between_clarify_and_answer(webchat_inbox):
    with pytest.raises(InvalidInput):
        update_inbox_settings(webchat_inbox, answer_threshold=0.6, clarify_threshold=0.2, surge_answer_threshold=0.7)
    with pytest.raises(InvalidInput):
        update_inbox_settings(webchat_inbox, answer_threshold=0.6, clarify_threshold=0.2, surge_answer_threshold=0.1)
    # Moving the answer threshold below the surge threshold carries the surge threshold along.
    saved = update_inbox_settings(webchat_inbox, answer_threshold=0.3, clarify_threshold=0.1)
    assert saved.surge_answer_threshold == 0.3
