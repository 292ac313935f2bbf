"""Posting many messages in one call: for bridges, imports and integrations that relay at volume.

Each item succeeds or fails on its own (a closed conversation or a bad item never loses the others),
and a retried item with the same `client_id` is stored once, exactly like `services.post_message`.
The accepted items are written in one transaction with a handful of statements, whatever their
number: that is what makes a batch far cheaper per message than single requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent
from kefu.channels.models import Inbox
from kefu.contacts.models import Contact
from kefu.conversations import events, hooks, selectors
from kefu.conversations.models import Attachment, AuditEvent, Conversation, Message
from kefu.conversations.payloads import message_payload
from kefu.conversations.services import (
    MAX_SUBJECT,
    Actor,
    _check_body,
    _check_client_id,
    _status_after_message,
    _subject_from,
    _validate_choice,
    audit_entry,
    create_conversation,
    next_conversation_numbers,
    post_message,
)
from kefu.conversations.taxonomy import AuthorType, Category, Priority, Status
from kefu.core.errors import ConversationClosed, InvalidInput, KefuError, NotFound
from kefu.core.events import publish_many
from kefu.core.i18n import normalize_language

MAX_BATCH = 500
MAX_NEW_CONVERSATIONS = 200


@dataclass
class BatchItem:
    conversation_id: int
    body: str
    client_id: str | None = None
    internal: bool = False
    author_type: str = AuthorType.AGENT
    meta: dict = field(default_factory=dict)


@dataclass
class BatchResult:
    """One item's outcome: 201 stored now, 200 stored before (same client_id), else an error."""

    status: int
    message: Message | None = None
    error: KefuError | None = None
    payload: dict | None = None  # the message as events carry it, when already built


def _validate(item: BatchItem, actor: Actor) -> KefuError | None:
    try:
        item.client_id = _check_client_id(item.client_id)
        item.body = _check_body(item.body, False)
        # The bot posts its replies through here too (kefu.assistant's batch form); integrations cannot.
        allowed = (AuthorType.AGENT, AuthorType.CUSTOMER, *((AuthorType.BOT,) if actor.type == AuthorType.BOT else ()))
        if item.author_type not in allowed:
            raise InvalidInput("author_type must be agent or customer")
        if item.internal and item.author_type != AuthorType.AGENT:
            raise InvalidInput(_("Only agents can write internal notes."))
    except KefuError as error:
        return error
    return None


def post_messages(actor: Actor, items: list[BatchItem]) -> list[BatchResult]:
    """Store many messages (replies, notes or relayed customer words) for an integration.

    Returns one result per item, in order. Side effects per stored message are those of
    `post_message`: status moves with their audit entries, `message.created` events (sent in one
    batch after commit), `message_created` hooks.
    """
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"a batch may hold at most {MAX_BATCH} messages")
    results: list[BatchResult | None] = [None] * len(items)
    for index, item in enumerate(items):
        error = _validate(item, actor)
        if error is not None:
            results[index] = BatchResult(error.status, error=error)
    wanted = {item.conversation_id for item, result in zip(items, results, strict=True) if result is None}
    visible = {c.pk: c for c in selectors.visible_conversations(actor.agent, for_list=False)
               .filter(pk__in=wanted).select_related("contact", "inbox")}
    _mark_known(items, results, visible)
    drafts = _filter(actor, items, results, visible)
    pending = [i for i, result in enumerate(results) if result is None]
    if pending:
        try:
            with transaction.atomic():
                _insert(actor, items, results, drafts, pending, visible)
        except IntegrityError:
            # A concurrent request stored one of these client_ids first: fall back to one at a time,
            # which answers with the stored message for that one.
            for index in pending:
                results[index] = _one(actor, items[index], visible[items[index].conversation_id])
    return _answer_repeats(results, lambda first: BatchResult(200, message=first.message) if first.message else first)


def _answer_repeats(results: list, again):
    """A client_id repeated within a batch was marked with -(index of its first use) - 1: answer it with
    `again(first use's result)`."""
    for index, result in enumerate(results):
        if result is not None and result.status < 0:
            results[index] = again(results[-result.status - 1])
    return results


