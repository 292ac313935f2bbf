"""Where other apps plug into the life of a conversation, without conversations knowing them.

Two kinds of hook, registered from an app's ``AppConfig.ready()``:

- **Message filters** run inside ``post_message``/``create_conversation`` *before* anything is
  written. They see a :class:`MessageDraft` and may rewrite ``draft.body`` (secret redaction), add to
  ``draft.meta``, queue work for after the message is stored (``draft.after_commit``), or refuse the
  message by raising a :class:`kefu.core.errors.KefuError` (the outbound guard). Filters run in
  ``order`` (lower first) and must be fast and free of side effects outside the draft.
- **Lifecycle handlers** run after the transaction that made the change has committed:
  ``conversation_created(conversation)``, ``message_created(conversation, message)`` and
  ``conversation_updated(conversation, changed, before)``. A handler that fails is logged and never
  undoes or blocks the write; slow work belongs in a background task the handler enqueues.

A handler may also give a **batch form** (``many=``): when one transaction stores many messages at once
(``POST /api/v1/messages/batch``), the batch form is called once with the list of argument tuples,
so it can do its look-ups with one query instead of one per message. Without a batch form the handler
is called once per item, in order. A batch form must have the same effect as calling the handler for
each item in turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from kefu.channels.models import Inbox
    from kefu.contacts.models import Contact
    from kefu.conversations.models import Conversation, Message
    from kefu.conversations.services import Actor

log = logging.getLogger(__name__)


@dataclass
class MessageDraft:
    """A message about to be stored. ``conversation`` is None while the first message of a new
    conversation is checked (the conversation's subject is then derived from the filtered body)."""

    conversation: Conversation | None
    actor: Actor
    author_type: str
    body: str
    internal: bool = False
    language: str = ""
    inbox_: Inbox | None = None
    contact_: Contact | None = None
    # The subject given with a new conversation's first message ("" when it is derived from the body);
    # filters that rewrite the body should rewrite this too.
    subject: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    # Called with the stored Message after commit (e.g. send the customer a safety notice).
    after_commit: list[Callable[[Message], None]] = field(default_factory=list)
    # Set by a filter that wants the message stored but not answered by the assistant, etc.
    flags: set[str] = field(default_factory=set)

    @property
    def inbox(self) -> Inbox:
        return self.inbox_ if self.inbox_ is not None else self.conversation.inbox

    @property
    def contact(self) -> Contact:
        return self.contact_ if self.contact_ is not None else self.conversation.contact

    @property
    def is_customer(self) -> bool:
        return self.author_type == "customer"


MessageFilter = Callable[[MessageDraft], None]
_filters: list[tuple[int, str, MessageFilter]] = []
# Per kind: (handler, its batch form or None), in registration order.
_handlers: dict[str, list[tuple[Callable[..., None], Callable[[list[tuple]], None] | None]]] = {
    "conversation_created": [],
    "message_created": [],
    "conversation_updated": [],
}


def _name(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def register_message_filter(fn: MessageFilter, order: int = 100) -> MessageFilter:
    """Run ``fn(draft)`` before every message is stored. Registering the same function twice is a no-op."""
    name = _name(fn)
    if all(existing != name for _, existing, _ in _filters):
        _filters.append((order, name, fn))
        _filters.sort(key=lambda item: (item[0], item[1]))
    return fn


def _register(kind: str, fn: Callable, many: Callable | None = None) -> Callable:
    if all(_name(existing) != _name(fn) for existing, _many in _handlers[kind]):
        _handlers[kind].append((fn, many))
    return fn


def on_conversation_created(fn: Callable[[Conversation], None],
                            many: Callable[[list[tuple[Conversation]]], None] | None = None) -> Callable:
    """Call ``fn(conversation)`` after a new conversation (with its first message) is committed."""
    return _register("conversation_created", fn, many)


def on_message_created(fn: Callable[[Conversation, Message], None],
                       many: Callable[[list[tuple[Conversation, Message]]], None] | None = None) -> Callable:
    """Call ``fn(conversation, message)`` after any message or note is committed (internal included);
    ``many(pairs)``, if given, handles a batch of ``(conversation, message)`` pairs in one call."""
    return _register("message_created", fn, many)


def on_conversation_updated(fn: Callable[[Conversation, list[str], dict], None],
                            many: Callable[[list[tuple[Conversation, list[str], dict]]], None] | None = None,
                            ) -> Callable:
    """Call ``fn(conversation, changed_fields, before)`` after a change; ``before`` has the old
    ``team_id`` and ``assignee_id``."""
    return _register("conversation_updated", fn, many)


def run_message_filters(draft: MessageDraft) -> MessageDraft:
    """Run every filter on the draft; a filter's domain error propagates and nothing is written."""
    for _, _, fn in list(_filters):
        fn(draft)
    return draft


def _call_all(kind: str, args: tuple) -> None:
    for fn, _many in list(_handlers[kind]):
        try:
            fn(*args)
        except Exception:
            log.exception("hook %s for %s failed", _name(fn), kind)


def dispatch(kind: str, *args: Any) -> None:
    """Run the handlers of ``kind`` once the surrounding transaction commits (at once if none)."""
    if _handlers[kind]:
        transaction.on_commit(lambda: _call_all(kind, args))


def _call_all_many(kind: str, batch: list[tuple]) -> None:
    for fn, many in list(_handlers[kind]):
        if many is not None:
            try:
                many(batch)
            except Exception:
                log.exception("hook %s (batch of %d) for %s failed", _name(many), len(batch), kind)
            continue
        for args in batch:
            try:
                fn(*args)
            except Exception:
                log.exception("hook %s for %s failed", _name(fn), kind)


def dispatch_many(kind: str, batch: list[tuple]) -> None:
    """Like :func:`dispatch` for many argument tuples at once; handlers with a batch form get one call."""
    if _handlers[kind] and batch:
        transaction.on_commit(lambda: _call_all_many(kind, list(batch)))


def run_after_commit(callbacks: list[Callable[[Any], None]], message: Message) -> None:
    """Schedule a draft's after-commit callbacks for the stored message."""
    for callback in callbacks:
        def run(cb=callback) -> None:
            try:
                cb(message)
            except Exception:
                log.exception("after-commit callback %s failed", _name(cb))
        transaction.on_commit(run)
