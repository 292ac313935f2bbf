"""Conversation lifecycle -> webhook events. Registered with kefu.conversations.hooks (after commit).

Each handler builds the event's data and calls `services.record_event`, which only writes delivery
rows and enqueues tasks; nothing here talks to the network.
"""

from __future__ import annotations

import time

from kefu.conversations.models import Conversation, Message
from kefu.webhooks import payloads
from kefu.webhooks.models import EventType, Subscription
from kefu.webhooks.services import record_event

ASSIGNMENT_FIELDS = {"assignee", "team"}


# Whether any subscription is active, asked on every message: kept for a second per process (a change
# made in this process clears it at once; one made in another process is seen within LISTENING_TTL).
LISTENING_TTL = 1.0
_listening: tuple[float, bool] | None = None


def _anyone_listening() -> bool:
    global _listening
    now = time.monotonic()
    if _listening is None or now - _listening[0] > LISTENING_TTL:
        _listening = (now, Subscription.objects.filter(is_active=True).exists())
    return _listening[1]


def forget_listening(**_kwargs) -> None:
    global _listening
    _listening = None


def conversation_created(conversation: Conversation) -> None:
    """conversation.created, then message.created for the first message (queued in that order)."""
    if not _anyone_listening():
        return
    record_event(EventType.CONVERSATION_CREATED, payloads.conversation_created(conversation))
    first = Message.objects.filter(conversation=conversation, seq=1).first()
    if first is not None:
        _record_message(conversation, first)


def message_created(conversation: Conversation, message: Message) -> None:
    # The first message opens a conversation; conversation_created sends it after conversation.created.
    if message.seq == 1 or not _anyone_listening():
        return
    _record_message(conversation, message)


def _record_message(conversation: Conversation, message: Message) -> None:
    record_event(EventType.MESSAGE_CREATED, payloads.message_created(conversation, message),
                 internal=message.internal)


def messages_created(pairs: list[tuple[Conversation, Message]]) -> None:
    """Batch form of `message_created`: one look-up for subscriptions for the whole batch."""
    pairs = [(conversation, message) for conversation, message in pairs if message.seq != 1]
    if not pairs or not _anyone_listening():
        return
    for conversation, message in pairs:
        _record_message(conversation, message)


def conversations_updated(batch: list[tuple[Conversation, list[str], dict]]) -> None:
    """Batch form of `conversation_updated`."""
    if not batch or not _anyone_listening():
        return
    for conversation, changed, before in batch:
        _record_update(conversation, changed, before)


def conversation_updated(conversation: Conversation, changed: list[str], before: dict) -> None:
    if not _anyone_listening():
        return
    _record_update(conversation, changed, before)


def _record_update(conversation: Conversation, changed: list[str], before: dict) -> None:
    if "status" in changed:
        record_event(EventType.STATUS_CHANGED, payloads.status_changed(conversation))
    if ASSIGNMENT_FIELDS & set(changed):
        record_event(EventType.ASSIGNMENT_CHANGED, payloads.assignment_changed(conversation, changed, before))


def register() -> None:
    """Hook into the conversation lifecycle (kefu.conversations.hooks); called from AppConfig.ready()."""
    from django.db.models.signals import post_delete, post_save

    from kefu.conversations import hooks

    for signal in (post_save, post_delete):
        signal.connect(forget_listening, sender=Subscription,
                       dispatch_uid=f"kefu-webhooks-listening-{signal is post_save}")

    hooks.on_conversation_created(conversation_created)
    hooks.on_message_created(message_created, many=messages_created)
    hooks.on_conversation_updated(conversation_updated, many=conversations_updated)
