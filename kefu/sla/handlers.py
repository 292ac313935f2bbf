"""After-commit handlers: keep each conversation's SLA state and next deadline check current."""

from __future__ import annotations

from kefu.conversations.models import Conversation, Message
from kefu.conversations.taxonomy import AuthorType
from kefu.sla.after_hours import send_after_hours_reply
from kefu.sla.services import refresh_sla

# Fields whose change can re-select the policy or move the clock.
RELEVANT_FIELDS = {"status", "priority", "team", "category"}


def conversation_created(conversation: Conversation) -> None:
    refresh_sla(conversation.pk)


def message_created(conversation: Conversation, message: Message) -> None:
    """A customer message may start a next-response wait (and get the after-hours reply); an agent
    reply meets first or next response."""
    if message.internal or message.author_type not in {AuthorType.CUSTOMER, AuthorType.AGENT}:
        return
    if message.author_type == AuthorType.CUSTOMER:
        send_after_hours_reply(message)
    if _continues_the_same_turn(message):
        return
    refresh_sla(conversation.pk)


def _continues_the_same_turn(message: Message) -> bool:
    """A second customer message while the customer already waits, or a second agent reply after the
    agent already answered, moves no clock: skip the recompute (the hot path of a busy chat)."""
    previous = (Message.objects.filter(conversation_id=message.conversation_id, seq__lt=message.seq,
                                       internal=False).order_by("-seq").values_list("author_type", flat=True)[:1])
    return list(previous) == [message.author_type]


def conversation_updated(conversation: Conversation, changed: list[str], before: dict) -> None:
    if RELEVANT_FIELDS.intersection(changed):
        refresh_sla(conversation.pk)
