"""Emergency freeze: a customer who thinks the account is compromised freezes it at once.

Entry points: the widget button and the Telegram /freeze command (`request_freeze(contact, source)`), a
signed link in support email (`freeze_link(contact)` -> /exchange/freeze/<token>), and a public form for
customers who cannot log in (`request_freeze_by_identifier`: confirmed through the account's email).
Every request calls the exchange's signed freeze endpoint, records the answer, and opens an urgent
conversation for the security team.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.accounts.models import Team
from kefu.channels.models import ChannelKind, Inbox
from kefu.contacts.models import Contact
from kefu.contacts.services import find_or_create_contact
from kefu.conversations import services as conversations
from kefu.conversations.models import Conversation
from kefu.conversations.services import Actor
from kefu.conversations.taxonomy import Category, Priority
from kefu.core.errors import InvalidInput
from kefu.exchange.cases import audit
from kefu.exchange.client import ExchangeClient, ExchangeError
from kefu.exchange.models import FreezeRequest, FreezeSource, FreezeStatus

log = logging.getLogger(__name__)
LINK_SALT = "kefu.exchange.freeze-link"
CONFIRM_SALT = "kefu.exchange.freeze-confirm"
LINK_MAX_AGE = 60 * 24 * 3600
MAX_ATTEMPTS = 5
MAX_FORM_REQUESTS_PER_HOUR = 3


def freeze_link(contact: Contact) -> str:
    """A signed link for support emails: whoever holds the email can freeze this contact's account."""
    token = signing.dumps({"c": contact.pk}, salt=LINK_SALT)
    return f"{settings.KEFU_PUBLIC_URL}/exchange/freeze/{token}"


def contact_from_link(token: str) -> Contact:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature as error:
        raise InvalidInput(_("This link is invalid or has expired.")) from error
    contact = Contact.objects.filter(pk=data.get("c")).first()
    if contact is None:
        raise InvalidInput(_("This link is invalid or has expired."))
    return contact


def request_freeze(contact: Contact, source: str, *, reason: str = "", inbox: Inbox | None = None) -> FreezeRequest:
    """Freeze the contact's exchange account now (the caller has authenticated the customer).

    Calls the exchange's freeze endpoint, records its answer, and opens an urgent conversation in the
    security team (audit `freeze_requested`). A failed call is recorded too; the security team still gets
    the urgent conversation and freezes by hand.
    """
    if source not in FreezeSource.values:
        raise InvalidInput(f"source must be one of: {', '.join(FreezeSource.values)}")
    freeze = FreezeRequest.objects.create(contact=contact, uid=contact.external_id or "", email=contact.email,
                                          source=source, status=FreezeStatus.AWAITING_CONFIRMATION)
    return _execute(freeze, reason, inbox)


def _execute(freeze: FreezeRequest, reason: str, inbox: Inbox | None) -> FreezeRequest:
    if not freeze.uid:
        freeze.status, freeze.error = FreezeStatus.FAILED, "no exchange UID is linked to this contact"
    else:
        try:
            freeze.exchange_response = ExchangeClient.from_settings().freeze_account(
                freeze.uid, reason=reason or "customer request", source=freeze.source,
                request_id=f"kefu-freeze-{freeze.pk}")
            freeze.status = FreezeStatus.FROZEN
        except ExchangeError as error:
            log.warning("freeze request %s failed: %s", freeze.pk, error.code)
            freeze.status, freeze.error = FreezeStatus.FAILED, error.detail[:300]
    freeze.completed_at = timezone.now()
    freeze.conversation = _open_security_conversation(freeze, reason, inbox)
    freeze.save()
    return freeze


def _security_inbox(inbox: Inbox | None) -> Inbox:
    if inbox is not None:
        return inbox
    found = Inbox.objects.filter(kind=ChannelKind.API, is_default_api_inbox=True).first()
    if found is None:
        found = Inbox.objects.create(name="Exchange backend (API)", kind=ChannelKind.API, is_default_api_inbox=True)
    return found