def _mark_known(items: list[BatchItem], results: list, visible: dict[int, Conversation]) -> None:
    """Unknown conversations get 404; client_ids stored before (or earlier in this batch) get 200."""
    for index, item in enumerate(items):
        if results[index] is None and item.conversation_id not in visible:
            error = NotFound(f"no conversation with id {item.conversation_id}")
            results[index] = BatchResult(error.status, error=error)
    keys = {(item.conversation_id, item.client_id) for item, result in zip(items, results, strict=True)
            if result is None and item.client_id}
    if not keys:
        return
    # Two IN lists (cheap to build, unlike one OR branch per conversation); the database probes the
    # (conversation, client_id) index for their cross product and the pairs are picked out here.
    candidates = Message.objects.filter(conversation_id__in=sorted({c for c, _ in keys}),
                                        client_id__in=sorted({k for _, k in keys})).order_by()
    stored = {(m.conversation_id, m.client_id): m for m in candidates
              if (m.conversation_id, m.client_id) in keys}
    first_in_batch: dict[tuple[int, str], int] = {}
    needs_files: list[Message] = []
    for index, item in enumerate(items):
        if results[index] is not None or not item.client_id:
            continue
        key = (item.conversation_id, item.client_id)
        if key in stored:
            results[index] = BatchResult(200, message=stored[key])
            needs_files.append(stored[key])
        elif key in first_in_batch:
            results[index] = BatchResult(-first_in_batch[key] - 1)  # resolved after the insert
        else:
            first_in_batch[key] = index
    prefetch_related_objects(needs_files, "attachments")


def _filter(actor: Actor, items: list[BatchItem], results: list,
            visible: dict[int, Conversation]) -> dict[int, hooks.MessageDraft]:
    drafts = {}
    for index, item in enumerate(items):
        if results[index] is not None:
            continue
        conversation = visible[item.conversation_id]
        try:
            drafts[index] = hooks.run_message_filters(hooks.MessageDraft(
                conversation=conversation, actor=actor, author_type=item.author_type, body=item.body,
                internal=item.internal, language=conversation.language, meta=dict(item.meta or {}),
            ))
        except KefuError as error:
            results[index] = BatchResult(error.status, error=error)
    return drafts


MUTABLE = ("last_seq", "status", "resolved_at", "first_reply_at", "last_message_at", "customer_read_seq",
           "agent_read_seq")


def _lock(ids: list[int], visible: dict[int, Conversation]) -> dict[int, Conversation]:
    """Lock the rows (in id order, so two batches cannot deadlock) and refresh what may have moved."""
    locked = {}
    for row in (Conversation.objects.select_for_update().filter(pk__in=ids).order_by("pk")
                .values_list("pk", *MUTABLE)):
        conversation = visible[row[0]]
        for name, value in zip(MUTABLE, row[1:], strict=True):
            setattr(conversation, name, value)
        locked[row[0]] = conversation
    return locked


def _save_conversations(conversations: list[Conversation], now) -> None:
    """One UPDATE statement executed for many rows: far cheaper than bulk_update's CASE expressions."""
    ops = connection.ops
    table = connection.ops.quote_name(Conversation._meta.db_table)
    fields = [Conversation._meta.get_field(name) for name in (*MUTABLE, "updated_at")]
    assignments = ", ".join(f"{ops.quote_name(f.column)} = %s" for f in fields)
    rows = []
    for conversation in conversations:
        conversation.updated_at = now
        rows.append([f.get_db_prep_save(getattr(conversation, f.attname), connection) for f in fields]
                    + [conversation.pk])
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {ops.quote_name('id')} = %s", rows)


def _insert(actor: Actor, items: list[BatchItem], results: list, drafts: dict[int, hooks.MessageDraft],
            pending: list[int], visible: dict[int, Conversation]) -> None:
    locked = _lock(sorted({items[i].conversation_id for i in pending}), visible)
    now = timezone.now()
    new_messages: list[tuple[int, Message]] = []
    status_moved: set[int] = set()
    for index in pending:
        item, draft = items[index], drafts[index]
        conversation = locked[item.conversation_id]
        if conversation.status == Status.CLOSED:
            error = ConversationClosed(
                _("Conversation #%(number)s is closed; start a new one.") % {"number": conversation.number})
            results[index] = BatchResult(error.status, error=error)
            continue
        conversation.last_seq += 1
        message = Message(
            conversation=conversation, seq=conversation.last_seq, author_type=item.author_type,
            author_agent=actor.agent if item.author_type == AuthorType.AGENT else None,
            author_contact=conversation.contact if item.author_type == AuthorType.CUSTOMER else None,
            body=draft.body, internal=draft.internal, client_id=item.client_id, meta=draft.meta,
        )
        new_messages.append((index, message))
        if not draft.internal:
            conversation.last_message_at = now
            moved = _status_after_message(conversation, actor, item.author_type, now)
            if "status" in moved:
                status_moved.add(conversation.pk)
        if item.author_type == AuthorType.CUSTOMER:
            conversation.customer_read_seq = conversation.last_seq
        elif item.author_type == AuthorType.AGENT:
            conversation.agent_read_seq = conversation.last_seq
    if not new_messages:
        return
    Message.objects.bulk_create([m for _, m in new_messages])
    _save_conversations([locked[pk] for pk in sorted({m.conversation_id for _, m in new_messages})], now)
    _announce(actor, items, results, drafts, new_messages, locked, status_moved)


