"""The web chat channel: who a widget visitor is, and what they may send and read.

Identity verification follows the scheme Intercom and Chatwoot use: the exchange's page passes the
signed-in user's id together with HMAC-SHA256(inbox identity secret, user id) in hex. A valid pair
makes the visitor that contact on every device; anything else leaves them an anonymous visitor who is
known only by a random secret token kept in their browser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.channels.models import ChannelKind, Inbox
from kefu.contacts.models import Contact, ContactIdentity
from kefu.contacts.services import find_or_create_contact
from kefu.conversations.models import Conversation, Message
from kefu.conversations.services import (
    Actor,
    create_conversation,
    get_conversation_for_contact,
    post_customer_message,
)
from kefu.core.errors import ConversationClosed, InvalidInput, NotFound, Unauthorized
from kefu.core.i18n import normalize_language

SESSION_SALT = "kefu.widget.session"
VISITOR = "visitor"
VERIFIED_USER = "user"


def user_hash(inbox: Inbox, external_id: str) -> str:
    """What the exchange's server computes for its signed-in user (documented in the README)."""
    return hmac.new(inbox.hmac_secret.encode(), str(external_id).encode(), hashlib.sha256).hexdigest()


def verify_user_hash(inbox: Inbox, external_id: str, given: str) -> bool:
    if not external_id or not given:
        return False
    return hmac.compare_digest(user_hash(inbox, external_id), given.strip().lower())


@dataclass(frozen=True)
class WidgetSession:
    inbox: Inbox
    contact: Contact
    verified: bool
    token: str
    visitor_token: str | None = None


def get_webchat_inbox(public_key: str) -> Inbox:
    inbox = Inbox.objects.filter(public_key=public_key, kind=ChannelKind.WEBCHAT, is_active=True).first()
    if inbox is None:
        raise NotFound("no active web chat inbox has this key")
    return inbox


def _session_token(inbox: Inbox, contact: Contact, verified: bool) -> str:
    return signing.dumps({"i": inbox.pk, "c": contact.pk, "v": verified}, salt=SESSION_SALT, compress=True)


def _visitor_contact(
    inbox: Inbox, visitor_token: str | None, name: str, email: str, language: str
) -> tuple[Contact, str]:
    if visitor_token:
        digest = hashlib.sha256(visitor_token.encode()).hexdigest()
        identity = (
            ContactIdentity.objects.filter(inbox=inbox, kind=VISITOR, identifier=digest)
            .select_related("contact")
            .first()
        )
        if identity is not None:
            return identity.contact, visitor_token
    visitor_token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(visitor_token.encode()).hexdigest()
    with transaction.atomic():
        # Never trust a self-declared email to link to an existing contact: that would leak history.
        contact = Contact.objects.create(name=name[:200], email="", language=language)
        ContactIdentity.objects.create(contact=contact, inbox=inbox, kind=VISITOR, identifier=digest)
    return contact, visitor_token


def start_session(
    inbox: Inbox,
    *,
    visitor_token: str | None = None,
    external_id: str | None = None,
    user_hash_value: str | None = None,
    name: str = "",
    email: str = "",
    language: str | None = None,
) -> WidgetSession:
    """Identify a widget visitor: a verified exchange user, or an anonymous visitor."""
    explicit_language = language
    language = normalize_language(language)
    external_id = (str(external_id).strip() if external_id else "")[:100]
    if external_id and verify_user_hash(inbox, external_id, user_hash_value or ""):
        contact, _created = find_or_create_contact(external_id=external_id, email=email, name=name, language=language)
        try:
            with transaction.atomic():
                ContactIdentity.objects.get_or_create(
                    inbox=inbox, kind=VERIFIED_USER, identifier=external_id, defaults={"contact": contact}
                )
        except IntegrityError:
            pass
        session = WidgetSession(inbox, contact, True, _session_token(inbox, contact, True))
        remember_language(session, explicit_language)
        return session
    if inbox.require_identity:
        raise Unauthorized(_("This chat is only for signed-in users; sign in on the exchange first."))
    contact, visitor_token = _visitor_contact(inbox, visitor_token, name, email, language)
    session = WidgetSession(inbox, contact, False, _session_token(inbox, contact, False), visitor_token)
    remember_language(session, explicit_language)
    return session


def resolve_session(token: str) -> WidgetSession:
    """The session a widget token stands for, or Unauthorized."""
    try:
        data = signing.loads(token or "", salt=SESSION_SALT, max_age=settings.KEFU_WIDGET_SESSION_TTL)
    except signing.BadSignature as error:
        raise Unauthorized(_("The chat session is missing, invalid or expired; reload the chat.")) from error
    inbox = Inbox.objects.filter(pk=data.get("i"), is_active=True).first()
    contact = Contact.objects.filter(pk=data.get("c")).first()
    if inbox is None or contact is None:
        raise Unauthorized(_("The chat session no longer exists; reload the chat."))
    return WidgetSession(inbox, contact, bool(data.get("v")), token)


def own_conversation(session: WidgetSession, conversation_id: int) -> Conversation:
    """One of this visitor's conversations in this inbox, or NotFound."""
    return get_conversation_for_contact(session.contact, conversation_id, session.inbox)


def remember_language(session: WidgetSession, language: str | None) -> None:
    """The widget's language becomes the contact's, so events and labels come in it."""
    if language and normalize_language(language) != session.contact.language:
        session.contact.language = normalize_language(language)
        session.contact.save(update_fields=["language", "updated_at"])


def contact_conversations(session: WidgetSession, limit: int = 50) -> list[Conversation]:
    return list(
        Conversation.objects.filter(contact=session.contact, inbox=session.inbox).order_by("-created_at")[:limit]
    )


def send_customer_message(
    session: WidgetSession,
    *,
    body: str,
    client_id: str | None,
    conversation_id: int | None = None,
    attachment_ids: list[int] | None = None,
    language: str | None = None,
) -> tuple[Conversation, Message, bool]:
    """A customer writes from the widget: into their conversation, or a new one if none or closed.

    Returns (conversation, message, created); the conversation is its state after this message (hooks
    that change it afterwards publish their own events)."""
    actor = Actor.for_customer(session.contact)
    attachment_ids = attachment_ids or []
    if conversation_id:
        try:
            # Ownership is checked on the locked row (NotFound for anyone else's conversation).
            message, created = post_customer_message(
                session.contact, session.inbox, conversation_id, body, client_id=client_id,
                attachment_ids=attachment_ids,
            )
        except ConversationClosed:
            pass  # the customer writes again after closing: that starts a new conversation
        else:
            # A new message carries the conversation as it left it; a retry's is read (it is ours).
            conversation = message.conversation if created else own_conversation(session, conversation_id)
            return conversation, message, created
    conversation, created = create_conversation(
        session.inbox,
        session.contact,
        actor,
        body=body,
        client_id=client_id,
        language=language or session.contact.language,
        attachment_ids=attachment_ids,
    )
    message = conversation.messages.order_by("seq").first()
    if message is None:  # cannot happen: a conversation is created with its first message
        raise InvalidInput("conversation has no message")
    return conversation, message, created
