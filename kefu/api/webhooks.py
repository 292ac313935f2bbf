"""/api/v1/webhooks: outbound webhook subscriptions and their delivery log (admin tokens only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ninja import Field, Router, Schema, Status

from kefu.accounts.models import Role
from kefu.core.errors import InvalidInput, NotFound, PermissionDenied
from kefu.webhooks import services
from kefu.webhooks.models import Delivery, DeliveryStatus, Subscription

router = Router(tags=["webhooks"])


class WebhookIn(Schema):
    url: str = Field(..., description="http(s) endpoint that receives the signed POSTs")
    event_types: list[str] = Field(..., description="conversation.created, message.created, "
                                   "conversation.status_changed, conversation.assignment_changed")
    description: str = ""
    include_internal_notes: bool = Field(False, description="also send message.created for internal notes")
    is_active: bool = True


class WebhookPatch(Schema):
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    include_internal_notes: bool | None = None
    is_active: bool | None = None


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    description: str
    include_internal_notes: bool
    is_active: bool
    secret_hint: str
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str = Field(..., description="shown only in this response; sign checks use it")


class DeliveryOut(Schema):
    id: uuid.UUID
    subscription_id: int
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]


def _require_admin(request) -> None:
    agent = request.api_token.agent
    if agent is not None and not (agent.role == Role.ADMIN or agent.is_superuser):
        raise PermissionDenied("managing webhooks needs an integration token or an admin's token")


def _subscription(subscription_id: int) -> Subscription:
    found = Subscription.objects.filter(pk=subscription_id).first()
    if found is None:
        raise NotFound(f"no webhook with id {subscription_id}")
    return found


@router.get("", response=list[WebhookOut], summary="List webhook subscriptions")
def list_webhooks(request):
    _require_admin(request)
    return list(Subscription.objects.all())


@router.post("", response={201: WebhookWithSecret}, summary="Subscribe an endpoint (the secret is shown once)")
def create_webhook(request, payload: WebhookIn):
    _require_admin(request)
    return Status(201, services.create_subscription(**payload.model_dump()))


@router.get("/{subscription_id}", response=WebhookOut, summary="Read a webhook subscription")
def get_webhook(request, subscription_id: int):
    _require_admin(request)
    return _subscription(subscription_id)


@router.patch("/{subscription_id}", response=WebhookOut, summary="Change a webhook subscription")
def patch_webhook(request, subscription_id: int, payload: WebhookPatch):
    _require_admin(request)
    fields = payload.model_dump(exclude_unset=True)
    nulls = sorted(name for name, value in fields.items() if value is None)
    if nulls:
        raise InvalidInput(f"these fields cannot be null: {', '.join(nulls)}")
    return services.update_subscription(_subscription(subscription_id), **fields)


@router.delete("/{subscription_id}", response={204: None}, summary="Delete a subscription and its log")
def delete_webhook(request, subscription_id: int):
    _require_admin(request)
    services.delete_subscription(_subscription(subscription_id))
    return Status(204, None)


@router.post("/{subscription_id}/rotate-secret", response=WebhookWithSecret,
             summary="Replace the signing secret (the new one is shown once)")
def rotate_webhook_secret(request, subscription_id: int):
    _require_admin(request)
    return services.rotate_secret(_subscription(subscription_id))


@router.get("/{subscription_id}/deliveries", response=list[DeliveryOut], summary="The delivery log, newest first")
def list_deliveries(request, subscription_id: int, status: str | None = None, event_type: str | None = None,
                    limit: int = 50, offset: int = 0):
    _require_admin(request)
    deliveries = Delivery.objects.filter(subscription=_subscription(subscription_id))
    if status:
        if status not in DeliveryStatus.values:
            raise InvalidInput(f"status must be one of {', '.join(DeliveryStatus.values)}")
        deliveries = deliveries.filter(status=status)
    if event_type:
        deliveries = deliveries.filter(event_type=event_type)
    offset = max(0, offset)
    return list(deliveries[offset:offset + max(1, min(limit, 200))])


@router.post("/{subscription_id}/deliveries/{delivery_id}/redeliver", response={202: DeliveryOut},
             summary="Send a delivery again now (same delivery id)")
def redeliver(request, subscription_id: int, delivery_id: uuid.UUID):
    _require_admin(request)
    delivery = Delivery.objects.filter(pk=delivery_id, subscription=_subscription(subscription_id)).first()
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id} for webhook {subscription_id}")
    services.redeliver([delivery])
    delivery.refresh_from_db()
    return Status(202, delivery)
