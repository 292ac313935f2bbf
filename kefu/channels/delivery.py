"""Outbound delivery: which messages go out on a channel, and the state of each send.

A public agent or bot message in a conversation whose inbox is email, Telegram or a signed webhook
gets a `Delivery` (pending) and a background task (kefu.channels.tasks.deliver_message). The task calls
the channel's adapter; a failure is retried with exponential backoff, so a provider that is down for a
while delays the message but does not lose it. After the last attempt it is `failed`, shown on the
message in the console with a Retry button (`retry_delivery`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.channels.base import DeliveryError, adapter_for
from kefu.channels.models import OUTBOUND_KINDS, Delivery, DeliveryStatus
from kefu.conversations.models import Message
from kefu.conversations.taxonomy import AuthorType
from kefu.core.errors import Conflict

log = logging.getLogger(__name__)

SENDING_AUTHORS = {AuthorType.AGENT, AuthorType.BOT}


def needs_delivery(message: Message) -> bool:
    """True for public agent/bot messages in conversations of an outbound channel."""
    return (
        not message.internal
        and message.author_type in SENDING_AUTHORS
        and message.conversation.inbox.kind in OUTBOUND_KINDS
    )


def schedule_delivery(message: Message) -> Delivery | None:
    """Create the message's pending delivery and queue its first attempt (no-op for other messages).

    Side effects: a `Delivery` row, a `deliver_message` background task after commit."""
    if not needs_delivery(message):
        return None
    delivery, created = Delivery.objects.get_or_create(
        message=message, defaults={"inbox_id": message.conversation.inbox_id})
    if created:
        _enqueue(delivery.pk, None)
    return delivery


def _enqueue(delivery_id: int, run_after) -> None:
    from kefu.channels.tasks import deliver_message

    def go() -> None:
        task = deliver_message.using(run_after=run_after) if run_after else deliver_message
        task.enqueue(delivery_id)

    transaction.on_commit(go)


def backoff_seconds(attempts: int) -> float:
    """Wait before attempt `attempts + 1`: base * 2^(attempts-1), capped (10 s, 20 s, 40 s, ... 1 h)."""
    base = settings.KEFU_CHANNEL_RETRY_BASE_SECONDS
    return min(base * (2 ** max(attempts - 1, 0)), settings.KEFU_CHANNEL_RETRY_MAX_SECONDS)


def attempt_delivery(delivery_id: int) -> str:
    """Try to send one pending delivery now; on failure schedule the next try or mark it failed.

    Returns the resulting status. Side effects: updates the Delivery; queues a retry task."""
    delivery = (
        Delivery.objects.select_related("message__conversation__contact", "message__author_agent", "inbox")
        .filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return delivery.status if delivery else "missing"
    delivery.attempts += 1
    try:
        adapter_for(delivery.inbox.kind).send(delivery)
    except DeliveryError as error:
        return _failed_attempt(delivery, error)
    except Exception as error:  # an adapter bug must not lose the message either: retry, visibly
        log.exception("delivery %s: unexpected error in the %s adapter", delivery.pk, delivery.inbox.kind)
        return _failed_attempt(delivery, DeliveryError(f"{type(error).__name__}: {error}"))
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.last_error = ""
    delivery.next_attempt_at = None
    delivery.save()
    _announce(delivery)
    log.info("delivery %s (message %s) sent via %s after %s attempt(s)", delivery.pk, delivery.message_id,
             delivery.inbox.kind, delivery.attempts)
    return delivery.status


def _failed_attempt(delivery: Delivery, error: DeliveryError) -> str:
    delivery.last_error = error.detail[:500]
    if error.permanent or delivery.attempts >= settings.KEFU_CHANNEL_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        log.warning("delivery %s (message %s) failed after %s attempt(s)", delivery.pk, delivery.message_id,
                    delivery.attempts)
    else:
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(delivery.attempts))
        log.info("delivery %s attempt %s failed; next try at %s", delivery.pk, delivery.attempts,
                 delivery.next_attempt_at.isoformat())
    with transaction.atomic():
        delivery.save()
        if delivery.status == DeliveryStatus.PENDING:
            _enqueue(delivery.pk, delivery.next_attempt_at)
        if delivery.status == DeliveryStatus.FAILED or delivery.attempts == 1:
            _announce(delivery)
    return delivery.status


def _announce(delivery: Delivery) -> None:
    """Tell the consoles that show this conversation to redraw it: the message's delivery line changed."""
    from kefu.conversations.events import agent_groups
    from kefu.conversations.payloads import conversation_payload
    from kefu.core.events import publish

    conversation = delivery.message.conversation
    publish(agent_groups(conversation), {
        "type": "conversation.updated", "conversation": conversation_payload(conversation), "changed": ["delivery"],
        "delivery": {"message_id": delivery.message_id, "status": delivery.status, "attempts": delivery.attempts},
    })


def retry_delivery(delivery: Delivery) -> Delivery:
    """An agent asks to send a failed message again: back to pending with a fresh set of attempts.

    Side effects: queues a `deliver_message` task. Raises Conflict unless the delivery failed."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status != DeliveryStatus.FAILED:
            raise Conflict(_("Only a failed delivery can be retried."))
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save()
        _enqueue(delivery.pk, None)
    return delivery
