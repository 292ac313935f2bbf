"""Customers of the exchange and how each channel knows them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Contact(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    external_id = models.CharField(
        _("exchange UID"), max_length=100, null=True, blank=True, unique=True,
        help_text=_("The user's id at the exchange; set only from a verified source."),
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    vip_tier = models.PositiveSmallIntegerField(_("VIP tier"), default=0)
    # Set by the exchange (API) and shown in every support email, so the customer can tell real
    # support mail from phishing.
    anti_phishing_code = models.CharField(_("anti-phishing code"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name or self.email or self.external_id or f"#{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name or self.email or (f"UID {self.external_id}" if self.external_id else f"Visitor {self.pk}")


class ContactIdentity(models.Model):
    """How one channel instance identifies a contact: a widget visitor, an email address, a chat id."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    inbox = models.ForeignKey("inboxes.Inbox", on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=20)
    # For anonymous widget visitors this is the SHA-256 of their secret visitor token.
    identifier = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "kind", "identifier"], name="uniq_identity_per_inbox"),
        ]
        verbose_name = _("contact identity")
        verbose_name_plural = _("contact identities")

    def __str__(self) -> str:
        return f"{self.kind}:{self.identifier[:12]}"
