"""Hooks a new message to its outbound delivery (see kefu.channels.delivery)."""

from __future__ import annotations

from kefu.channels.delivery import schedule_delivery
from kefu.conversations import hooks
from kefu.conversations.models import Conversation, Message


def on_message_created(conversation: Conversation, message: Message) -> None:
    """After a message is committed: queue its delivery when its channel sends messages out."""
    if message.conversation_id == conversation.pk:
        message.conversation = conversation
    schedule_delivery(message)


def connect() -> None:
    hooks.on_message_created(on_message_created)
