"""Inboxes (one per channel instance), what arrived on them, and what went out through them."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WEBCHAT = "webchat", _("Web chat")
    API = "api", _("API")
    EMAIL = "email", _("Email")
    TELEGRAM = "telegram", _("Telegram")
    WEBHOOK = "webhook", _("Signed webhook (app, X, Facebook, Discord)")


# Channels whose public agent and bot messages are sent out by a background task.
OUTBOUND_KINDS = {ChannelKind.EMAIL, ChannelKind.TELEGRAM, ChannelKind.WEBHOOK}


def new_public_key() -> str:
    return secrets.token_urlsafe(12)


def new_secret() -> str:
    return secrets.token_hex(32)


class Inbox(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("channel"), max_length=20, choices=ChannelKind.choices)
    # Public: appears in the widget snippet. Never grants access to anything by itself.
    public_key = models.CharField(_("public key"), max_length=32, unique=True, default=new_public_key)
    # Private: the exchange signs its user ids with it (HMAC-SHA256) for identity verification.
    hmac_secret = models.CharField(_("identity secret"), max_length=128, default=new_secret)
    require_identity = models.BooleanField(
        _("require verified identity"), default=False,
        help_text=_("Refuse anonymous visitors; only signed-in users of the exchange may chat."),
    )
    default_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("default team"),
    )
    greeting_en = models.CharField(_("greeting (English)"), max_length=300, blank=True)
    greeting_zh_hans = models.CharField(_("greeting (Simplified Chinese)"), max_length=300, blank=True)
    is_default_api_inbox = models.BooleanField(_("default API inbox"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Per-channel settings (SMTP/IMAP for email, bot token for Telegram, secret and callback URL for the
    # signed webhook); docs/channels.md lists the keys. Holds secrets: never log it.
    config = models.JSONField(
        _("channel settings"), default=dict, blank=True,
        help_text=_("Settings of the channel (see docs/channels.md); holds secrets."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def greeting(self, language: str) -> str:
        return self.greeting_zh_hans if language == "zh-hans" else self.greeting_en

    def setting(self, key: str, default=None):
        value = (self.config or {}).get(key)
        return default if value in (None, "") else value


class InboundEvent(models.Model):
    """One event a channel delivered (an email's Message-ID, a Telegram update id, a webhook event id).

    The unique constraint makes redelivery harmless: the second copy finds the first and is not stored."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="inbound_events")
    external_id = models.CharField(max_length=255)
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_events",
    )
    # Why an event stored no message (an auto-reply, a bounce, a bot command); empty when it did.
    ignored_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "external_id"], name="uniq_inbound_event_per_inbox"),
        ]
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")

    def __str__(self) -> str:
        return f"{self.inbox_id}:{self.external_id[:40]}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """Sending one message out on its conversation's channel: state, attempts, last error."""

    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="delivery",
    )
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # The provider's id of what was sent: the email's Message-ID (chosen before the first attempt so a
    # retried send threads the same), the Telegram message id, the callback's event id.
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    # How many parts of a multi-part send (text, then each file) already went out, so a retry resumes.
    parts_sent = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"message {self.message_id}: {self.status}"


class PollCursor(models.Model):
    """Where polling of a channel stopped (Telegram getUpdates offset, IMAP UID)."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="poll_cursors")
    name = models.CharField(max_length=40)
    value = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inbox", "name"], name="uniq_poll_cursor")]
