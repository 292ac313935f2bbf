"""The assistant's batch form (new conversations opened together) has the same effect as the hook
called for each conversation alone: same replies, turns, hand-offs, content gaps, tags and audit trail."""

from __future__ import annotations

import pytest
from django.test import TestCase

from kefu.assistant.models import AssistantConversation, AssistantTurn, ContentGap
from kefu.assistant.services import update_inbox_settings
from kefu.contacts.models import Contact
from kefu.conversations import bulk, services
from kefu.conversations.models import AuditEvent, Conversation, Message
from tests.assistant.kb_fixtures import demo_kb, demo_kb_dump  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_kb")]

QUESTIONS = [
    "I forgot my password",                                  # answer
    "提现失败了怎么办",                                        # answer, Chinese
    "what will the weather be in Paris tomorrow",                # low confidence: hand off, content gap
    "人工",                                                   # asks for a person
    "someone logged into my account and stole my funds",     # sensitive: hand off at once
    "how do I deposit",                                      # clarify (with the thresholds below)
]


def effects(conversation: Conversation) -> dict:
    """Everything the assistant leaves behind in one conversation, without ids and times."""
    def meta(m):
        a = dict(m.meta.get("assistant", {}))
        a.pop("turn", None)
        return a
    state = AssistantConversation.objects.get(conversation=conversation)
    return {
        "bot": [(m.seq, m.body, meta(m)) for m in Message.objects.filter(conversation=conversation, author_type="bot")
                .order_by("seq")],
        "turns": [(t.action, t.reason, t.language, t.candidates, t.article.slug if t.article else None,
                   t.bot_message.seq if t.bot_message else None, t.customer_message_id is not None)
                  for t in AssistantTurn.objects.filter(conversation=conversation).order_by("pk")],
        "state": (state.state, state.handoff_reason, state.handed_off_at is not None),
        "gaps": list(ContentGap.objects.filter(turn__conversation=conversation).values_list("question", "reason")),
        "tags": sorted(conversation.tags.values_list("name", flat=True)),
        # (who opened it differs: the customer alone, an integration in the batch)
        "audit": sorted(AuditEvent.objects.filter(conversation=conversation).exclude(action="created")
                        .values_list("action", "field", "old_value", "new_value", "actor_type")),
        "conversation": Conversation.objects.filter(pk=conversation.pk).values(
            "status", "last_seq", "customer_read_seq", "agent_read_seq", "first_reply_at").get(),
    }


def test_batch_form_matches_the_hook_one_by_one(webchat_inbox):
    update_inbox_settings(webchat_inbox, answer_threshold=0.5, clarify_threshold=0.05,
                          surge_answer_threshold=0.5)
    alone = []
    for n, question in enumerate(QUESTIONS):
        contact = Contact.objects.create(name=f"Alone {n}")
        with TestCase.captureOnCommitCallbacks(execute=True):
            conversation, _ = services.create_conversation(webchat_inbox, contact,
                                                           services.Actor.for_customer(contact), body=question)
        alone.append(effects(conversation))
    items = [bulk.NewConversation(inbox=webchat_inbox, contact=Contact.objects.create(name=f"Batch {n}"),
                                  body=question) for n, question in enumerate(QUESTIONS)]
    with TestCase.captureOnCommitCallbacks(execute=True):
        results = bulk.create_conversations(services.Actor.system(), items)
    together = [effects(r.conversation) for r in results]
    kinds = [a["bot"][0][2]["kind"] for a in alone]
    assert set(kinds) == {"answer", "clarify", "handoff"}, kinds  # the questions cover every decision
    for one, batch in zip(alone, together, strict=True):
        assert batch == one
