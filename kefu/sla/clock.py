"""When a conversation's SLA clock runs: read from its status history (the audit trail) and messages.

The clock runs while the conversation is new or open and stops while it is pending (waiting on the
customer), on hold, solved or closed. Business hours are applied on top by the policy's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.conversations.models import AuditEvent, Conversation, Message
from kefu.conversations.taxonomy import AuthorType, Status

RUNNING_STATUSES = {Status.NEW, Status.OPEN}

Segment = tuple[datetime, datetime | None]


def status_history(conversation: Conversation) -> list[tuple[datetime, str]]:
    """(since, status) pairs in time order, from creation to now."""
    return status_histories([conversation])[conversation.pk]


def status_histories(conversations: list[Conversation]) -> dict[int, list[tuple[datetime, str]]]:
    """`status_history` of many conversations with one query."""
    changes: dict[int, list] = {c.pk: [] for c in conversations}
    for conversation_id, at, old, new in (
            AuditEvent.objects.filter(conversation_id__in=list(changes), field="status")
            .order_by("conversation_id", "created_at", "pk")
            .values_list("conversation_id", "created_at", "old_value", "new_value")):
        changes[conversation_id].append((at, old, new))
    histories = {}
    for conversation in conversations:
        own = changes[conversation.pk]
        first = own[0][1] if own else conversation.status
        histories[conversation.pk] = [(conversation.created_at, first)] + [(at, new) for at, _old, new in own]
    return histories


def running_segments(history: list[tuple[datetime, str]], now: datetime) -> list[Segment]:
    """Spans in which the clock runs; the last is open-ended (None) if it runs now."""
    segments: list[Segment] = []
    for index, (since, status) in enumerate(history):
        if status not in RUNNING_STATUSES:
            continue
        until = history[index + 1][0] if index + 1 < len(history) else None
        if until is not None and until <= since:
            continue
        if segments and segments[-1][1] == since:
            segments[-1] = (segments[-1][0], until)  # open -> new/open again: one span
        else:
            segments.append((since, until))
    if segments and segments[-1][1] is not None and segments[-1][1] > now:
        segments[-1] = (segments[-1][0], now)
    return segments


def paused_seconds(history: list[tuple[datetime, str]], now: datetime) -> int:
    """Wall-clock seconds spent in a paused status."""
    total = 0.0
    for index, (since, status) in enumerate(history):
        if status in RUNNING_STATUSES:
            continue
        until = history[index + 1][0] if index + 1 < len(history) else now
        total += max(0.0, (until - since).total_seconds())
    return int(total)


def from_instant(segments: list[Segment], start: datetime) -> list[Segment]:
    """The segments clipped to begin at `start` (a target that starts later than creation)."""
    clipped: list[Segment] = []
    for seg_start, seg_end in segments:
        if seg_end is not None and seg_end <= start:
            continue
        clipped.append((max(seg_start, start), seg_end))
    return clipped


@dataclass(frozen=True)
class ResponseCycle:
    """A customer waiting for an agent's next reply: since when, and when (if) it was answered."""

    started_at: datetime
    answered_at: datetime | None


def next_response_cycle(conversation: Conversation) -> ResponseCycle | None:
    """The latest wait for a next response: the first customer message after an agent's public reply.

    None before the first agent reply (first response covers that) or if the customer never wrote
    after an agent reply.
    """
    if conversation.first_reply_at is None:
        return None  # no public agent reply yet (it sets first_reply_at): nothing to look up
    public = Message.objects.filter(conversation=conversation, internal=False)
    agent_replies = list(public.filter(author_type=AuthorType.AGENT).order_by("-seq").values_list(
        "seq", "created_at")[:2])
    if not agent_replies:
        return None
    last_seq, last_at = agent_replies[0]
    waiting = public.filter(author_type=AuthorType.CUSTOMER, seq__gt=last_seq).order_by("seq").first()
    if waiting is not None:
        return ResponseCycle(waiting.created_at, None)
    if len(agent_replies) < 2:
        return None
    previous_seq = agent_replies[1][0]
    answered = public.filter(author_type=AuthorType.CUSTOMER, seq__gt=previous_seq, seq__lt=last_seq) \
        .order_by("seq").values_list("created_at", flat=True).first()
    return ResponseCycle(answered, last_at) if answered is not None else None
