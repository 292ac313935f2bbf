"""Which real-time events a conversation change produces, and who receives them."""

from __future__ import annotations

from collections.abc import Iterable

from kefu.conversations.models import Conversation, Message
from kefu.conversations.payloads import conversation_payload, message_payload
from kefu.core.events import publish, publish_many


def agent_groups(conversation: Conversation, also_team_ids: Iterable[int | None] = (),
                 also_agent_ids: Iterable[int | None] = ()) -> list[str]:
    """Console groups allowed to see this conversation (now, and before a reassignment)."""
    groups = ["agents.all"]
    team_ids = {conversation.team_id, *also_team_ids}
    for team_id in team_ids:
        groups.append(f"agents.team.{team_id}" if team_id else "agents.unrouted")
    for agent_id in {conversation.assignee_id, *also_agent_ids}:
        if agent_id:
            groups.append(f"agents.agent.{agent_id}")
    return groups


def customer_group_name(contact_id: int, inbox_id: int) -> str:
    """The widget sockets of one customer in one inbox (a contact's other channels stay apart)."""
    return f"contact.{contact_id}.inbox.{inbox_id}"


def customer_group(conversation: Conversation) -> str:
    return customer_group_name(conversation.contact_id, conversation.inbox_id)


def customer_view(conversation: Conversation) -> dict:
    """The conversation as its customer sees it, labelled in the customer's language."""
    return conversation_payload(conversation, "customer", conversation.contact.language)


def conversation_created(conversation: Conversation) -> None:
    publish(agent_groups(conversation), {
        "type": "conversation.created", "conversation": conversation_payload(conversation),
    })


def message_created_events(conversation: Conversation, message: Message,
                           attachments: list | None = None, *, payload: dict | None = None,
                           views: tuple | None = None) -> list[tuple[list[str], dict]]:
    """The (groups, event) pairs a new message produces: agents always, the customer unless internal.

    `payload` (the message's) and `views` (from `conversation_views`) may be passed when already built,
    e.g. for many messages of one conversation stored together."""
    if payload is None:
        payload = message_payload(message, attachments)
    groups, summary, customer_summary = views or conversation_views(conversation)
    events = [(groups, {"type": "message.created", "conversation": summary, "message": payload})]
    if not message.internal:
        events.append(([customer_group(conversation)], {
            "type": "message.created",
            "conversation": customer_summary,
            "message": payload,
        }))
    return events


def conversation_views(conversation: Conversation) -> tuple[list[str], dict, dict]:
    """What message events carry about their conversation: the agent groups, the agents' summary and
    the customer's view."""
    return agent_groups(conversation), conversation_payload(conversation), customer_view(conversation)


def message_created(conversation: Conversation, message: Message) -> None:
    # The agents' and the customer's events in one hop to the event loop (see publish_many).
    publish_many(message_created_events(conversation, message))


def conversation_updated(conversation: Conversation, changed: list[str], before: dict) -> None:
    publish_many(conversation_updated_events(conversation, changed, before))


def conversation_updated_events(conversation: Conversation, changed: list[str],
                                before: dict) -> list[tuple[list[str], dict]]:
    """The (groups, event) pairs a change produces: the agents who may see it now or before, and the
    customer when what they see changed. Many changes' events can go out together (publish_many)."""
    groups = agent_groups(conversation, [before.get("team_id")], [before.get("assignee_id")])
    items = [(groups, {
        "type": "conversation.updated", "conversation": conversation_payload(conversation), "changed": changed,
    })]
    if "status" in changed or "subject" in changed or "category" in changed:
        items.append(([customer_group(conversation)], {
            "type": "conversation.updated",
            "conversation": customer_view(conversation),
            "changed": [c for c in changed if c in {"status", "subject", "category"}],
        }))
    return items


def read_moved(conversation: Conversation, reader: str, seq: int) -> None:
    event = {"type": "read", "conversation_id": conversation.pk, "reader": reader, "seq": seq}
    publish(agent_groups(conversation), event)
    publish([customer_group(conversation)], event)
