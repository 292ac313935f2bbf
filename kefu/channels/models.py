"""Inboxes: one per channel instance (a web chat widget, the API, later email and Telegram)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WEBCHAT = "webchat", _("Web chat")
    API = "api", _("API")


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def greeting(self, language: str) -> str:
        return self.greeting_zh_hans if language == "zh-hans" else self.greeting_en
