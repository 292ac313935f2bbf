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
_handlers: dict[str, list[Callable[..., None]]] = {
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


def _register(kind: str, fn: Callable) -> Callable:
    if all(_name(existing) != _name(fn) for existing in _handlers[kind]):
        _handlers[kind].append(fn)
    return fn


def on_conversation_created(fn: Callable[[Conversation], None]) -> Callable:
    """Call ``fn(conversation)`` after a new conversation (with its first message) is committed."""
    return _register("conversation_created", fn)


def on_message_created(fn: Callable[[Conversation, Message], None]) -> Callable:
    """Call ``fn(conversation, message)`` after any message or note is committed (internal included)."""
    return _register("message_created", fn)


def on_conversation_updated(fn: Callable[[Conversation, list[str], dict], None]) -> Callable:
    """Call ``fn(conversation, changed_fields, before)`` after a change; ``before`` has the old
    ``team_id`` and ``assignee_id``."""
    return _register("conversation_updated", fn)


def run_message_filters(draft: MessageDraft) -> MessageDraft:
    """Run every filter on the draft; a filter's domain error propagates and nothing is written."""
    for _, _, fn in list(_filters):
        fn(draft)
    return draft


def _call_all(kind: str, args: tuple) -> None:
    for fn in list(_handlers[kind]):
        try:
            fn(*args)
        except Exception:
            log.exception("hook %s for %s failed", _name(fn), kind)


def dispatch(kind: str, *args: Any) -> None:
    """Run the handlers of ``kind`` once the surrounding transaction commits (at once if none)."""
    if _handlers[kind]:
        transaction.on_commit(lambda: _call_all(kind, args))


def run_after_commit(callbacks: list[Callable[[Any], None]], message: Message) -> None:
    """Schedule a draft's after-commit callbacks for the stored message."""
    for callback in callbacks:
        def run(cb=callback) -> None:
            try:
                cb(message)
            except Exception:
                log.exception("after-commit callback %s failed", _name(cb))
        transaction.on_commit(run)
