"""Hooks a new message to its outbound delivery (see kefu.channels.delivery)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save

from kefu.channels.delivery import schedule_delivery
from kefu.conversations.models import Message


def on_message_created(message: Message) -> None:
    """After a message is committed: queue its delivery when its channel sends messages out."""
    schedule_delivery(message)


def _after_save(sender, instance: Message, created: bool, **kwargs) -> None:
    if created:
        transaction.on_commit(lambda: on_message_created(instance))


def connect() -> None:
    post_save.connect(_after_save, sender=Message, dispatch_uid="kefu.channels.outbound")