def _announce(actor, items, results, drafts, new_messages, locked, status_moved) -> None:
    published = []
    created = []
    views: dict[int, tuple] = {}  # every event carries its conversation's state after the whole batch
    no_attachments = _empty(Attachment.objects.none())
    for index, message in new_messages:
        message.conversation = locked[message.conversation_id]
        message._prefetched_objects_cache = {"attachments": no_attachments}
        if message.conversation_id not in views:
            views[message.conversation_id] = events.conversation_views(message.conversation)
        payload = message_payload(message, [])
        results[index] = BatchResult(201, message=message, payload=payload)
        published += events.message_created_events(message.conversation, message, payload=payload,
                                                   views=views[message.conversation_id])
        hooks.run_after_commit(drafts[index].after_commit, message)
        created.append((message.conversation, message))
    # One call per app for the whole batch (apps with a batch form look things up once, not per message).
    hooks.dispatch_many("message_created", created)
    publish_many(published)  # before the status events, in the order a single post would send them
    _announce_updates([(locked[pk], ["status"], {}) for pk in sorted(status_moved)])


def _one(actor: Actor, item: BatchItem, conversation: Conversation) -> BatchResult:
    try:
        message, created = post_message(conversation, actor, item.body, internal=item.internal,
                                        client_id=item.client_id, author_type=item.author_type, meta=item.meta)
    except KefuError as error:
        return BatchResult(error.status, error=error)
    return BatchResult(201 if created else 200, message=message)



# --- many new conversations ---------------------------------------------------------------------------


@dataclass
class NewConversation:
    """One conversation to open with its first customer message. The customer is `contact`, or found or
    created from `contact_spec` (the keyword arguments of `find_or_create_contacts`) once the item is
    known to be valid, so an item that fails writes no contact either."""

    inbox: Inbox
    body: str
    contact: Contact | None = None
    contact_spec: dict | None = None
    subject: str = ""
    client_id: str | None = None
    language: str | None = None
    category: str = ""
    priority: str = Priority.NORMAL
    meta: dict = field(default_factory=dict)


@dataclass
class NewResult:
    """One item's outcome: 201 opened now, 200 opened before (same client_id), else an error."""

    status: int
    conversation: Conversation | None = None
    error: KefuError | None = None


def create_conversations(actor: Actor, items: list[NewConversation]) -> list[NewResult]:
    """Open many conversations, each with its customer's first message (a relay or import at volume).

    Each item succeeds or fails on its own, exactly as `services.create_conversation` would answer it:
    a `client_id` whose first message already opened a conversation for that contact in that inbox
    answers 200 with it; the message filters run on every first message. The accepted items are
    written in one transaction with a handful of statements. Side effects per conversation are those
    of `create_conversation`: the `created` audit entry, `conversation.created` and `message.created`
    events (sent together after commit), `message_created` then `conversation_created` hooks, each app's
    batch form called once for the whole batch.
    """
    if len(items) > MAX_NEW_CONVERSATIONS:
        raise InvalidInput(f"a batch may open at most {MAX_NEW_CONVERSATIONS} conversations")
    results: list[NewResult | None] = [None] * len(items)
    for index, item in enumerate(items):
        try:
            item.client_id = _check_client_id(item.client_id)
            item.body = _check_body(item.body, False)
            _validate_choice("category", item.category, Category, allow_blank=True)
            _validate_choice("priority", item.priority, Priority)
            if len(item.subject) > MAX_SUBJECT:
                raise InvalidInput(f"subject may be at most {MAX_SUBJECT} characters")
        except KefuError as error:
            results[index] = NewResult(error.status, error=error)
    _resolve_contacts(items, results)
    _known_first_messages(items, results)
    drafts: dict[int, hooks.MessageDraft] = {}
    for index, item in enumerate(items):
        if results[index] is not None:
            continue
        try:
            drafts[index] = hooks.run_message_filters(hooks.MessageDraft(
                conversation=None, inbox_=item.inbox, contact_=item.contact, actor=actor,
                author_type=AuthorType.CUSTOMER, body=item.body, language=item.language,
                meta=dict(item.meta or {}), subject=item.subject.strip(),
            ))
        except KefuError as error:
            results[index] = NewResult(error.status, error=error)
    pending = [index for index, result in enumerate(results) if result is None]
    if pending:
        try:
            with transaction.atomic():
                _open(actor, items, results, drafts, pending)
        except IntegrityError:
            # A concurrent request stored one of these client_ids first: one at a time instead, which
            # answers with that request's conversation.
            for index in pending:
                results[index] = _open_one(actor, items[index])
    return _answer_repeats(
        results, lambda first: NewResult(200, conversation=first.conversation) if first.conversation else first)


