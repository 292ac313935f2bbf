"""Reading the queues: positions, estimated waits, and the supervisors' live overview."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone

from kefu.accounts.models import Agent, Presence, Team
from kefu.routing import capacity
from kefu.routing.models import Assignment, QueueEntry, TeamRoutingState

ORDER = ("rank", "waiting_since", "id")


@dataclass
class WaitEstimate:
    """How fast a team's queue moves: assignments per second lately, and the typical wait."""

    rate_per_second: float
    median_wait: float | None
    online_agents: int

    def for_position(self, position: int) -> int | None:
        if position <= 0:
            return 0
        if self.rate_per_second > 0:
            return int(round(position / self.rate_per_second))
        if self.median_wait is not None:
            return int(round(self.median_wait * position))
        return None  # nothing to go by yet: the widget says "estimating"


def wait_estimate(team_id: int | None, now=None) -> WaitEstimate:
    """From the team's assignments in the last KEFU_ROUTING_ESTIMATE_WINDOW seconds."""
    now = now or timezone.now()
    since = now - timezone.timedelta(seconds=settings.KEFU_ROUTING_ESTIMATE_WINDOW)
    waits = list(
        Assignment.objects.filter(team_id=team_id, assigned_at__gte=since, kind=Assignment.Kind.QUEUE)
        .order_by("-assigned_at").values_list("waited_seconds", "assigned_at")[:500]
    )
    online = Agent.objects.filter(is_active=True, presence=Presence.ONLINE)
    if team_id is not None:
        online = online.filter(teams__id=team_id)
    online_count = online.count()
    if len(waits) < 3:
        return WaitEstimate(0.0, statistics.median(w for w, _ in waits) if waits else None, online_count)
    span = max((now - waits[-1][1]).total_seconds(), 1.0)
    return WaitEstimate(len(waits) / span, statistics.median(w for w, _ in waits), online_count)


def position_of(entry: QueueEntry) -> int:
    """1 for the next conversation to be assigned in its team."""
    ahead = (
        Q(rank__lt=entry.rank)
        | Q(rank=entry.rank, waiting_since__lt=entry.waiting_since)
        | Q(rank=entry.rank, waiting_since=entry.waiting_since, id__lt=entry.id)
    )
    return QueueEntry.objects.filter(team_id=entry.team_id).filter(ahead).count() + 1


def customer_status(conversation_id: int) -> dict | None:
    """The waiting customer's place: position and estimated wait, or None when not waiting."""
    from kefu.routing import surge

    entry = QueueEntry.objects.filter(conversation_id=conversation_id).first()
    if entry is None:
        return None
    position = position_of(entry)
    return {
        "conversation_id": conversation_id, "position": position,
        "estimated_wait_seconds": wait_estimate(entry.team_id).for_position(position),
        "surge": surge.surge_active(entry.team_id),
    }


@dataclass
class AgentLoad:
    agent: Agent
    load: dict[str, int]
    capacity: dict[str, int]

    @property
    def chats(self) -> int:
        return self.load.get(capacity.CHAT, 0)

    @property
    def tickets(self) -> int:
        return sum(v for k, v in self.load.items() if k != capacity.CHAT)


@dataclass
class TeamQueue:
    team: Team | None
    waiting: int
    longest_wait_seconds: int | None
    estimated_wait_seconds: int | None
    surge: bool
    agents: list[AgentLoad] = field(default_factory=list)
    incidents: list[tuple[str, int]] = field(default_factory=list)
    next_up: list[QueueEntry] = field(default_factory=list)

    @property
    def online(self) -> int:
        return sum(1 for a in self.agents if a.agent.presence == Presence.ONLINE)


def overview(now=None, show: int = 10) -> list[TeamQueue]:
    """Every team's queue for supervisors: length, longest wait, estimate, surge, agents' presence and load."""
    now = now or timezone.now()
    stats = {
        row["team_id"]: row for row in QueueEntry.objects.values("team_id")
        .annotate(n=Count("id"), oldest=Min("waiting_since")).order_by()
    }
    surge_on = {s.team_id for s in TeamRoutingState.objects.all() if s.surge_active}
    teams: list[Team | None] = list(Team.objects.prefetch_related("members").order_by("name"))
    if None in stats:
        teams.append(None)
    agents = list(Agent.objects.filter(is_active=True).prefetch_related("teams"))
    loads = capacity.loads_of(a.pk for a in agents)
    result = []
    for team in teams:
        team_id = team.pk if team else None
        row = stats.get(team_id, {"n": 0, "oldest": None})
        members = [a for a in agents if team is None or any(t.pk == team_id for t in a.teams.all())]
        if team is None:
            members = []
        entries = list(QueueEntry.objects.filter(team_id=team_id).select_related("conversation", "incident")
                       .order_by(*ORDER)[:show])
        incidents = list(
            QueueEntry.objects.filter(team_id=team_id, incident__isnull=False)
            .values("incident__title").annotate(n=Count("id")).order_by("-n").values_list("incident__title", "n")
        )
        result.append(TeamQueue(
            team=team, waiting=row["n"],
            longest_wait_seconds=int((now - row["oldest"]).total_seconds()) if row["oldest"] else None,
            estimated_wait_seconds=wait_estimate(team_id, now).for_position(row["n"]) if row["n"] else 0,
            surge=team_id in surge_on,
            agents=[AgentLoad(a, dict(loads[a.pk]), {capacity.CHAT: a.chat_capacity, "ticket": a.ticket_capacity})
                    for a in sorted(members, key=lambda a: (a.presence != Presence.ONLINE, a.username))],
            incidents=incidents, next_up=entries,
        ))
    return result


def announce_positions(team_id: int | None, now=None) -> int:
    """Send waiting customers their new position and estimate when it moved noticeably.

    Near the front every change is sent; further back only a change of 10% or more, or every
    KEFU_ROUTING_ANNOUNCE_EVERY seconds, so a queue of thousands does not flood the sockets.
    """
    from kefu.routing import notify, surge

    now = now or timezone.now()
    estimate = wait_estimate(team_id, now)
    surge_on = surge.surge_active(team_id)
    refresh_before = now - timezone.timedelta(seconds=settings.KEFU_ROUTING_ANNOUNCE_EVERY)
    rows = (
        QueueEntry.objects.filter(team_id=team_id).order_by(*ORDER)
        .values_list("id", "conversation_id", "announced_position", "announced_at",
                     "conversation__contact_id", "conversation__inbox_id")
    )
    changed: list[QueueEntry] = []
    events: list[tuple[str, dict]] = []
    for position, (pk, conv_id, last, last_at, contact_id, inbox_id) in enumerate(rows, start=1):
        if last == position:
            continue
        if last is not None and position > 20 and abs(last - position) < max(1, last // 10) and (
                last_at is not None and last_at > refresh_before):
            continue
        events.append(notify.queue_position(contact_id, inbox_id, conv_id, position,
                                            estimate.for_position(position), surge_on))
        changed.append(QueueEntry(pk=pk, announced_position=position, announced_at=now))
    if changed:
        # One statement executed per row (bulk_update's CASE expressions cost far more to build for
        # the thousands of entries a surge queue holds).
        at = QueueEntry._meta.get_field("announced_at").get_db_prep_save(now, connection)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {connection.ops.quote_name(QueueEntry._meta.db_table)} "
                "SET announced_position = %s, announced_at = %s WHERE id = %s",
                [(entry.announced_position, at, entry.pk) for entry in changed])
        notify.publish_each(events)
    return len(changed)
