"""The verbs of outbound webhooks: manage subscriptions, record events, attempt and retry deliveries.

An event never talks to the network where it happens: `record_event` stores one Delivery per
matching subscription and enqueues the `deliver_webhook` background task in the same transaction
(database task backend), so a delivery row and its task exist together or not at all. The task calls
`attempt_delivery`, which posts once and either finishes the delivery or schedules the next attempt.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend

from kefu.core.errors import InvalidInput
from kefu.webhooks import payloads, signing, transport
from kefu.webhooks.models import Delivery, DeliveryStatus, EventType, Subscription, new_webhook_secret

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 200
MAX_URL = 500
# How long an attempt may take before another worker may try the same delivery again.
CLAIM_GRACE = timedelta(seconds=60)
SWEEP_EVERY_SECONDS = 60.0
_last_sweep = 0.0


# --- Subscriptions ----------------------------------------------------------------------------

def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise InvalidInput(_("An endpoint URL is required."), field="url")
    if len(url) > MAX_URL:
        raise InvalidInput(_("The endpoint URL may be at most %(limit)s characters.") % {"limit": MAX_URL},
                           field="url")
    problem = transport.check_url(url)
    if problem:
        raise InvalidInput(_("The endpoint URL is not usable: %(problem)s.") % {"problem": problem}, field="url")
    return url


def clean_event_types(event_types: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(str(e).strip() for e in event_types or []))
    unknown = [e for e in wanted if e not in EventType.values]
    if unknown:
        raise InvalidInput(
            _("Unknown event type(s): %(unknown)s. Known types: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(EventType.values)},
            field="event_types", known_event_types=list(EventType.values),
        )
    if not wanted:
        raise InvalidInput(_("Choose at least one event type."), field="event_types",
                           known_event_types=list(EventType.values))
    return wanted


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(_("The description may be at most %(limit)s characters.") % {"limit": MAX_DESCRIPTION},
                           field="description")
    return description


def create_subscription(url: str, event_types: Iterable[str], *, description: str = "",
                        include_internal_notes: bool = False, is_active: bool = True) -> Subscription:
    """Subscribe an endpoint to events. The new secret is on the returned row; show it once."""
    return Subscription.objects.create(
        url=clean_url(url), event_types=clean_event_types(event_types), description=_clean_description(description),
        include_internal_notes=bool(include_internal_notes), is_active=bool(is_active),
    )


def update_subscription(subscription: Subscription, **fields: Any) -> Subscription:
    """Change URL, event types, description, internal-note opt-in or the active flag."""
    cleaners = {"url": clean_url, "event_types": clean_event_types, "description": _clean_description,
                "include_internal_notes": bool, "is_active": bool}
    unknown = set(fields) - set(cleaners)
    if unknown:
        raise InvalidInput(f"cannot change: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(subscription, name, cleaners[name](value))
    if fields:
        subscription.save()
    return subscription


def rotate_secret(subscription: Subscription) -> Subscription:
    """Give the subscription a new signing secret (returned once); later deliveries use it."""
    subscription.secret = new_webhook_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    return subscription


def delete_subscription(subscription: Subscription) -> None:
    """Remove a subscription and its delivery log."""
    subscription.delete()


# --- Events and deliveries ----------------------------------------------------------------------

def retry_schedule() -> list[float]:
    """Seconds to wait after each failed attempt; one more attempt than entries, then give up."""
    return [float(s) for s in settings.KEFU_WEBHOOK_RETRY_SCHEDULE]


def max_attempts() -> int:
    return len(retry_schedule()) + 1


def matching_subscriptions(event_type: str, *, internal: bool = False) -> list[Subscription]:
    found = [s for s in Subscription.objects.filter(is_active=True) if s.wants(event_type)]
    if internal:
        found = [s for s in found if s.include_internal_notes]
    return found


def record_event(event_type: str, data: dict[str, Any], *, internal: bool = False) -> list[Delivery]:
    """Queue one delivery of this event per active subscription that wants it.

    `internal` marks events about internal notes: only subscriptions that opted in get them.
    Side effects: Delivery rows and their `deliver_webhook` tasks, written in one transaction.
    """
    if event_type not in EventType.values:
        raise InvalidInput(f"unknown event type {event_type!r}")
    subscriptions = matching_subscriptions(event_type, internal=internal)
    deliveries = []
    if subscriptions:
        event_id, now = str(uuid.uuid4()), timezone.now()
        # Round-trip through JSON once, so every delivery stores exactly what it will send.
        data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
        with transaction.atomic():
            for subscription in subscriptions:
                delivery_id = uuid.uuid4()
                deliveries.append(Delivery.objects.create(
                    id=delivery_id, subscription=subscription, event_type=event_type, next_attempt_at=now,
                    payload=payloads.envelope(str(delivery_id), event_id, event_type, now, data),
                ))
                _enqueue(delivery_id)
    maybe_sweep()
    return deliveries


def _enqueue(delivery_id: uuid.UUID | str, run_after: datetime | None = None) -> None:
    from kefu.webhooks.tasks import deliver_webhook

    task = deliver_webhook
    backend = task.get_backend()
    if run_after is not None:
        if not backend.supports_defer:
            return  # picked up by the sweep once due
        task = task.using(run_after=run_after)
    if isinstance(backend, DatabaseBackend):
        task.enqueue(str(delivery_id))  # same transaction as the delivery row
    else:
        transaction.on_commit(lambda: task.enqueue(str(delivery_id)))


def body_of(delivery: Delivery) -> bytes:
    """The exact bytes posted (and signed): compact JSON, UTF-8, keys in stored order."""
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def signed_headers(delivery: Delivery, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    return {
        signing.SIGNATURE_HEADER: signing.signature_header(delivery.subscription.secret, body, timestamp),
        signing.DELIVERY_HEADER: str(delivery.id),
        signing.EVENT_HEADER: delivery.event_type,
    }


def _claim(delivery_id: str) -> Delivery | None:
    """Lock the delivery and take it for one attempt if it is pending and due; None otherwise."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The claim is only a lease: losing it in a crash means an earlier retry, so skip the fsync.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("subscription")
                    .filter(pk=delivery_id).first())
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return None
        now = timezone.now()
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + timedelta(seconds=1):
            return None  # an older task for a delivery that was rescheduled or redelivered
        if not delivery.subscription.is_active:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            delivery.last_error = "the subscription is inactive"
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return None
        delivery.next_attempt_at = now + CLAIM_GRACE + timedelta(seconds=settings.KEFU_WEBHOOK_TIMEOUT * 4)
        delivery.save(update_fields=["next_attempt_at"])
        return delivery


