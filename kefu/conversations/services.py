"""The verbs of a conversation: the only place that changes conversations, messages and the audit trail.

Every function here writes in one transaction, appends to the audit trail what changed, and publishes
real-time events after commit (see kefu.core.events).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent, ApiToken, Team
from kefu.channels.models import Inbox
from kefu.contacts.models import Contact
from kefu.conversations import events, hooks
from kefu.conversations.models import (
    Attachment,
    AuditEvent,
    Conversation,
    Message,
    NumberSequence,
    Tag,
)
from kefu.conversations.taxonomy import (
    RESOLVED_STATUSES,
    AuthorType,
    Category,
    Priority,
    Status,
)
from kefu.core.errors import ConversationClosed, InvalidInput, KefuError, MessageTooLong, NotFound
from kefu.core.i18n import normalize_language

MAX_SUBJECT = 200
MAX_CLIENT_ID = 64
MAX_TAGS = 20


@dataclass(frozen=True)
class Actor:
    """Who is acting: a customer, an agent, an integration (API token), the bot or the system."""

    type: str
    agent: Agent | None = None
    contact: Contact | None = None
    token: ApiToken | None = None

    @classmethod
    def for_agent(cls, agent: Agent) -> Actor:
        return cls(AuthorType.AGENT, agent=agent)

    @classmethod
    def for_customer(cls, contact: Contact) -> Actor:
        return cls(AuthorType.CUSTOMER, contact=contact)

    @classmethod
    def for_token(cls, token: ApiToken) -> Actor:
        return cls(AuthorType.AGENT, agent=token.agent, token=token)

    @classmethod
    def system(cls) -> Actor:
        return cls(AuthorType.SYSTEM)

    @property
    def label(self) -> str:
        if self.agent is not None:
            return self.agent.public_name
        if self.token is not None:
            return f"API: {self.token.name}"
        if self.contact is not None:
            return self.contact.display_name
        return self.type


def next_conversation_number() -> int:
    """Allocate the next human-readable number; the row update serializes concurrent callers."""
    return next_conversation_numbers(1)[0]


def next_conversation_numbers(count: int) -> list[int]:
    """Allocate `count` consecutive numbers at once (a batch of new conversations)."""
    with transaction.atomic():
        updated = NumberSequence.objects.filter(name="conversation").update(last_value=F("last_value") + count)
        if not updated:
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(name="conversation", last_value=10000 + count)
                    return list(range(10001, 10001 + count))
            except IntegrityError:
                NumberSequence.objects.filter(name="conversation").update(last_value=F("last_value") + count)
        last = NumberSequence.objects.get(name="conversation").last_value
        return list(range(last - count + 1, last + 1))


def _audit(conversation: Conversation, actor: Actor, action: str, field: str = "",
           old: object = "", new: object = "") -> AuditEvent:
    entry = audit_entry(conversation, actor, action, field, old, new)
    entry.save(force_insert=True)
    return entry


def audit_entry(conversation: Conversation, actor: Actor, action: str, field: str = "",
                old: object = "", new: object = "") -> AuditEvent:
    """An audit trail line, not yet saved (kefu.conversations.bulk inserts many at once)."""
    return AuditEvent(
        conversation=conversation, actor_type=actor.type, actor_agent=actor.agent, actor_label=actor.label[:200],
        action=action, field=field, old_value=str(old or "")[:300], new_value=str(new or "")[:300],
    )


def _check_body(body: str, has_attachments: bool) -> str:
    body = (body or "").strip()
    if len(body) > settings.KEFU_MAX_MESSAGE_CHARS:
        raise MessageTooLong(
            _("A message may hold at most %(limit)s characters; this one has %(length)s.")
            % {"limit": settings.KEFU_MAX_MESSAGE_CHARS, "length": len(body)}
        )
    if not body and not has_attachments:
        raise InvalidInput(_("A message needs some text or an attachment."))
    return body


def _check_client_id(client_id: str | None) -> str | None:
    if client_id is None or client_id == "":
        return None
    if len(client_id) > MAX_CLIENT_ID:
        raise InvalidInput(f"client_id may be at most {MAX_CLIENT_ID} characters")
    return client_id


def _claim_attachments(ids: Iterable[int], actor: Actor) -> list[Attachment]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    owned = Attachment.objects.filter(pk__in=ids, message__isnull=True)
    if actor.contact is not None:
        owned = owned.filter(uploaded_by_contact=actor.contact)
    elif actor.token is not None:
        owned = owned.filter(uploaded_by_token=actor.token)
    elif actor.agent is not None:
        owned = owned.filter(uploaded_by_agent=actor.agent)
    found = list(owned)
    if len(found) != len(ids):
        missing = sorted(set(ids) - {a.pk for a in found})
        raise InvalidInput(f"unknown or already used attachment ids: {missing}")
    return found


def _existing_message(conversation_id: int, client_id: str | None) -> Message | None:
    if client_id is None:
        return None
    try:
        return Message.objects.get(conversation_id=conversation_id, client_id=client_id)
    except Message.DoesNotExist:
        return None


def _remember_attachments(message: Message, attachments: list[Attachment]) -> None:
    """Fill `message.attachments.all()` from what we just linked, so payloads need no query.

    This is the cache Django's own prefetch_related fills."""
    related = message.attachments.all()
    related._result_cache = attachments
    related._prefetch_done = True
    message._prefetched_objects_cache = {"attachments": related}


