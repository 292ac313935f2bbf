"""The one channel interface: inbound events become contact + conversation + message; outbound sends.

A channel adapter (email, Telegram, signed webhook) does two things and nothing else:

- it turns what the provider delivered into an `InboundMessage` and hands it to `receive()`, which
  stores it once (redelivery of the same external id is a no-op) through the conversation services;
- it implements `ChannelAdapter.send(delivery)`, called by the outbound task (kefu.channels.tasks),
  raising `DeliveryError` when the provider refused or could not be reached.

Nothing here touches routing, the assistant or the console: they see an ordinary conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from kefu.channels.models import Delivery, InboundEvent, Inbox
from kefu.contacts.models import Contact, ContactIdentity
from kefu.contacts.services import find_or_create_contact
from kefu.conversations.attachments import store_attachment
from kefu.conversations.models import Conversation, Message
from kefu.conversations.services import Actor, create_conversation, post_message
from kefu.conversations.taxonomy import Status
from kefu.core.errors import ConversationClosed, KefuError
from kefu.core.i18n import normalize_language

log = logging.getLogger(__name__)


@dataclass
class InboundFile:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class InboundMessage:
    """What a customer sent on a channel, before kefu knows who they are or where it belongs."""

    external_id: str  # unique per inbox: Message-ID, "update:<id>", the webhook event id
    identity_kind: str  # "email", "telegram", "webhook"
    identifier: str  # the address, chat id or user id on that channel
    body: str = ""
    name: str = ""
    email: str = ""
    language: str | None = None
    subject: str = ""
    exchange_uid: str | None = None  # only from a source that vouches for it (a signed webhook)
    attachments: list[InboundFile] = field(default_factory=list)
    # Conversations this message says it continues (email threading); tried in order, own contact only.
    thread_conversations: list[Conversation] = field(default_factory=list)
    # False for channels where one chat is one thread (Telegram): then the contact's open conversation
    # in the inbox is continued. Email starts a new conversation unless threading found one.
    continue_open_conversation: bool = True


@dataclass(frozen=True)
class Received:
    conversation: Conversation | None
    message: Message | None
    created: bool  # False: a redelivery of an event already stored (or an ignored one)
    ignored_reason: str = ""


class DeliveryError(Exception):
    """The provider did not accept a send. `permanent` failures are not retried automatically."""

    def __init__(self, detail: str, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent


class ChannelAdapter:
    """What each outbound channel implements; registered in ADAPTERS by channel kind."""

    kind: str = ""

    def send(self, delivery: Delivery) -> None:
        """Send `delivery.message` out; set `delivery.external_id` / `parts_sent` as parts go out.

        Raise DeliveryError when it did not (all) go out."""
        raise NotImplementedError


ADAPTERS = {
    "email": "kefu.channels.email.EmailAdapter",
    "telegram": "kefu.channels.telegram.TelegramAdapter",
    "webhook": "kefu.channels.webhook.WebhookAdapter",
}


def adapter_for(kind: str) -> ChannelAdapter:
    """The outbound adapter of a channel kind (adding a channel adds one line here, nothing elsewhere)."""
    from django.utils.module_loading import import_string

    if kind not in ADAPTERS:
        raise KeyError(f"no outbound adapter for channel kind {kind!r}")
    return import_string(ADAPTERS[kind])()


def already_received(inbox: Inbox, external_id: str) -> bool:
    """True when this event was stored before (the provider redelivered it)."""
    return InboundEvent.objects.filter(inbox=inbox, external_id=external_id[:255]).exists()


def record_ignored(inbox: Inbox, external_id: str, reason: str) -> bool:
    """Remember an event that stores no message (auto-reply, bounce, bot command). False if seen before."""
    try:
        with transaction.atomic():
            InboundEvent.objects.create(inbox=inbox, external_id=external_id[:255], ignored_reason=reason[:40])
        return True
    except IntegrityError:
        return False


def contact_for(inbox: Inbox, inbound: InboundMessage) -> Contact:
    """The contact this channel identity belongs to; created (with the identity) on first contact."""
    identity = (
        ContactIdentity.objects.filter(inbox=inbox, kind=inbound.identity_kind, identifier=inbound.identifier)
        .select_related("contact").first()
    )
    if identity is not None:
        contact = identity.contact
        if inbound.exchange_uid and not contact.external_id:
            contact, _created = find_or_create_contact(external_id=inbound.exchange_uid, email=inbound.email,
                                                       name=inbound.name, language=inbound.language)
            identity.contact = contact
            identity.save(update_fields=["contact"])
        return contact
    language = normalize_language(inbound.language) if inbound.language else "en"
    if inbound.exchange_uid or inbound.email:
        contact, _created = find_or_create_contact(
            external_id=inbound.exchange_uid, email=inbound.email, name=inbound.name[:200], language=language)
    else:
        contact = Contact.objects.create(name=inbound.name[:200], language=language)
    try:
        with transaction.atomic():
            ContactIdentity.objects.create(contact=contact, inbox=inbox, kind=inbound.identity_kind,
                                           identifier=inbound.identifier[:255])
    except IntegrityError:
        pass  # a concurrent first message made it; the contact found above is the same person
    return contact


def _store_files(files: list[InboundFile], actor: Actor) -> tuple[list[int], list[str]]:
    """Store the files kefu accepts; returns (attachment ids, names of refused files with why)."""
    ids: list[int] = []
    refused: list[str] = []
    for item in files:
        upload = SimpleUploadedFile(item.filename or "file", item.content, item.content_type)
        try:
            ids.append(store_attachment(upload, actor).pk)
        except KefuError as error:
            refused.append(f"{item.filename}: {error.detail}")
    return ids, refused


def _conversation_to_continue(inbox: Inbox, contact: Contact, inbound: InboundMessage) -> Conversation | None:
    for conversation in inbound.thread_conversations:
        if conversation.contact_id == contact.pk and conversation.inbox_id == inbox.pk and not conversation.is_closed:
            return conversation
    if inbound.continue_open_conversation:
        return (
            Conversation.objects.filter(inbox=inbox, contact=contact).exclude(status=Status.CLOSED)
            .order_by("-last_message_at", "-pk").first()
        )
    return None


def receive(inbox: Inbox, inbound: InboundMessage) -> Received:
    """Store a customer's message from a channel: once, in the right conversation.

    Finds or creates the contact (by channel identity), continues their conversation (threading, or
    the open one for chat channels) or opens a new one through the conversation services, so the
    usual events, audit and hooks run. A redelivered event (same external id) stores nothing and
    returns the first copy's conversation and message with created=False."""
    external_id = inbound.external_id[:255]
    existing = InboundEvent.objects.filter(inbox=inbox, external_id=external_id).select_related(
        "conversation", "message").first()
    if existing is not None:
        return Received(existing.conversation, existing.message, False, existing.ignored_reason)
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(inbox=inbox, external_id=external_id)
            conversation, message = _store(inbox, inbound)
            event.conversation, event.message = conversation, message
            event.save(update_fields=["conversation", "message"])
    except IntegrityError:
        # The same event arriving twice at once: the other copy won and is the stored one.
        existing = InboundEvent.objects.filter(inbox=inbox, external_id=external_id).first()
        if existing is None:
            raise
        return Received(existing.conversation, existing.message, False, existing.ignored_reason)
    log.info("inbox %s: stored inbound event as message %s in conversation %s", inbox.pk, message.pk,
             conversation.pk)
    return Received(conversation, message, True)


def _store(inbox: Inbox, inbound: InboundMessage) -> tuple[Conversation, Message]:
    contact = contact_for(inbox, inbound)
    actor = Actor.for_customer(contact)
    attachment_ids, refused = _store_files(inbound.attachments, actor)
    body = inbound.body.strip()[: settings.KEFU_MAX_MESSAGE_CHARS - 2000]
    if refused:
        body = (body + "\n\n" if body else "") + "\n".join(f"[{item}]" for item in refused)
    if not body and not attachment_ids:
        body = "(empty message)"
    conversation = _conversation_to_continue(inbox, contact, inbound)
    if conversation is not None:
        try:
            message, _created = post_message(conversation, actor, body, attachment_ids=attachment_ids)
            return conversation, message
        except ConversationClosed:
            pass
    conversation, _created = create_conversation(
        inbox, contact, actor, body=body, subject=inbound.subject[:200], attachment_ids=attachment_ids,
        language=normalize_language(inbound.language) if inbound.language else contact.language,
    )
    return conversation, conversation.messages.order_by("seq").first()