def attempt_delivery(delivery_id: str) -> Delivery | None:
    """Post a pending, due delivery once and record the outcome (what the background task runs).

    Success -> `succeeded`. A refused redirect, a non-http URL or HTTP 410 -> `failed`. Any other
    failure (connection refused, timeout, non-2xx) schedules the next attempt after the retry
    schedule's delay and enqueues a task for it; after the last attempt -> `gave_up`.
    Returns the delivery as stored, or None when it was not due (nothing sent).
    """
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    body = body_of(delivery)
    outcome = transport.post(delivery.subscription.url, body, signed_headers(delivery, body),
                             timeout=settings.KEFU_WEBHOOK_TIMEOUT)
    return _record_outcome(delivery.pk, outcome)


def _record_outcome(delivery_id, outcome: transport.Outcome) -> Delivery:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error[:2000]
        delivery.next_attempt_at = None
        if outcome.ok:
            delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, now
        elif outcome.permanent:
            delivery.status = DeliveryStatus.FAILED
        elif delivery.attempts >= max_attempts():
            delivery.status = DeliveryStatus.GAVE_UP
        else:
            delivery.next_attempt_at = now + timedelta(seconds=retry_schedule()[delivery.attempts - 1])
            _enqueue(delivery.pk, run_after=delivery.next_attempt_at)
        delivery.save()
    log.info("webhook delivery %s attempt %s: %s %s", delivery.pk, delivery.attempts, delivery.status,
             outcome.status_code or outcome.error[:80])
    return delivery


def redeliver(deliveries: Iterable[Delivery]) -> int:
    """Send deliveries again now, whatever their state, with a fresh set of attempts.

    The delivery id stays the same, so a receiver that already processed it can tell. Returns how
    many were queued.
    """
    count = 0
    with transaction.atomic():
        for delivery in deliveries:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None)
            _enqueue(delivery.pk)
            count += 1
    return count


def enqueue_overdue(limit: int = 500) -> int:
    """Re-enqueue pending deliveries whose attempt is overdue (e.g. a worker died mid-attempt)."""
    cutoff = timezone.now() - CLAIM_GRACE
    overdue = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lt=cutoff)
                   .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    with transaction.atomic():
        for pk in overdue:
            _enqueue(pk)
    return len(overdue)


def maybe_sweep() -> None:
    """Run `enqueue_overdue` at most once a minute per process, piggybacking on new events."""
    global _last_sweep
    if time.monotonic() - _last_sweep < SWEEP_EVERY_SECONDS:
        return
    _last_sweep = time.monotonic()
    try:
        enqueue_overdue()
    except Exception:  # never let housekeeping break the event that triggered it
        log.exception("webhook sweep failed")