def post_message(
    conversation: Conversation,
    actor: Actor,
    body: str,
    *,
    internal: bool = False,
    client_id: str | None = None,
    attachment_ids: Iterable[int] = (),
    author_type: str | None = None,
    meta: dict | None = None,
    _draft: hooks.MessageDraft | None = None,
) -> tuple[Message, bool]:
    """Add a message or internal note to a conversation.

    Returns (message, created). A `client_id` already stored in this conversation returns the stored
    message and writes nothing. The message filters of kefu.conversations.hooks run first, before the
    transaction (they may rewrite the body or refuse the message). Side effects: status moves (customer
    writes -> open; first public agent reply -> open and first_reply_at), audit entry for those moves,
    `message.created` event, `message_created` hooks after commit. `message.conversation` is the
    conversation as this message left it.
    """
    return _post(conversation.pk, actor, body, internal=internal, client_id=client_id,
                 attachment_ids=attachment_ids, author_type=author_type, meta=meta, draft=_draft,
                 given=conversation)


def post_customer_message(
    contact: Contact,
    inbox: Inbox,
    conversation_id: int,
    body: str,
    *,
    client_id: str | None = None,
    attachment_ids: Iterable[int] = (),
) -> tuple[Message, bool]:
    """The customer writes into one of their own conversations in `inbox` (the widget's send).

    Like `post_message`, but the conversation is named by id and checked to be this contact's in this
    inbox on the locked row itself (NotFound otherwise, never another contact's), so a message costs
    no separate ownership look-up; the message filters then run on that row, inside the transaction
    (for a customer's message they only change the draft). `message.conversation` is the conversation
    as this message left it.
    """
    return _post(conversation_id, Actor.for_customer(contact), body, client_id=client_id,
                 attachment_ids=attachment_ids, owner=(contact, inbox))


def _post(conversation_id: int, actor: Actor, body: str, *, internal: bool = False, client_id: str | None = None,
          attachment_ids: Iterable[int] = (), author_type: str | None = None, meta: dict | None = None,
          draft: hooks.MessageDraft | None = None, given: Conversation | None = None,
          owner: tuple[Contact, Inbox] | None = None) -> tuple[Message, bool]:
    client_id = _check_client_id(client_id)
    attachment_ids = list(attachment_ids)
    body = _check_body(body, bool(attachment_ids))
    author_type = author_type or actor.type
    if author_type not in AuthorType.values:
        raise InvalidInput(f"author_type must be one of {', '.join(AuthorType.values)}")
    if internal and author_type != AuthorType.AGENT:
        raise InvalidInput(_("Only agents can write internal notes."))
    # No look-up of the client_id first: the unique constraint refuses a retry's insert, and the
    # IntegrityError path below answers with the stored message (one statement less per message).
    request = (actor, author_type, body, internal, meta, client_id)
    if draft is None and given is not None:
        # Before the transaction, as filters always ran: one that keeps a record when it refuses (the
        # outbound guard's blocked-message log) must not see it rolled back.
        draft = _filter(given, *request)
        if isinstance(draft, Message):
            return draft, False
    try:
        with transaction.atomic():
            conversation = _lock_conversation(conversation_id, owner)
            if conversation.is_closed:
                existing = _existing_message(conversation_id, client_id)
                if existing is not None:  # a retry of a message stored before the conversation closed
                    return existing, False
                raise ConversationClosed(
                    _("Conversation #%(number)s is closed; start a new one.") % {"number": conversation.number})
            if draft is None:
                draft = _filter(conversation, *request)
                if isinstance(draft, Message):
                    return draft, False
            return _insert_message(conversation, actor, author_type, draft, client_id, attachment_ids)
    except IntegrityError:
        # A retry with this client_id (or a concurrent one that won the race): answer with its message.
        # Ownership was checked on the locked row before the insert was tried.
        existing = _existing_message(conversation_id, client_id)
        if existing is None:
            raise
        return existing, False


