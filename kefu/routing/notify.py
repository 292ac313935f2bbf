"""Real-time events routing publishes, and waking the assigner."""

from __future__ import annotations

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from kefu.accounts.models import Agent
from kefu.conversations.events import customer_group, customer_group_name
from kefu.conversations.models import Conversation
from kefu.core.events import publish

log = logging.getLogger(__name__)
QUEUE_GROUP = "agents.all"  # supervisors' consoles: the Queues page listens here


def queue_event(conversation_id: int, position: int, estimated_wait_seconds: int | None,
                assigned: bool = False, team: str = "", surge: bool = False) -> dict:
    """The customer-facing `queue.updated` event (documented in docs/routing.md)."""
    return {
        "type": "queue.updated", "conversation_id": conversation_id, "position": position,
        "estimated_wait_seconds": estimated_wait_seconds, "assigned": assigned, "surge": surge,
    }


def publish_each(items: list[tuple[str, dict]]) -> None:
    """Send one event to each group after commit, in one hop to the event loop (not one per event).

    Like kefu.core.events.publish, for the many different customer events one assigner pass makes."""
    if not items:
        return
    items = [(group, {**event, "event_id": uuid.uuid4().hex}) for group, event in items]
    transaction.on_commit(lambda: _send_each(items))


def _send_each(items: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(_send_each_async)(layer, items)


async def _send_each_async(layer, items: list[tuple[str, dict]]) -> None:
    for group, event in items:
        try:
            await layer.group_send(group, {"type": "kefu.event", "event": event})
        except Exception:  # a broken layer must never undo a committed write
            log.exception("could not publish %s to %s", event.get("type"), group)


def assigned(conversations: list[Conversation]) -> None:
    """Tell these customers they are no longer waiting (position 0)."""
    publish_each([(customer_group(c), queue_event(c.pk, 0, 0, assigned=True)) for c in conversations])


def queue_position(contact_id: int, inbox_id: int, conversation_id: int, position: int,
                   estimated_wait_seconds: int | None, surge: bool = False) -> tuple[str, dict]:
    """The (group, event) that tells a waiting customer their place; send with publish_each."""
    return (customer_group_name(contact_id, inbox_id),
            queue_event(conversation_id, position, estimated_wait_seconds, surge=surge))


def presence_changed(agent: Agent) -> None:
    publish([QUEUE_GROUP, f"agents.agent.{agent.pk}"], {
        "type": "presence.updated", "agent_id": agent.pk, "presence": agent.presence,
        "automatic": agent.presence_automatic,
    })


def wake_assigner(teams=None, freed: bool = True) -> None:
    """Ask this process's assigner loop to look at these queues now (None: all); with none here, assign inline.

    `freed`: capacity may have freed up. A new arrival (freed=False) in a queue whose agents are all
    full does not make the loop look again: only freed capacity can move that queue."""
    from kefu.routing import assigner

    assigner.wake(teams, freed=freed)
