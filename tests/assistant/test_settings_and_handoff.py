"""The assistant's per-inbox settings cache, and a handoff that someone else already made."""

from __future__ import annotations

import time

import pytest

from kefu.assistant import conversation as flow
from kefu.assistant.models import (
    AssistantConversation,
    AssistantSettings,
    AssistantTurn,
    ContentGap,
    ConversationState,
    TurnAction,
)
from kefu.assistant.services import update_inbox_settings
from kefu.conversations import services
from kefu.conversations.taxonomy import AuthorType

pytestmark = pytest.mark.django_db


def test_inbox_settings_are_cached_and_follow_changes(api_inbox, settings, django_assert_num_queries, monkeypatch):
    settings.KEFU_ASSISTANT_DEFAULT_ENABLED = True
    assert flow.settings_for(api_inbox).enabled is True  # no row: the default
    settings.KEFU_ASSISTANT_DEFAULT_ENABLED = False
    with django_assert_num_queries(0):  # cached; the default is still read from the setting each time
        assert flow.settings_for(api_inbox.pk).enabled is False
    update_inbox_settings(api_inbox, enabled=True)  # saved in this process: seen at once
    assert flow.settings_for(api_inbox).enabled is True
    AssistantSettings.objects.filter(inbox=api_inbox).update(enabled=False)  # as another process would
    assert flow.settings_for(api_inbox).enabled is True
    real = time.monotonic
    monkeypatch.setattr(flow.time, "monotonic", lambda: real() + flow.SETTINGS_SECONDS + 0.1)
    assert flow.settings_for(api_inbox).enabled is False


def test_a_handoff_someone_else_made_is_not_made_twice(api_inbox, contact):
    conversation, _ = services.create_conversation(api_inbox, contact, services.Actor.for_customer(contact),
                                                   body="where is my withdrawal?")
    state = AssistantConversation.objects.create(conversation=conversation)
    # Another worker hands off first (our copy of the state still says active).
    AssistantConversation.objects.filter(pk=state.pk).update(state=ConversationState.HANDED_OFF,
                                                             handoff_reason="asked_for_human")
    turn = AssistantTurn.objects.create(conversation=conversation, question="where is my withdrawal?",
                                        language="en", action=TurnAction.HANDOFF, reason="low_confidence")
    result = flow.hand_off(turn, "low_confidence", state=state)
    assert result.state == ConversationState.HANDED_OFF and result.handoff_reason == "asked_for_human"
    assert not conversation.messages.filter(author_type=AuthorType.BOT).exists()
    assert not ContentGap.objects.exists()


def test_a_handoff_with_the_state_in_hand_is_one_update(api_inbox, contact):
    conversation, _ = services.create_conversation(api_inbox, contact, services.Actor.for_customer(contact),
                                                   body="where is my withdrawal?")
    state = AssistantConversation.objects.create(conversation=conversation)
    turn = AssistantTurn.objects.create(conversation=conversation, question="where is my withdrawal?",
                                        language="en", action=TurnAction.HANDOFF, reason="low_confidence")
    flow.hand_off(turn, "low_confidence", state=state)
    stored = AssistantConversation.objects.get(pk=state.pk)
    assert stored.state == ConversationState.HANDED_OFF and stored.handoff_reason == "low_confidence"
    assert stored.handed_off_at is not None
    assert conversation.messages.filter(author_type=AuthorType.BOT).count() == 1
    assert flow.HANDOFF_TAG in conversation.tags.values_list("name", flat=True)
    assert ContentGap.objects.filter(turn=turn).exists()


def test_after_a_handoff_later_customer_messages_cost_no_query(api_inbox, contact, settings,
                                                               django_assert_num_queries):
    """A hand-off is final: once the assistant has read it, it remembers the conversation and stays quiet
    there without a look-up; a state saved back to active in this process is forgotten."""
    settings.KEFU_ASSISTANT_DEFAULT_ENABLED = True
    conversation, _ = services.create_conversation(api_inbox, contact, services.Actor.for_customer(contact),
                                                   body="where is my withdrawal?")
    state = AssistantConversation.objects.create(conversation=conversation, state=ConversationState.HANDED_OFF)
    customer = services.Actor.for_customer(contact)
    first, _ = services.post_message(conversation, customer, "hello?")
    assert flow.handle_customer_message(conversation, first) is None  # reads the state once
    later, _ = services.post_message(conversation, customer, "anyone there?")
    with django_assert_num_queries(0):
        flow.on_message_created(conversation, later)
    assert conversation.pk in flow._handed_off
    state.state = ConversationState.ACTIVE
    state.save()
    assert conversation.pk not in flow._handed_off
