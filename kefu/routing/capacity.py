"""Who may take a conversation: online team members with free capacity, and their current load.

Load counts the agent's unresolved conversations (new, open, pending, on hold). Live chat channels
(KEFU_ROUTING_CHAT_CHANNELS, by default web chat and Telegram) share one limit, the agent's
`chat_capacity`; every other channel (email, API, ...) has its own limit of `ticket_capacity` open
tickets per channel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count

from kefu.accounts.models import Agent
from kefu.conversations.models import Conversation
from kefu.conversations.taxonomy import Status

ACTIVE_STATUSES = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD]
CHAT = "chat"


def chat_channels() -> set[str]:
    return set(settings.KEFU_ROUTING_CHAT_CHANNELS)


def capacity_class(channel: str) -> str:
    """Which limit a conversation of this inbox kind counts against: 'chat' or the channel itself."""
    return CHAT if channel in chat_channels() else channel


Loads = dict[int, dict[str, int]]


def loads_of(agent_ids: Iterable[int]) -> Loads:
    """Each agent's unresolved conversations, counted per capacity class."""
    ids = list(agent_ids)
    loads: Loads = {pk: defaultdict(int) for pk in ids}
    if not ids:
        return loads
    rows = (
        Conversation.objects.filter(assignee_id__in=ids, status__in=ACTIVE_STATUSES)
        .values("assignee_id", "inbox__kind").annotate(n=Count("id")).order_by()
    )
    for row in rows:
        loads[row["assignee_id"]][capacity_class(row["inbox__kind"])] += row["n"]
    return loads


def limit_for(agent: Agent, klass: str) -> int:
    return agent.chat_capacity if klass == CHAT else agent.ticket_capacity


def has_room(agent: Agent, loads: Loads, klass: str) -> bool:
    return loads[agent.pk][klass] < limit_for(agent, klass)


def load_ratio(agent: Agent, loads: Loads, klass: str) -> float:
    limit = limit_for(agent, klass)
    return loads[agent.pk][klass] / limit if limit else 1.0