def _resolve_contacts(items: list[NewConversation], results: list) -> None:
    """The valid items' customers (one look-up and one insert for all of them), and their language."""
    from kefu.contacts.services import find_or_create_contacts

    wanted = [index for index, item in enumerate(items) if results[index] is None and item.contact is None]
    found = find_or_create_contacts([items[index].contact_spec or {} for index in wanted])
    for index, (contact, _created) in zip(wanted, found, strict=True):
        items[index].contact = contact
    for index, item in enumerate(items):
        if results[index] is None:
            item.language = normalize_language(item.language or item.contact.language)


def _known_first_messages(items: list[NewConversation], results: list) -> None:
    """Items whose client_id already opened a conversation (before, or earlier in this batch)."""
    keys = {(item.contact.pk, item.inbox.pk, item.client_id) for item, result in zip(items, results, strict=True)
            if result is None and item.client_id and item.contact.pk}
    stored = {}
    if keys:
        for message in (Message.objects.filter(seq=1, client_id__in={k for _, _, k in keys},
                                               conversation__contact_id__in={c for c, _, _ in keys})
                        .select_related("conversation").order_by()):
            key = (message.conversation.contact_id, message.conversation.inbox_id, message.client_id)
            if key in keys:
                stored[key] = message.conversation
    first_in_batch: dict[tuple, int] = {}
    for index, item in enumerate(items):
        if results[index] is not None or not item.client_id:
            continue
        key = (item.contact.pk, item.inbox.pk, item.client_id)
        if key in stored:
            results[index] = NewResult(200, conversation=stored[key])
        elif key in first_in_batch:
            results[index] = NewResult(-first_in_batch[key] - 1)  # resolved after the insert
        else:
            first_in_batch[key] = index


def _open(actor: Actor, items: list[NewConversation], results: list, drafts: dict[int, hooks.MessageDraft],
          pending: list[int]) -> None:
    now = timezone.now()
    conversations = []
    for index, number in zip(pending, next_conversation_numbers(len(pending)), strict=True):
        item, draft = items[index], drafts[index]
        conversations.append(Conversation(
            number=number, inbox=item.inbox, contact=item.contact,
            subject=draft.subject.strip()[:MAX_SUBJECT] or _subject_from(draft.body), language=item.language,
            category=item.category, priority=item.priority, team_id=item.inbox.default_team_id,
            last_message_at=now, last_seq=1, customer_read_seq=1,
        ))
    Conversation.objects.bulk_create(conversations)
    AuditEvent.objects.bulk_create([audit_entry(conversation, actor, "created") for conversation in conversations])
    messages = []
    for index, conversation in zip(pending, conversations, strict=True):
        item, draft = items[index], drafts[index]
        messages.append(Message(
            conversation=conversation, seq=1, author_type=AuthorType.CUSTOMER, author_contact=item.contact,
            body=draft.body, internal=False, client_id=item.client_id, meta=draft.meta,
        ))
    Message.objects.bulk_create(messages)
    no_attachments = _empty(Attachment.objects.none())
    published = []
    for index, conversation, message in zip(pending, conversations, messages, strict=True):
        conversation._prefetched_objects_cache = {"tags": _empty(conversation.tags.all())}
        message._prefetched_objects_cache = {"attachments": no_attachments}
        results[index] = NewResult(201, conversation=conversation)
        views = events.conversation_views(conversation)
        published.append((views[0], {"type": "conversation.created", "conversation": views[1]}))
        published += events.message_created_events(conversation, message, payload=message_payload(message, []),
                                                   views=views)
        hooks.run_after_commit(drafts[index].after_commit, message)
    publish_many(published)
    hooks.dispatch_many("message_created", list(zip(conversations, messages, strict=True)))
    hooks.dispatch_many("conversation_created", [(conversation,) for conversation in conversations])


