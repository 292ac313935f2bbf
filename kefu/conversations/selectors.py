"""Reads: which conversations an agent may see, and the filters shared by the console and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from kefu.accounts.models import Agent
from kefu.conversations.models import AuditEvent, Conversation, Message
from kefu.core.i18n import normalize_language


def visible_conversations(agent: Agent | None, *, for_list: bool = True) -> QuerySet[Conversation]:
    """Supervisors and admins see everything; agents see their teams', unrouted and their own.

    `None` means an integration token without an agent: it sees everything. Lists join the related
    rows they display; single look-ups (`for_list=False`) stay lean, they are on the hot path.
    """
    qs = Conversation.objects.all()
    if for_list:
        qs = qs.select_related("contact", "assignee", "team", "inbox")
    if agent is None or agent.sees_everything:
        return qs
    team_ids = list(agent.teams.values_list("pk", flat=True))
    return qs.filter(Q(team_id__in=team_ids) | Q(team__isnull=True) | Q(assignee=agent))


@dataclass
class ConversationFilters:
    status: str | None = None
    assignee: str | None = None  # agent id, "me" or "none"
    team: str | None = None  # team id or slug, or "none"
    category: str | None = None
    priority: str | None = None
    channel: str | None = None
    language: str | None = None
    tag: str | None = None
    contact: int | None = None
    q: str | None = None


def filter_conversations(qs: QuerySet[Conversation], f: ConversationFilters,
                         me: Agent | None = None) -> QuerySet[Conversation]:
    if f.status:
        statuses = [s for s in f.status.split(",") if s]
        qs = qs.filter(status__in=statuses)
    if f.assignee:
        if f.assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif f.assignee == "me" and me is not None:
            qs = qs.filter(assignee=me)
        elif f.assignee.isdigit():
            qs = qs.filter(assignee_id=int(f.assignee))
        else:
            qs = qs.filter(assignee__username=f.assignee)
    if f.team:
        if f.team == "none":
            qs = qs.filter(team__isnull=True)
        elif f.team.isdigit():
            qs = qs.filter(team_id=int(f.team))
        else:
            qs = qs.filter(team__slug=f.team)
    if f.language:
        qs = qs.filter(language=normalize_language(f.language))
    for field in ("category", "priority"):
        value = getattr(f, field)
        if value:
            qs = qs.filter(**{field: value})
    if f.channel:
        qs = qs.filter(inbox__kind=f.channel)
    if f.tag:
        qs = qs.filter(tags__name=f.tag.lower())
    if f.contact:
        qs = qs.filter(contact_id=f.contact)
    if f.q:
        qs = _search(qs, f.q.strip())
    return qs


def _search(qs: QuerySet[Conversation], text: str) -> QuerySet[Conversation]:
    number = text.lstrip("#")
    if number.isdigit():
        return qs.filter(Q(number=int(number)) | Q(contact__external_id=number))
    return qs.filter(
        Q(subject__icontains=text) | Q(contact__name__icontains=text) | Q(contact__email__icontains=text)
        | Q(contact__external_id=text)
        | Exists(Message.objects.filter(conversation=OuterRef("pk"), body__icontains=text))
    )


def get_visible(agent: Agent | None, conversation_id: int) -> Conversation | None:
    """One conversation if `agent` may see it, else None."""
    try:
        return visible_conversations(agent, for_list=False).get(pk=conversation_id)
    except Conversation.DoesNotExist:
        return None


def messages_after(conversation: Conversation, after_seq: int = 0, *, include_internal: bool,
                   limit: int = 200) -> list[Message]:
    qs = conversation.messages.filter(seq__gt=after_seq).select_related(
        "author_agent", "author_contact"
    ).prefetch_related("attachments").order_by("seq")
    if not include_internal:
        qs = qs.filter(internal=False)
    return list(qs[:limit])


def timeline(conversation: Conversation) -> list[tuple[str, object]]:
    """Messages, notes and audit events in the order they happened, for the console."""
    items: list[tuple[object, str, object]] = []
    for message in messages_after(conversation, 0, include_internal=True, limit=5000):
        items.append((message.created_at, "message", message))
    for event in AuditEvent.objects.filter(conversation=conversation).select_related("actor_agent"):
        if event.action != "created":
            items.append((event.created_at, "event", event))
    items.sort(key=lambda item: item[0])
    return [(kind, obj) for _, kind, obj in items]
