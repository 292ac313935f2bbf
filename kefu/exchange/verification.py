"""Customer verification inside a conversation: a one-time challenge through a channel the exchange trusts.

- `widget`: the customer's identity-verified widget session gets a prompt (event `exchange.verify`) and
  confirms it; only a session signed for this contact's exchange UID can.
- `email`: a 6-digit code (and a one-click link) goes to the account's email address; the customer
  enters the code in the widget, or the link confirms it.
A verification is good for the conversation for KEFU_VERIFIED_HOURS; sensitive actions require one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.conversations.events import agent_groups, customer_group
from kefu.conversations.models import Conversation
from kefu.conversations.services import Actor
from kefu.core.errors import InvalidInput, NotFound, PermissionDenied
from kefu.core.events import publish
from kefu.exchange.cases import audit
from kefu.exchange.models import CustomerVerification, VerificationMethod, VerificationStatus

LINK_SALT = "kefu.exchange.verify"
MAX_ATTEMPTS = 5
VERIFIED_FOR = timedelta(hours=12)


class CustomerNotVerified(PermissionDenied):
    code = "customer-not-verified"
    title = "Customer not verified"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def is_verified(conversation: Conversation) -> bool:
    """Whether the customer in this conversation passed a challenge recently."""
    return CustomerVerification.objects.filter(
        conversation=conversation, status=VerificationStatus.VERIFIED,
        completed_at__gte=timezone.now() - VERIFIED_FOR).exists()


def require_verified(conversation: Conversation) -> None:
    if not is_verified(conversation):
        raise CustomerNotVerified(_("Verify the customer first: this action needs a verified customer."))


def _has_verified_widget(conversation: Conversation) -> bool:
    return bool(conversation.contact.external_id) and conversation.contact.identities.filter(
        kind="user", inbox=conversation.inbox).exists()


def verification_payload(verification: CustomerVerification) -> dict:
    agent = verification.requested_by
    return {"id": verification.pk, "method": verification.method, "status": verification.status,
            "conversation_id": verification.conversation_id, "agent": agent.public_name if agent else "",
            "expires_at": verification.expires_at.isoformat()}


def _publish(verification: CustomerVerification) -> None:
    conversation = verification.conversation
    event = {"type": "exchange.verify", "verification": verification_payload(verification)}
    publish(agent_groups(conversation), event)
    publish([customer_group(conversation)], event)


def start_verification(conversation: Conversation, actor: Actor, method: str) -> CustomerVerification:
    """An agent asks kefu to verify the customer; the challenge goes out through `method`.

    Side effects: audit `verification_requested`; an `exchange.verify` event to the widget; for email,
    a code and link sent to the account's email address (the exchange's, when the integration knows it).
    """
    if actor.agent is None:
        raise PermissionDenied(_("Only an agent can ask to verify a customer."))
    if method not in VerificationMethod.values:
        raise InvalidInput(f"method must be one of: {', '.join(VerificationMethod.values)}")
    email = ""
    if method == VerificationMethod.WIDGET and not _has_verified_widget(conversation):
        raise InvalidInput(_("The customer has no signed-in chat session; send an email code instead."))
    if method == VerificationMethod.EMAIL:
        email = account_email(conversation.contact)
        if not email:
            raise InvalidInput(_("No email address is known for this account."))
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        CustomerVerification.objects.filter(conversation=conversation, status=VerificationStatus.PENDING).update(
            status=VerificationStatus.EXPIRED)
        verification = CustomerVerification.objects.create(
            conversation=conversation, contact=conversation.contact, method=method, code_hash=_hash(code),
            requested_by=actor.agent, expires_at=timezone.now() + timedelta(seconds=settings.KEFU_VERIFICATION_TTL))
        audit(conversation, actor, "verification_requested", "verification", "", method)
        _publish(verification)
    if method == VerificationMethod.EMAIL:
        _send_code(verification, email, code)
    return verification


def account_email(contact) -> str:
    """The account's email: from the exchange when it is connected, else the contact's own."""
    from kefu.exchange.client import ExchangeClient, ExchangeError

    if contact.external_id and settings.KEFU_EXCHANGE_URL:
        try:
            return ExchangeClient.from_settings().lookup_account(uid=contact.external_id)["account"].get("email", "")
        except ExchangeError:
            pass
    return contact.email


def _send_code(verification: CustomerVerification, email: str, code: str) -> None:
    token = signing.dumps({"v": verification.pk, "c": code}, salt=LINK_SALT)
    link = f"{settings.KEFU_PUBLIC_URL}/exchange/verify/{token}"
    with override(verification.contact.language):
        subject = _("Your support verification code: %(code)s") % {"code": code}
        body = _("Support agent %(agent)s asked to confirm that you are the owner of this account.\n\n"
                 "Your code: %(code)s\nOr confirm with this link: %(link)s\n\n"
                 "Only enter this code in the support chat of our own website or app. We never ask for your "
                 "password, 2FA codes or seed phrase.") % {
            "agent": verification.requested_by.public_name if verification.requested_by else "", "code": code,
            "link": link}
    send_mail(subject, body, None, [email])


def confirm_verification(verification: CustomerVerification, *, contact=None, verified_session: bool = False,
                         code: str = "") -> CustomerVerification:
    """The customer answers a challenge: a confirm from the signed-in widget, or the emailed code.

    Side effects: audit `verification_succeeded` / `verification_failed`; `exchange.verify` event.
    """
    with transaction.atomic():
        verification = CustomerVerification.objects.select_for_update(of=("self",)).select_related(
            "conversation__contact", "requested_by").get(pk=verification.pk)
        if contact is not None and contact.pk != verification.contact_id:
            raise NotFound(_("No such verification."))
        if verification.status != VerificationStatus.PENDING:
            raise InvalidInput(_("This verification is no longer open."))
        if verification.expires_at < timezone.now():
            verification.status = VerificationStatus.EXPIRED
        elif verification.method == VerificationMethod.WIDGET:
            if not verified_session:
                raise PermissionDenied(_("Sign in on the exchange to confirm in the chat."))
            verification.status = VerificationStatus.VERIFIED
        else:
            verification.attempts += 1
            if secrets.compare_digest(_hash((code or "").strip()), verification.code_hash):
                verification.status = VerificationStatus.VERIFIED
            elif verification.attempts >= MAX_ATTEMPTS:
                verification.status = VerificationStatus.FAILED
        if verification.status != VerificationStatus.PENDING:
            verification.completed_at = timezone.now()
        verification.save()
        actor = Actor.for_customer(verification.contact)
        ok = verification.status == VerificationStatus.VERIFIED
        audit(verification.conversation, actor, "verification_succeeded" if ok else "verification_failed",
              "verification", verification.method, verification.status)
        _publish(verification)
    return verification


def confirm_by_link(token: str) -> CustomerVerification:
    """The one-click link in the verification email."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=settings.KEFU_VERIFICATION_TTL)
    except signing.BadSignature as error:
        raise InvalidInput(_("This link is invalid or has expired.")) from error
    verification = CustomerVerification.objects.filter(pk=data.get("v")).first()
    if verification is None:
        raise NotFound(_("No such verification."))
    return confirm_verification(verification, code=str(data.get("c", "")))


def pending_for(contact, conversation_ids: list[int]) -> list[CustomerVerification]:
    return list(CustomerVerification.objects.filter(
        contact=contact, conversation_id__in=conversation_ids, status=VerificationStatus.PENDING,
        expires_at__gt=timezone.now()).select_related("requested_by"))