def _empty(queryset):
    """`queryset` marked as fetched and empty (what prefetch_related fills), so payloads need no query."""
    queryset._result_cache, queryset._prefetch_done = [], True
    return queryset


def _open_one(actor: Actor, item: NewConversation) -> NewResult:
    try:
        conversation, created = create_conversation(
            item.inbox, item.contact, actor, body=item.body, subject=item.subject, client_id=item.client_id,
            language=item.language, category=item.category, priority=item.priority, meta=item.meta)
    except KefuError as error:
        return NewResult(error.status, error=error)
    return NewResult(201 if created else 200, conversation=conversation)


# --- one tag on many conversations ------------------------------------------------------------------


def add_tag(conversation_ids: list[int], name: str, actor: Actor) -> list[Conversation]:
    """Add one tag to many conversations, as `update_conversation` with that tag added would for each:
    an audit entry (`tags_changed`), a `conversation.updated` event and `conversation_updated` hooks
    (batch forms once) for every conversation that did not have it. Closed conversations and those
    already at the tag limit are left as they are. Returns the conversations that got the tag."""
    from kefu.conversations.models import Tag
    from kefu.conversations.services import MAX_TAGS

    name = name.strip().lower()
    if not conversation_ids:
        return []
    with transaction.atomic():
        locked = list(Conversation.objects.select_for_update().filter(pk__in=sorted(set(conversation_ids)))
                      .select_related("contact").order_by("pk"))
        through = Conversation.tags.through
        current: dict[int, list[str]] = {c.pk: [] for c in locked}
        for conversation_id, tag_name in (through.objects.filter(conversation_id__in=list(current))
                                          .values_list("conversation_id", "tag__name")):
            current[conversation_id].append(tag_name)
        changed = [c for c in locked if not c.is_closed and name not in current[c.pk]
                   and len(current[c.pk]) < MAX_TAGS]
        if not changed:
            return []
        tag = Tag.objects.get_or_create(name=name)[0]
        through.objects.bulk_create([through(conversation_id=c.pk, tag_id=tag.pk) for c in changed],
                                    ignore_conflicts=True)
        AuditEvent.objects.bulk_create([
            audit_entry(c, actor, "tags_changed", "tags", ", ".join(sorted(current[c.pk])),
                        ", ".join(sorted([*current[c.pk], name])))
            for c in changed])
        now = timezone.now()
        Conversation.objects.filter(pk__in=[c.pk for c in changed]).update(updated_at=now)
        for conversation in changed:
            conversation.updated_at = now
        _announce_updates([(c, ["tags"], {"team_id": c.team_id, "assignee_id": c.assignee_id}) for c in changed])
    return changed


def _announce_updates(updates: list[tuple[Conversation, list[str], dict]]) -> None:
    """`conversation.updated` events of many changes in one hop, then the hooks (batch forms once)."""
    publish_many([item for update in updates for item in events.conversation_updated_events(*update)])
    hooks.dispatch_many("conversation_updated", updates)


# --- many assignments ---------------------------------------------------------------------------------


def assign(pairs: list[tuple[Conversation, Agent]], actor: Actor) -> list[Conversation]:
    """Give each conversation to its agent, as `update_conversation` with `Changes(assignee=agent)` would
    for each: an `assignee_changed` audit entry, a `conversation.updated` event and `conversation_updated`
    hooks (batch forms once), written with a handful of statements for the whole list.

    The caller holds the conversations' row locks in this transaction (the assigner does) and has
    left out resolved ones and inactive agents; a conversation already with that agent is skipped.
    Returns the conversations that changed hands."""
    now = timezone.now()
    audits, updates = [], []
    for conversation, agent in pairs:
        if conversation.assignee_id == agent.pk:
            continue
        before = {"team_id": conversation.team_id, "assignee_id": conversation.assignee_id}
        audits.append(audit_entry(conversation, actor, "assignee_changed", "assignee",
                                  conversation.assignee.public_name if conversation.assignee_id else "",
                                  agent.public_name))
        conversation.assignee = agent
        conversation.updated_at = now
        updates.append((conversation, ["assignee"], before))
    if not updates:
        return []
    with transaction.atomic():
        table = connection.ops.quote_name(Conversation._meta.db_table)
        at = Conversation._meta.get_field("updated_at").get_db_prep_save(now, connection)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET assignee_id = %s, updated_at = %s WHERE id = %s",
                               [(c.assignee_id, at, c.pk) for c, _changed, _before in updates])
        AuditEvent.objects.bulk_create(audits)
        _announce_updates(updates)
    return [c for c, _changed, _before in updates]
