"""Outbound webhooks: where integrations want events sent, and every delivery of every event."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", _("Conversation created")
    MESSAGE_CREATED = "message.created", _("Message created")
    STATUS_CHANGED = "conversation.status_changed", _("Conversation status changed")
    ASSIGNMENT_CHANGED = "conversation.assignment_changed", _("Conversation assignment changed")


SECRET_PREFIX = "whsec_"


def new_webhook_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Subscription(models.Model):
    """An integration's endpoint and the events it wants, signed with its own secret."""

    # Checked by services.clean_url (http/https, a host); not URLField, which refuses internal host names.
    url = models.CharField(_("endpoint URL"), max_length=500)
    # Kept in clear text: signing needs it. Shown once on creation (API) and masked in the admin.
    secret = models.CharField(_("signing secret"), max_length=100, default=new_webhook_secret)
    event_types = models.JSONField(_("event types"), default=list)
    include_internal_notes = models.BooleanField(
        _("include internal notes"), default=False,
        help_text=_("Also send message.created for agents' internal notes (never shown to customers)."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def secret_hint(self) -> str:
        return f"{self.secret[:len(SECRET_PREFIX) + 4]}…" if self.secret else ""

    def wants(self, event_type: str) -> bool:
        return event_type in (self.event_types or [])


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    GAVE_UP = "gave_up", _("Gave up")


class Delivery(models.Model):
    """One event sent (or to be sent) to one subscription; the receiver dedupes by its id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries",
                                     verbose_name=_("subscription"))
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["subscription", "-created_at"]),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"