def _filter(conversation: Conversation, actor: Actor, author_type: str, body: str, internal: bool,
            meta: dict | None, client_id: str | None) -> hooks.MessageDraft | Message:
    """The draft after the message filters; or, when a filter refuses a message whose client_id is
    already stored (a retry), that stored message."""
    try:
        return hooks.run_message_filters(hooks.MessageDraft(
            conversation=conversation, actor=actor, author_type=author_type, body=body, internal=internal,
            language=conversation.language, meta=dict(meta or {}),
        ))
    except KefuError:
        existing = _existing_message(conversation.pk, client_id)
        if existing is None:
            raise
        return existing


def _lock_conversation(conversation_id: int, owner: tuple[Contact, Inbox] | None) -> Conversation:
    """The conversation row, locked for this transaction, with its contact and inbox. With `owner`
    (contact, inbox) only if it belongs to them: NotFound otherwise, as if it did not exist; the inbox
    is then the caller's (its id was just matched; the contact is read fresh, its name and language go
    into the events)."""
    found = Conversation.objects.select_for_update(of=("self",))
    if owner is None:
        found = found.select_related("contact", "inbox")
    else:
        found = found.select_related("contact").filter(contact_id=owner[0].pk, inbox_id=owner[1].pk)
    try:
        conversation = found.get(pk=conversation_id)
    except Conversation.DoesNotExist:
        if owner is None:
            raise
        raise NotFound(_("No such conversation.")) from None
    if owner is not None:
        conversation.inbox = owner[1]
    return conversation


def _insert_message(conversation: Conversation, actor: Actor, author_type: str, draft: hooks.MessageDraft,
                    client_id: str | None, attachment_ids: list[int]) -> tuple[Message, bool]:
    """Store the message on the locked conversation row (the caller's transaction); events and hooks
    are queued for after commit."""
    internal = draft.internal
    now = timezone.now()
    conversation.last_seq += 1
    # The insert comes first: a retry's duplicate client_id fails here, before its attachments (already
    # linked to the stored message) would be refused as used.
    message = Message.objects.create(
        conversation=conversation, seq=conversation.last_seq, author_type=author_type,
        author_agent=actor.agent if author_type == AuthorType.AGENT else None,
        author_contact=conversation.contact if author_type == AuthorType.CUSTOMER else None,
        body=draft.body, internal=internal, client_id=client_id, meta=draft.meta,
    )
    attachments = _claim_attachments(attachment_ids, actor)
    if attachments:
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(message=message)
        for attachment in attachments:
            attachment.message = message
    _remember_attachments(message, attachments)
    fields = ["last_seq", "updated_at"]
    if not internal:
        conversation.last_message_at = now
        fields.append("last_message_at")
        fields += _status_after_message(conversation, actor, author_type, now)
    if author_type == AuthorType.CUSTOMER:
        conversation.customer_read_seq = conversation.last_seq
        fields.append("customer_read_seq")
    elif author_type == AuthorType.AGENT:
        conversation.agent_read_seq = conversation.last_seq
        fields.append("agent_read_seq")
    conversation.save(update_fields=fields)
    events.message_created(conversation, message)
    hooks.run_after_commit(draft.after_commit, message)
    hooks.dispatch("message_created", conversation, message)
    if "status" in fields:
        events.conversation_updated(conversation, ["status"], {})
        hooks.dispatch("conversation_updated", conversation, ["status"], {})
    return message, True


