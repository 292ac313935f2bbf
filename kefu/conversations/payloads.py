"""JSON shapes of conversations and messages, shared by the API, the sockets and transcripts.

Two audiences: `agent` sees everything; `customer` never sees internal notes, tags or team names.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils import translation

from kefu.conversations.models import Attachment, Conversation, Message
from kefu.conversations.taxonomy import AuthorType, Category, Priority, Status
from kefu.core.i18n import normalize_language

ATTACHMENT_SALT = "kefu.attachment"


def attachment_url(attachment: Attachment) -> str:
    signed = signing.dumps(attachment.token, salt=ATTACHMENT_SALT)
    return reverse("attachment-download", args=[signed, attachment.filename])


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": attachment_url(attachment),
    }


def author_name(message: Message) -> str:
    if message.author_type == AuthorType.AGENT and message.author_agent is not None:
        return message.author_agent.public_name
    if message.author_type == AuthorType.CUSTOMER and message.author_contact is not None:
        return message.author_contact.display_name
    return ""


def message_payload(message: Message, attachments: list[Attachment] | None = None) -> dict[str, Any]:
    if attachments is None:
        attachments = list(message.attachments.all())
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "author_type": message.author_type,
        "author_name": author_name(message),
        "body": message.body,
        "internal": message.internal,
        "client_id": message.client_id,
        "meta": message.meta or {},
        "created_at": message.created_at.isoformat(),
        "attachments": [attachment_payload(a) for a in attachments],
    }


def labels(conversation: Conversation, language: str) -> dict[str, str]:
    """Number, status and category as the given language shows them."""
    number_template, status, priority, category = _labels(
        language, conversation.status, conversation.priority, conversation.category)
    return {"number": number_template % {"number": conversation.number}, "status": status,
            "priority": priority, "category": category}


@functools.lru_cache(maxsize=4096)
def _labels(language: str, status: str, priority: str, category: str) -> tuple[str, str, str, str]:
    # Catalogs do not change while the process runs, so the translated labels can be kept.
    with translation.override(language):
        return (
            translation.gettext("Ticket #%(number)s"),
            str(Status(status).label),
            str(Priority(priority).label),
            str(Category(category).label) if category else "",
        )


def conversation_payload(conversation: Conversation, audience: str = "agent",
                         language: str | None = None) -> dict[str, Any]:
    language = normalize_language(language or conversation.language)
    data: dict[str, Any] = {
        "id": conversation.pk,
        "number": conversation.number,
        "subject": conversation.subject,
        "status": conversation.status,
        "priority": conversation.priority,
        "category": conversation.category,
        "language": conversation.language,
        "inbox_id": conversation.inbox_id,
        "last_seq": conversation.last_seq,
        "customer_read_seq": conversation.customer_read_seq,
        "agent_read_seq": conversation.agent_read_seq,
        "created_at": conversation.created_at.isoformat(),
        "last_message_at": conversation.last_message_at.isoformat() if conversation.last_message_at else None,
        "first_reply_at": conversation.first_reply_at.isoformat() if conversation.first_reply_at else None,
        "resolved_at": conversation.resolved_at.isoformat() if conversation.resolved_at else None,
        "labels": labels(conversation, language),
    }
    if audience == "agent":
        data.update({
            "contact_id": conversation.contact_id,
            "assignee_id": conversation.assignee_id,
            "team_id": conversation.team_id,
            "updated_at": conversation.updated_at.isoformat(),
        })
    return data
