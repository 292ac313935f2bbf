"""An exchange's support taxonomy: the categories a conversation can have."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    ACCOUNT_REGISTRATION = "account.registration", _("Account: registration")
    ACCOUNT_LOGIN = "account.login", _("Account: login")
    ACCOUNT_KYC = "account.kyc", _("Account: identity verification (KYC)")
    ACCOUNT_PASSWORD = "account.password_reset", _("Account: password reset")
    ACCOUNT_2FA = "account.2fa", _("Account: two-factor authentication")
    ACCOUNT_FREEZE = "account.freeze", _("Account: freeze and unfreeze")
    TRADING_ORDERS = "trading.orders", _("Trading: orders")
    TRADING_FEES = "trading.fees", _("Trading: fees")
    TRADING_FUTURES = "trading.futures", _("Trading: futures and liquidation")
    DEPOSIT_NOT_CREDITED = "funds.deposit_not_credited", _("Deposits: not credited")
    DEPOSIT_WRONG_NETWORK = "funds.wrong_network_or_memo", _("Deposits: wrong network or memo")
    WITHDRAWAL_FAILED = "funds.withdrawal_failed", _("Withdrawals: failed")
    FUNDS_LIMITS_FEES = "funds.limits_and_fees", _("Deposits and withdrawals: limits and fees")
    SECURITY_COMPROMISED = "security.compromised", _("Security: compromised account")
    SECURITY_PHISHING = "security.phishing", _("Security: phishing")
    PROMOTIONS = "promotions", _("Promotions")
    REFUNDS = "refunds", _("Refunds")
    FEEDBACK = "feedback", _("Feedback and complaints")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("conversation status", "New")
    OPEN = "open", pgettext_lazy("conversation status", "Open")
    PENDING = "pending", pgettext_lazy("conversation status", "Pending")
    ON_HOLD = "on_hold", pgettext_lazy("conversation status", "On hold")
    SOLVED = "solved", pgettext_lazy("conversation status", "Solved")
    CLOSED = "closed", pgettext_lazy("conversation status", "Closed")


class Priority(models.TextChoices):
    LOW = "low", pgettext_lazy("priority", "Low")
    NORMAL = "normal", pgettext_lazy("priority", "Normal")
    HIGH = "high", pgettext_lazy("priority", "High")
    URGENT = "urgent", pgettext_lazy("priority", "Urgent")


class AuthorType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")
    SYSTEM = "system", _("System")


RESOLVED_STATUSES = {Status.SOLVED, Status.CLOSED}