def _status_after_message(conversation: Conversation, actor: Actor, author_type: str, now) -> list[str]:
    """Move the status the way a customer or a public agent reply implies; returns changed fields."""
    old = conversation.status
    fields: list[str] = []
    if author_type == AuthorType.CUSTOMER and old in {Status.PENDING, Status.SOLVED, Status.ON_HOLD}:
        conversation.status = Status.OPEN
        conversation.resolved_at = None
        fields += ["status", "resolved_at"]
    elif author_type == AuthorType.AGENT:
        if conversation.first_reply_at is None:
            conversation.first_reply_at = now
            fields.append("first_reply_at")
        if old == Status.NEW:
            conversation.status = Status.OPEN
            fields.append("status")
    if conversation.status != old:
        _audit(conversation, actor, "status_changed", "status", old, conversation.status)
    return fields


@transaction.atomic
def create_conversation(
    inbox: Inbox,
    contact: Contact,
    actor: Actor,
    *,
    body: str,
    subject: str = "",
    client_id: str | None = None,
    language: str | None = None,
    category: str = "",
    priority: str = Priority.NORMAL,
    attachment_ids: Iterable[int] = (),
    author_type: str = AuthorType.CUSTOMER,
    meta: dict | None = None,
) -> tuple[Conversation, bool]:
    """Open a conversation with its first message. Returns (conversation, created).

    A `client_id` whose first message already opened a conversation for this contact returns that
    conversation. Side effects: audit `created`, `conversation.created` and `message.created` events.
    """
    client_id = _check_client_id(client_id)
    attachment_ids = list(attachment_ids)
    body = _check_body(body, bool(attachment_ids))
    if client_id:
        first = Message.objects.filter(
            conversation__contact=contact, conversation__inbox=inbox, client_id=client_id, seq=1,
        ).select_related("conversation").first()
        if first is not None:
            return first.conversation, False
    _validate_choice("category", category, Category, allow_blank=True)
    _validate_choice("priority", priority, Priority)
    if len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"subject may be at most {MAX_SUBJECT} characters")
    language = normalize_language(language or contact.language)
    draft = hooks.run_message_filters(hooks.MessageDraft(
        conversation=None, inbox_=inbox, contact_=contact, actor=actor, author_type=author_type, body=body,
        language=language, meta=dict(meta or {}), subject=subject.strip(),
    ))
    conversation = Conversation.objects.create(
        number=next_conversation_number(), inbox=inbox, contact=contact,
        subject=draft.subject.strip()[:MAX_SUBJECT] or _subject_from(draft.body), language=language,
        category=category, priority=priority, team=inbox.default_team, last_message_at=timezone.now(),
    )
    _audit(conversation, actor, "created")
    events.conversation_created(conversation)
    draft.conversation = conversation
    post_message(conversation, actor, draft.body, client_id=client_id, attachment_ids=attachment_ids,
                 author_type=author_type, _draft=draft)
    conversation.refresh_from_db()
    # After the first message's `message_created` hooks: handlers see the conversation with its message.
    hooks.dispatch("conversation_created", conversation)
    return conversation, True


def _subject_from(body: str) -> str:
    first_line = (body or "").strip().splitlines()[0] if (body or "").strip() else ""
    return first_line[:80]


def _validate_choice(name: str, value: str, choices, allow_blank: bool = False) -> None:
    if allow_blank and value == "":
        return
    if value not in choices.values:
        raise InvalidInput(f"{name} must be one of: {', '.join(choices.values)}")


@dataclass
class Changes:
    """A set of field changes requested in one action (console form or API PATCH)."""

    status: str | None = None
    priority: str | None = None
    category: str | None = None
    subject: str | None = None
    assignee: Agent | None = None
    unassign: bool = False
    team: Team | None = None
    clear_team: bool = False
    tags: list[str] | None = None


def update_conversation(conversation: Conversation, actor: Actor, changes: Changes) -> Conversation:
    """Apply status/priority/category/subject/assignee/team/tag changes in one transaction.

    Each changed field gets its own audit entry; one `conversation.updated` event goes out listing
    them. Closed conversations accept no change except nothing.
    """
    with transaction.atomic():
        conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
        before = {"team_id": conv.team_id, "assignee_id": conv.assignee_id}
        changed = _apply_changes(conv, actor, changes)
        if changed:
            conv.save()
            events.conversation_updated(conv, changed, before)
            hooks.dispatch("conversation_updated", conv, changed, before)
    return conv


