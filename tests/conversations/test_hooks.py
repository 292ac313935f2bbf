"""The hooks other apps use: filters before a message is stored, handlers after commit."""

from __future__ import annotations

import pytest

from kefu.conversations import hooks, services
from kefu.conversations.models import Conversation, Message
from kefu.core.errors import InvalidInput


@pytest.fixture
def registry(monkeypatch):
    """Empty registries for one test, whatever the installed apps registered."""
    monkeypatch.setattr(hooks, "_filters", [])
    monkeypatch.setattr(hooks, "_handlers", {k: [] for k in hooks._handlers})
    return hooks


def _mask_pin(draft: hooks.MessageDraft) -> None:
    if draft.is_customer and "PIN 4321" in draft.body:
        draft.body = draft.body.replace("PIN 4321", "PIN [hidden]")
        draft.meta["masked"] = ["pin"]


def _refuse_agents_asking_for_pins(draft: hooks.MessageDraft) -> None:
    if draft.author_type == "agent" and "your PIN" in draft.body:
        raise InvalidInput("agents never ask for PINs")


@pytest.mark.django_db(transaction=True)
def test_filter_rewrites_body_subject_and_meta_of_a_new_conversation(registry, webchat_inbox, contact):
    registry.register_message_filter(_mask_pin)
    conversation, _ = services.create_conversation(
        webchat_inbox, contact, services.Actor.for_customer(contact), body="my PIN 4321 does not work")
    message = conversation.messages.get()
    assert message.body == "my PIN [hidden] does not work"
    assert message.meta == {"masked": ["pin"]}
    assert "4321" not in conversation.subject
    assert not Conversation.objects.filter(subject__contains="4321").exists()


@pytest.mark.django_db(transaction=True)
def test_filter_refusal_writes_nothing(registry, conversation, agent):
    registry.register_message_filter(_refuse_agents_asking_for_pins)
    before = Message.objects.count()
    with pytest.raises(InvalidInput):
        services.post_message(conversation, services.Actor.for_agent(agent), "Please send your PIN")
    assert Message.objects.count() == before
    services.post_message(conversation, services.Actor.for_agent(agent), "We never need a PIN")
    assert Message.objects.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_handlers_run_after_commit_in_order_and_failures_are_contained(registry, webchat_inbox, contact, agent):
    seen: list[tuple] = []
    registry.on_message_created(lambda conv, msg: seen.append(("message", msg.seq, msg.body)))
    registry.on_conversation_created(lambda conv: seen.append(("conversation", conv.messages.count())))
    registry.on_conversation_updated(lambda conv, changed, before: seen.append(("updated", tuple(changed))))

    def broken(conv, msg):
        raise RuntimeError("a broken app must not break kefu")

    registry.on_message_created(broken)
    conversation, _ = services.create_conversation(
        webchat_inbox, contact, services.Actor.for_customer(contact), body="hello")
    assert seen == [("message", 1, "hello"), ("conversation", 1)]
    services.update_conversation(conversation, services.Actor.for_agent(agent), services.Changes(priority="high"))
    assert seen[-1] == ("updated", ("priority",))


@pytest.mark.django_db(transaction=True)
def test_handlers_do_not_run_when_the_transaction_rolls_back(registry, conversation, agent):
    from django.db import transaction

    seen = []
    registry.on_message_created(lambda conv, msg: seen.append(msg.pk))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.post_message(conversation, services.Actor.for_agent(agent), "rolled back")
        raise RuntimeError
    assert seen == []


@pytest.mark.django_db(transaction=True)
def test_after_commit_callbacks_get_the_stored_message(registry, conversation, contact):
    stored = []

    def ask_for_callback(draft):
        draft.after_commit.append(lambda message: stored.append((message.pk, message.body)))

    registry.register_message_filter(ask_for_callback)
    message, _ = services.post_message(conversation, services.Actor.for_customer(contact), "hi")
    assert stored == [(message.pk, "hi")]


@pytest.mark.django_db(transaction=True)
def test_a_batch_calls_batch_forms_once_and_other_handlers_per_message(registry, webchat_inbox, contact, agent):
    from kefu.conversations import bulk

    one_by_one: list[int] = []
    batches: list[list[int]] = []
    singles_of_batched: list[int] = []
    registry.on_message_created(lambda conv, msg: one_by_one.append(msg.seq))

    def batched(conv, msg):
        singles_of_batched.append(msg.seq)

    registry.on_message_created(batched, many=lambda pairs: batches.append([m.seq for _, m in pairs]))
    conversation, _ = services.create_conversation(
        webchat_inbox, contact, services.Actor.for_customer(contact), body="hello")
    assert (one_by_one, singles_of_batched, batches) == ([1], [1], [])  # a single message: the plain form
    results = bulk.post_messages(services.Actor.for_agent(agent), [
        bulk.BatchItem(conversation_id=conversation.pk, body=f"reply {i}", client_id=f"r{i}") for i in range(3)])
    assert [r.status for r in results] == [201, 201, 201]
    assert one_by_one == [1, 2, 3, 4]
    assert batches == [[2, 3, 4]] and singles_of_batched == [1]
