"""What each webhook event says: JSON built from the stored conversation, message and audit trail.

The shapes are documented, with examples, in docs/webhooks.md. Internal notes only ever appear in
message.created events for subscriptions that opted in; conversation summaries carry no message text.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from kefu.accounts.models import Agent, Team
from kefu.contacts.models import Contact
from kefu.conversations.models import AuditEvent, Conversation, Message
from kefu.conversations.payloads import message_payload

SUMMARY_FIELDS = (
    "id", "number", "subject", "status", "priority", "category", "language", "inbox_id", "last_seq",
    "created_at", "last_message_at", "first_reply_at", "resolved_at", "updated_at",
)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _absolute(url: str) -> str:
    base = getattr(settings, "KEFU_WEBHOOK_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if base and url.startswith("/") else url


def contact_summary(contact: Contact) -> dict[str, Any]:
    """The customer: `uid` is the exchange's own user id (null for anonymous visitors)."""
    return {
        "id": contact.pk,
        "uid": contact.external_id,
        "name": contact.name,
        "email": contact.email,
        "language": contact.language,
        "vip_tier": contact.vip_tier,
    }


def agent_ref(agent: Agent | None) -> dict[str, Any] | None:
    return {"id": agent.pk, "name": agent.public_name} if agent is not None else None


def team_ref(team: Team | None) -> dict[str, Any] | None:
    return {"id": team.pk, "name": team.name} if team is not None else None


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    """The conversation without any message text: state, people, channel and tags."""
    conversation = Conversation.objects.select_related("inbox", "contact", "assignee", "team").get(
        pk=conversation.pk)
    data: dict[str, Any] = {}
    for name in SUMMARY_FIELDS:
        value = getattr(conversation, name)
        data[name] = _iso(value) if name.endswith("_at") else value
    data.update({
        "channel": conversation.inbox.kind,
        "contact": contact_summary(conversation.contact),
        "assignee": agent_ref(conversation.assignee),
        "team": team_ref(conversation.team),
        "tags": sorted(conversation.tags.values_list("name", flat=True)),
    })
    return data


def message_data(message: Message) -> dict[str, Any]:
    data = message_payload(message)
    for attachment in data.get("attachments", []):
        attachment["url"] = _absolute(attachment["url"])
    return data


def latest_change(conversation: Conversation, field: str) -> AuditEvent | None:
    """The newest audit entry for a field: old and new values and who changed it."""
    return AuditEvent.objects.filter(conversation=conversation, field=field).order_by("-created_at", "-pk").first()


def actor_from(entry: AuditEvent | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"type": entry.actor_type, "agent_id": entry.actor_agent_id, "label": entry.actor_label}


def conversation_created(conversation: Conversation) -> dict[str, Any]:
    first = Message.objects.filter(conversation=conversation, internal=False).order_by("seq").first()
    return {"conversation": conversation_summary(conversation),
            "message": message_data(first) if first is not None else None}


def message_created(conversation: Conversation, message: Message) -> dict[str, Any]:
    return {"conversation": conversation_summary(conversation), "message": message_data(message)}


def status_changed(conversation: Conversation) -> dict[str, Any]:
    entry = latest_change(conversation, "status")
    return {
        "conversation": conversation_summary(conversation),
        "status": {"old": entry.old_value if entry else None, "new": conversation.status},
        "actor": actor_from(entry),
    }


def assignment_changed(conversation: Conversation, changed: list[str], before: dict) -> dict[str, Any]:
    """Old and new assignee and team. `before` holds the old ids when the caller knew them."""
    data: dict[str, Any] = {"conversation": conversation_summary(conversation), "changed": []}
    entries = []
    for field, model, ref in (("assignee", Agent, agent_ref), ("team", Team, team_ref)):
        new_id = getattr(conversation, f"{field}_id")
        old_id = before.get(f"{field}_id", new_id)
        if field not in changed and old_id == new_id:
            data[field] = {"old": ref(_get(model, new_id)), "new": ref(_get(model, new_id))}
            continue
        data["changed"].append(field)
        data[field] = {"old": ref(_get(model, old_id)), "new": ref(_get(model, new_id))}
        entries.append(latest_change(conversation, field))
    data["actor"] = actor_from(next((e for e in entries if e is not None), None))
    return data


def _get(model, pk):
    return model.objects.filter(pk=pk).first() if pk else None


def envelope(delivery_id: str, event_id: str, event_type: str, created_at, data: dict[str, Any]) -> dict[str, Any]:
    """The JSON object every delivery posts."""
    return {
        "delivery_id": delivery_id,
        "event_id": event_id,
        "type": event_type,
        "created_at": _iso(created_at),
        "data": data,
    }
