"""Structured cases (deposit recovery, appeals, refunds), customer verifications and freeze requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseKind(models.TextChoices):
    DEPOSIT_NOT_CREDITED = "deposit_not_credited", _("Deposit not credited")
    WRONG_NETWORK = "wrong_network", _("Wrong network or missing memo recovery")
    WITHDRAWAL_FAILED = "withdrawal_failed", _("Withdrawal failed appeal")
    REFUND = "refund", _("Refund request")


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("case status", "Submitted")
    VERIFYING = "verifying", pgettext_lazy("case status", "Verifying")
    AWAITING_CUSTOMER = "awaiting_customer", pgettext_lazy("case status", "Awaiting customer")
    APPROVED = "approved", pgettext_lazy("case status", "Approved")
    RECOVERED = "recovered", pgettext_lazy("case status", "Recovered")
    REJECTED = "rejected", pgettext_lazy("case status", "Rejected")


class Case(models.Model):
    """A structured request about funds, attached to the conversation it is discussed in."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=CaseKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED)
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.PROTECT, related_name="cases")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="cases")
    asset = models.CharField(_("asset"), max_length=20, blank=True)
    network = models.CharField(_("network"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=120, blank=True)
    memo = models.CharField(_("memo / tag"), max_length=260, blank=True)
    txid = models.CharField(_("TxID"), max_length=130, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=38, decimal_places=18, null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True,
                                 help_text=_("Withdrawal id, order id or other reference at the exchange."))
    description = models.TextField(_("description"), blank=True)
    findings = models.JSONField(default=list, blank=True)
    chain_lookup = models.JSONField(default=dict, blank=True)
    created_by_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("approval proposed by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("approved by"))
    resolution = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"C-{self.number} {self.kind}"


class CaseEvidence(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    attachment = models.ForeignKey("conversations.Attachment", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("case history is append-only")

    def delete(self):
        raise TypeError("case history is append-only")


class CaseEvent(models.Model):
    """One step in a case's life; never updated or deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=30)
    old_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20, blank=True)
    actor_type = models.CharField(max_length=10)
    actor_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("case history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("case history is append-only")


class VerificationMethod(models.TextChoices):
    WIDGET = "widget", _("Signed-in chat session")
    EMAIL = "email", _("Email code")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("verification", "Pending")
    VERIFIED = "verified", pgettext_lazy("verification", "Verified")
    FAILED = "failed", pgettext_lazy("verification", "Failed")
    EXPIRED = "expired", pgettext_lazy("verification", "Expired")


class CustomerVerification(models.Model):
    """A one-time challenge an agent sent to prove the customer in a conversation owns the account."""

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="verifications")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="verifications")
    method = models.CharField(max_length=10, choices=VerificationMethod.choices)
    status = models.CharField(max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.PENDING)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class FreezeSource(models.TextChoices):
    WIDGET = "widget", _("Chat widget")
    TELEGRAM = "telegram", _("Telegram")
    EMAIL_LINK = "email_link", _("Link in a support email")
    FORM = "form", _("Freeze form (cannot log in)")
    AGENT = "agent", _("Agent")


class FreezeStatus(models.TextChoices):
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting email confirmation")
    FROZEN = "frozen", _("Frozen")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class FreezeRequest(models.Model):
    """A customer's request to freeze their exchange account at once, and what the exchange answered."""

    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="freeze_requests")
    uid = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    source = models.CharField(max_length=20, choices=FreezeSource.choices)
    status = models.CharField(max_length=30, choices=FreezeStatus.choices)
    code_hash = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    conversation = models.ForeignKey("conversations.Conversation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    exchange_response = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
