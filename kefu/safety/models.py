"""Safety records: blocked outgoing messages, the official-channel registry, impersonation reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BlockedMessage(models.Model):
    """An agent, macro or bot message the outbound guard refused; supervisors review these."""

    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("conversation"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("agent"),
    )
    author_type = models.CharField(_("author"), max_length=10)
    source = models.CharField(_("source"), max_length=20, default="message")
    kinds = models.JSONField(_("what it asked for"), default=list)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("blocked message")
        verbose_name_plural = _("blocked messages")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {', '.join(self.kinds)}"


class OfficialKind(models.TextChoices):
    DOMAIN = "domain", _("Website domain")
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    TELEGRAM = "telegram", _("Telegram account or group")
    X = "x", _("X (Twitter) account")


class OfficialChannel(models.Model):
    """A channel the exchange really uses; what /verify compares a customer's link or address with."""

    kind = models.CharField(_("kind"), max_length=20, choices=OfficialKind.choices)
    value = models.CharField(_("value"), max_length=255, help_text=_(
        "Domain (example.com), email address, phone number in international form, or handle without @."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="uniq_official_channel")]
        verbose_name = _("official channel")
        verbose_name_plural = _("official channels")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ImpersonationReport(models.Model):
    """A customer's report of an impersonator, answered by a conversation in the security team's queue."""

    value = models.CharField(_("reported value"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, blank=True)
    imitates = models.CharField(_("imitates"), max_length=255, blank=True)
    details = models.TextField(_("details"), blank=True)
    reporter_email = models.EmailField(_("reporter email"), blank=True)
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("conversation"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("impersonation report")
        verbose_name_plural = _("impersonation reports")

    def __str__(self) -> str:
        return self.value[:80]
