"""Helpers the API routes share: looking things up with the token's visibility, shaping output."""

from __future__ import annotations

from typing import Any

from kefu.accounts.models import Agent, Team
from kefu.api.schemas import ConversationPatch
from kefu.channels.models import ChannelKind, Inbox
from kefu.conversations import selectors
from kefu.conversations.models import Conversation
from kefu.conversations.payloads import conversation_payload
from kefu.conversations.services import Changes
from kefu.core.errors import InvalidInput, NotFound


def default_api_inbox() -> Inbox:
    inbox = Inbox.objects.filter(kind=ChannelKind.API, is_default_api_inbox=True, is_active=True).first()
    if inbox is None:
        inbox = Inbox.objects.filter(kind=ChannelKind.API, is_active=True).order_by("pk").first()
    if inbox is None:
        inbox = Inbox.objects.create(name="API", kind=ChannelKind.API, is_default_api_inbox=True)
    return inbox


def get_visible_conversation(request, conversation_id: int) -> Conversation:
    conversation = selectors.get_visible(request.api_token.agent, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation with id {conversation_id}")
    return conversation


def conversation_out(conversation: Conversation) -> dict[str, Any]:
    data = conversation_payload(conversation)
    data["tags"] = [t.name for t in conversation.tags.all()]
    return data


def patch_to_changes(payload: ConversationPatch) -> Changes:
    sent = payload.model_fields_set
    changes = Changes(status=payload.status, priority=payload.priority, category=payload.category,
                      subject=payload.subject, tags=payload.tags)
    if "assignee_id" in sent:
        if payload.assignee_id is None:
            changes.unassign = True
        else:
            changes.assignee = Agent.objects.filter(pk=payload.assignee_id).first()
            if changes.assignee is None:
                raise InvalidInput(f"no agent with id {payload.assignee_id}")
    if "team_id" in sent:
        if payload.team_id is None:
            changes.clear_team = True
        else:
            changes.team = Team.objects.filter(pk=payload.team_id).first()
            if changes.team is None:
                raise InvalidInput(f"no team with id {payload.team_id}")
    return changes
