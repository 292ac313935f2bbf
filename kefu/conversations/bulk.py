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

from kefu.conversations import events, hooks, selectors
from kefu.conversations.models import Attachment, Conversation, Message
from kefu.conversations.payloads import message_payload
from kefu.conversations.services import (
    Actor,
    _check_body,
    _check_client_id,
    _status_after_message,
    post_message,
)
from kefu.conversations.taxonomy import AuthorType, Status
from kefu.core.errors import ConversationClosed, InvalidInput, KefuError, NotFound
from kefu.core.events import publish_many

MAX_BATCH = 500


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


def _validate(item: BatchItem) -> KefuError | None:
    try:
        item.client_id = _check_client_id(item.client_id)
        item.body = _check_body(item.body, False)
        if item.author_type not in (AuthorType.AGENT, AuthorType.CUSTOMER):
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
        error = _validate(item)
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
    # Repeats of a client_id within the batch answer with what its first use got.
    for index, result in enumerate(results):
        if result is not None and result.status < 0:
            first = results[-result.status - 1]
            results[index] = BatchResult(200, message=first.message) if first.message else first
    return results  # type: ignore[return-value]


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
        else:
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
    no_attachments = Attachment.objects.none()
    no_attachments._result_cache, no_attachments._prefetch_done = [], True
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
    for pk in sorted(status_moved):
        events.conversation_updated(locked[pk], ["status"], {})
    hooks.dispatch_many("conversation_updated", [(locked[pk], ["status"], {}) for pk in sorted(status_moved)])


def _one(actor: Actor, item: BatchItem, conversation: Conversation) -> BatchResult:
    try:
        message, created = post_message(conversation, actor, item.body, internal=item.internal,
                                        client_id=item.client_id, author_type=item.author_type, meta=item.meta)
    except KefuError as error:
        return BatchResult(error.status, error=error)
    return BatchResult(201 if created else 200, message=message)

