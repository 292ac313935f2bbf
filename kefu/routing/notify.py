"""Real-time events routing publishes, and waking the assigner."""

from __future__ import annotations

from kefu.accounts.models import Agent
from kefu.conversations.events import customer_group, customer_group_name
from kefu.conversations.models import Conversation
from kefu.core.events import publish

QUEUE_GROUP = "agents.all"  # supervisors' consoles: the Queues page listens here


def queue_event(conversation_id: int, position: int, estimated_wait_seconds: int | None,
                assigned: bool = False, team: str = "", surge: bool = False) -> dict:
    """The customer-facing `queue.updated` event (documented in docs/routing.md)."""
    return {
        "type": "queue.updated", "conversation_id": conversation_id, "position": position,
        "estimated_wait_seconds": estimated_wait_seconds, "assigned": assigned, "surge": surge,
    }


def assigned(conversation: Conversation) -> None:
    """Tell the customer they are no longer waiting (position 0)."""
    publish([customer_group(conversation)], queue_event(conversation.pk, 0, 0, assigned=True))


def queue_position(contact_id: int, inbox_id: int, conversation_id: int, position: int,
                   estimated_wait_seconds: int | None, surge: bool = False) -> None:
    publish([customer_group_name(contact_id, inbox_id)],
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