def _open_security_conversation(freeze: FreezeRequest, reason: str, inbox: Inbox | None) -> Conversation:
    contact = freeze.contact
    with override(contact.language), transaction.atomic():
        outcome = (_("The exchange froze the account (reference %(ref)s).")
                   % {"ref": freeze.exchange_response.get("reference", "-")} if freeze.status == FreezeStatus.FROZEN
                   else _("The automatic freeze FAILED (%(error)s): freeze the account by hand now.")
                   % {"error": freeze.error})
        body = _("Emergency freeze requested via %(source)s for UID %(uid)s.") % {
            "source": FreezeSource(freeze.source).label, "uid": freeze.uid or "?"}
        body = "\n".join(filter(None, [body, outcome, reason]))
        system = Actor.system()
        conversation, _created = conversations.create_conversation(
            _security_inbox(inbox), contact, system, body=body, subject=_("Emergency account freeze"),
            category=Category.SECURITY_COMPROMISED, priority=Priority.URGENT, author_type="system",
            client_id=f"freeze-{freeze.pk}")
        team = Team.objects.filter(slug="security").first()
        if team is not None:
            conversation = conversations.update_conversation(conversation, system, conversations.Changes(team=team))
        audit(conversation, system, "freeze_requested", "account", freeze.source, freeze.status)
    return conversation


def request_freeze_by_identifier(identifier: str, *, language: str = "en") -> FreezeRequest | None:
    """A customer who cannot log in gives a UID or email; a confirmation goes to the account's email.

    Answers the same way whether or not the account exists (no account discovery). Returns the pending
    request, or None when the exchange does not know the account.
    """
    identifier = (identifier or "").strip()
    if not identifier or len(identifier) > 200:
        raise InvalidInput(_("Enter your UID or the email address of your account."))
    key = {"email": identifier} if "@" in identifier else {"uid": identifier}
    try:
        found = ExchangeClient.from_settings().lookup_account(**key)["account"]
    except ExchangeError as error:
        if error.status == 404:
            return None
        raise
    email, uid = found.get("email", ""), str(found.get("uid", ""))
    if not email or not uid:
        return None
    recent = FreezeRequest.objects.filter(uid=uid, source=FreezeSource.FORM,
                                          created_at__gte=timezone.now() - timedelta(hours=1))
    if recent.count() >= MAX_FORM_REQUESTS_PER_HOUR:
        return None  # the owner's mailbox is not a target for floods; the page answers the same
    contact, _created = find_or_create_contact(external_id=uid, email=email, name=found.get("name", ""),
                                               language=language)
    code = f"{secrets.randbelow(10**6):06d}"
    freeze = FreezeRequest.objects.create(contact=contact, uid=uid, email=email, source=FreezeSource.FORM,
                                          status=FreezeStatus.AWAITING_CONFIRMATION,
                                          code_hash=hashlib.sha256(code.encode()).hexdigest())
    token = signing.dumps({"f": freeze.pk, "n": uuid.uuid4().hex[:8]}, salt=CONFIRM_SALT)
    with override(contact.language):
        send_mail(
            _("Confirm the freeze of your account"),
            _("Someone (hopefully you) asked to freeze your exchange account because it may be compromised.\n\n"
              "Confirm with this code: %(code)s\nor open this link: %(link)s\n\n"
              "If you did not ask for this, you can ignore this email.")
            % {"code": code, "link": f"{settings.KEFU_PUBLIC_URL}/exchange/freeze/confirm/{token}"},
            None, [email])
    return freeze


def confirm_freeze(*, token: str = "", request_id: int | None = None, code: str = "") -> FreezeRequest:
    """Confirm a pending freeze from the email's link (token) or its code; then freeze as above."""
    if token:
        try:
            request_id = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.KEFU_VERIFICATION_TTL)["f"]
        except (signing.BadSignature, KeyError) as error:
            raise InvalidInput(_("This link is invalid or has expired.")) from error
    with transaction.atomic():
        freeze = (FreezeRequest.objects.select_for_update(of=("self",)).filter(pk=request_id)
                  .select_related("contact").first())
        if freeze is None or freeze.status != FreezeStatus.AWAITING_CONFIRMATION:
            raise InvalidInput(_("This freeze request is not waiting for confirmation."))
        if freeze.created_at < timezone.now() - timedelta(seconds=settings.KEFU_VERIFICATION_TTL):
            freeze.status = FreezeStatus.EXPIRED
            freeze.save(update_fields=["status"])
            raise InvalidInput(_("This freeze request has expired; ask again."))
        wrong_code = False
        if not token:
            freeze.attempts += 1
            given = hashlib.sha256((code or "").strip().encode()).hexdigest()
            wrong_code = not secrets.compare_digest(given, freeze.code_hash)
            if wrong_code and freeze.attempts >= MAX_ATTEMPTS:
                freeze.status = FreezeStatus.EXPIRED
        freeze.save(update_fields=["attempts", "status"])
    if wrong_code:  # raised after the commit, so the attempt counts
        raise InvalidInput(_("The code is not right."))
    return _execute(freeze, "", None)