def _apply_changes(conv: Conversation, actor: Actor, changes: Changes) -> list[str]:
    if conv.is_closed:
        raise ConversationClosed(_("Conversation #%(number)s is closed.") % {"number": conv.number})
    changed: list[str] = []

    def record(field: str, old, new) -> None:
        _audit(conv, actor, f"{field}_changed", field, old, new)
        changed.append(field)

    if changes.status is not None and changes.status != conv.status:
        _validate_choice("status", changes.status, Status)
        record("status", conv.status, changes.status)
        conv.status = changes.status
        conv.resolved_at = timezone.now() if changes.status in RESOLVED_STATUSES else None
    if changes.priority is not None and changes.priority != conv.priority:
        _validate_choice("priority", changes.priority, Priority)
        record("priority", conv.priority, changes.priority)
        conv.priority = changes.priority
    if changes.category is not None and changes.category != conv.category:
        _validate_choice("category", changes.category, Category, allow_blank=True)
        record("category", conv.category, changes.category)
        conv.category = changes.category
    if changes.subject is not None and changes.subject.strip() != conv.subject:
        if len(changes.subject) > MAX_SUBJECT:
            raise InvalidInput(f"subject may be at most {MAX_SUBJECT} characters")
        record("subject", conv.subject, changes.subject.strip())
        conv.subject = changes.subject.strip()
    _apply_assignment(conv, changes, record)
    if changes.tags is not None:
        _apply_tags(conv, changes.tags, record)
    return changed


def _apply_assignment(conv: Conversation, changes: Changes, record) -> None:
    if changes.unassign and conv.assignee_id is not None:
        record("assignee", conv.assignee.public_name, "")
        conv.assignee = None
    elif changes.assignee is not None and changes.assignee.pk != conv.assignee_id:
        if not changes.assignee.is_active:
            raise InvalidInput(_("Agent %(name)s is not active.") % {"name": changes.assignee.public_name})
        record("assignee", conv.assignee.public_name if conv.assignee else "", changes.assignee.public_name)
        conv.assignee = changes.assignee
    if changes.clear_team and conv.team_id is not None:
        record("team", conv.team.name, "")
        conv.team = None
    elif changes.team is not None and changes.team.pk != conv.team_id:
        record("team", conv.team.name if conv.team else "", changes.team.name)
        conv.team = changes.team


def _apply_tags(conv: Conversation, names: list[str], record) -> None:
    wanted = sorted({n.strip().lower() for n in names if n and n.strip()})
    if len(wanted) > MAX_TAGS:
        raise InvalidInput(_("A conversation may have at most %(count)s tags.") % {"count": MAX_TAGS})
    if any(len(n) > 50 for n in wanted):
        raise InvalidInput(_("A tag may be at most 50 characters."))
    current = sorted(conv.tags.values_list("name", flat=True))
    if wanted == current:
        return
    tags = [Tag.objects.get_or_create(name=n)[0] for n in wanted]
    conv.tags.set(tags)
    record("tags", ", ".join(current), ", ".join(wanted))


def mark_read(conversation: Conversation, reader: str, seq: int) -> int:
    """Record that the customer or the agents have read up to `seq`; publishes `read` if it moved."""
    if reader not in {AuthorType.CUSTOMER, AuthorType.AGENT}:
        raise InvalidInput("reader must be customer or agent")
    field = "customer_read_seq" if reader == AuthorType.CUSTOMER else "agent_read_seq"
    seq = int(seq)
    with transaction.atomic():
        moved = Conversation.objects.filter(
            pk=conversation.pk, last_seq__gte=seq, **{f"{field}__lt": seq}
        ).update(**{field: seq})
        if moved:
            setattr(conversation, field, seq)
            events.read_moved(conversation, reader, seq)
    return seq


def get_conversation_for_contact(contact: Contact, conversation_id: int, inbox: Inbox | None = None) -> Conversation:
    """The contact's own conversation (in `inbox` if given), or NotFound (never another contact's)."""
    found = Conversation.objects.filter(pk=conversation_id, contact=contact).select_related("contact")
    if inbox is not None:
        found = found.filter(inbox=inbox)
    conversation = found.first()
    if conversation is None:
        raise NotFound(_("No such conversation."))
    return conversation
