"""Real-time events: services call `publish` and the channel layer fans them out after commit.

Groups:
- ``conv.<id>``: consoles that have this conversation open (typing indicators only).
- ``agents.all``: supervisors and admins (they see every conversation).
- ``agents.team.<id>`` / ``agents.agent.<id>`` / ``agents.unrouted``: who an agent may see.
- ``contact.<id>``: the customer's widget sockets (never receives internal notes).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


async def _send_all(layer, groups: list[str], message: dict[str, Any]) -> None:
    for group in groups:
        try:
            await layer.group_send(group, message)
        except Exception:  # a broken layer must never undo a committed write
            log.exception("could not publish %s to %s", message["event"].get("type"), group)


# Set by `sending_from_the_loop` around a database call made from an async consumer: events committed
# during the call are collected here and sent from the event loop when it returns, instead of each
# commit hopping from the database thread to the loop (async_to_sync) and waiting there.
_collected: ContextVar[list[tuple[list[str], dict[str, Any]]] | None] = ContextVar("kefu_events", default=None)


def _send(groups: list[str], event: dict[str, Any]) -> None:
    collected = _collected.get()
    if collected is not None:
        collected.append((groups, event))
        return
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(_send_all)(layer, groups, {"type": "kefu.event", "event": event})


async def _send_batch(layer, batch: list[tuple[list[str], dict[str, Any]]]) -> None:
    """One channel-layer message per group, carrying that group's events in order (``kefu.events``):
    a batch of 50 messages to a supervisor is one send, not 50. Each conversation's events go to the
    same groups, so a socket that is in several of them still sees one conversation's events in order
    (and drops the copies by event id)."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for groups, event in batch:
        for group in groups:
            by_group.setdefault(group, []).append(event)
    for group, events in by_group.items():
        message = ({"type": "kefu.event", "event": events[0]} if len(events) == 1
                   else {"type": "kefu.events", "events": events})
        try:
            await layer.group_send(group, message)
        except Exception:  # a broken layer must never undo a committed write
            log.exception("could not publish %d events to %s", len(events), group)


def _send_many(batch: list[tuple[list[str], dict[str, Any]]]) -> None:
    collected = _collected.get()
    if collected is not None:
        collected.extend(batch)
        return
    layer = get_channel_layer()
    if layer is not None and batch:
        async_to_sync(_send_batch)(layer, batch)


async def sending_from_the_loop[T](call: Callable[[], Awaitable[T]]) -> T:
    """Await `call()` (a database_sync_to_async call from an async consumer); the events its commits
    publish are sent from this event loop once it returns or fails, in the order they were published,
    one channel-layer message per group (as `publish_many`)."""
    collected: list[tuple[list[str], dict[str, Any]]] = []
    token = _collected.set(collected)
    try:
        return await call()
    finally:
        _collected.reset(token)
        layer = get_channel_layer()
        if layer is not None and collected:
            await _send_batch(layer, collected)


def publish(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send `event` to `groups` once the surrounding transaction commits (at once if none)."""
    group_list = sorted(set(groups))
    # One id per event, so a socket that is in two of the groups can drop the second copy.
    event = {**event, "event_id": uuid.uuid4().hex}
    transaction.on_commit(lambda: _send(group_list, event))


def publish_many(items: Iterable[tuple[Iterable[str], dict[str, Any]]]) -> None:
    """Like `publish` for many events at once: one hop to the event loop for all of them, in order."""
    batch = [(sorted(set(groups)), {**event, "event_id": uuid.uuid4().hex}) for groups, event in items]
    if batch:
        transaction.on_commit(lambda: _send_many(batch))
