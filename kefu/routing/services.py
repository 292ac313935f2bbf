"""The verbs of routing: route a new conversation, queue it, assign it, and follow presence changes.

Assignment changes go through kefu.conversations.services.update_conversation (audit trail and
real-time events). Concurrency: `assign_waiting` holds the team's TeamRoutingState row and the candidate
agents' rows locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite serializes writers), re-reads each
conversation under its row lock and deletes its queue entry, so two assigners never assign one
conversation twice nor fill an agent beyond capacity.
"""

from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kefu.accounts.models import Agent, AssignmentMode, Presence, Team
from kefu.channels.models import Inbox
from kefu.conversations import bulk
from kefu.conversations import services as conversations
from kefu.conversations.models import Conversation, Message
from kefu.conversations.services import Actor, Changes
from kefu.conversations.taxonomy import RESOLVED_STATUSES, Status
from kefu.core.errors import InvalidInput
from kefu.routing import capacity, notify, rules
from kefu.routing.models import (
    Assignment,
    ConsoleConnection,
    QueueEntry,
    RoutedConversation,
    RoutingRule,
    TeamRoutingState,
    priority_rank,
)

log = logging.getLogger(__name__)
SECURITY_TEAM_SLUG = "security"
# Set while routing itself changes a conversation, so its own updates do not re-enter the hooks.
routing_in_progress: contextvars.ContextVar[bool] = contextvars.ContextVar("routing_in_progress", default=False)


# --- rules ------------------------------------------------------------------------------------------

_rules_cache: tuple[float, list[rules.RuleSpec]] | None = None
RULES_CACHE_SECONDS = 5.0


def forget_rules() -> None:
    global _rules_cache
    _rules_cache = None


def active_rules() -> list[rules.RuleSpec]:
    """The active routing rules in order (cached for a few seconds; saving a rule clears the cache)."""
    global _rules_cache
    if _rules_cache is not None and time.monotonic() - _rules_cache[0] < RULES_CACHE_SECONDS:
        return _rules_cache[1]
    specs = [
        rules.RuleSpec(
            name=r.name, channels=tuple(r.channels or ()), languages=tuple(r.languages or ()),
            categories=tuple(r.categories or ()), min_vip_tier=r.min_vip_tier,
            keywords=tuple(k.lower() for k in r.keywords or ()), topics=tuple(r.topics or ()),
            team_id=r.set_team_id, team_slug=SECURITY_TEAM_SLUG if r.builtin == "security" else "",
            priority=r.set_priority, tags=tuple(r.add_tags or ()), stop=r.stop,
        )
        for r in RoutingRule.objects.filter(is_active=True).order_by("position", "pk")
    ]
    _rules_cache = (time.monotonic(), specs)
    return specs


_inbox_kinds: dict[int, tuple[float, str]] = {}


def forget_inbox(inbox_id: int) -> None:
    _inbox_kinds.pop(inbox_id, None)


def inbox_kind(inbox_id: int) -> str:
    """The channel kind of an inbox (cached a minute: kinds do not change)."""
    cached = _inbox_kinds.get(inbox_id)
    if cached is not None and time.monotonic() - cached[0] < 60:
        return cached[1]
    kind = Inbox.objects.filter(pk=inbox_id).values_list("kind", flat=True).first() or ""
    _inbox_kinds[inbox_id] = (time.monotonic(), kind)
    return kind


def first_message_of(conversation: Conversation) -> Message | None:
    return Message.objects.filter(conversation=conversation, internal=False).order_by("seq").first()


def topics_in(meta: object) -> set[str]:
    """The assistant's detected topic(s) in a message's meta: "topic", or {"assistant": {"topic"}}."""
    topics: set[str] = set()
    if not isinstance(meta, dict):
        return topics
    for key in ("topic", "assistant_topic"):
        if isinstance(meta.get(key), str):
            topics.add(meta[key])
    assistant = meta.get("assistant")
    if isinstance(assistant, dict):
        for key in ("topic", "category"):
            if isinstance(assistant.get(key), str):
                topics.add(assistant[key])
    return topics


def facts_for(conversation: Conversation, first: Message | None = None) -> rules.Facts:
    """What the rules look at: channel, language, category, VIP tier, subject + first message, topics."""
    first = first if first is not None else first_message_of(conversation)
    text = f"{conversation.subject}\n{first.body if first else ''}".lower()
    return rules.Facts(
        channel=inbox_kind(conversation.inbox_id), language=conversation.language, category=conversation.category,
        vip_tier=conversation.contact.vip_tier, text=text, topics=frozenset(topics_in(getattr(first, "meta", None))),
        priority=conversation.priority,
    )


def security_team() -> Team:
    """The 24/7 security team, created on first use if an admin has not made one."""
    team, _ = Team.objects.get_or_create(
        slug=SECURITY_TEAM_SLUG, defaults={"name": "Security", "always_open": True, "handles_vip": True},
    )
    return team


def _team_for(decision: rules.Decision) -> Team | None:
    if decision.team_id:
        return Team.objects.filter(pk=decision.team_id).first()
    if decision.team_slug == SECURITY_TEAM_SLUG:
        return security_team()
    return None


def route_conversation(conversation: Conversation, first: Message | None = None) -> QueueEntry | None:
    """Apply the routing rules to a new conversation and put it in its team's queue.

    Runs once per conversation (a RoutedConversation row marks it). Team, priority and tags changes
    are made by the system actor through update_conversation (audited, published). A conversation
    that matches an announced incident is tagged, linked to it, and its customer gets the notice.
    When no rule changes anything (the common case) this is two inserts in one transaction.
    """
    from kefu.routing import surge

    if "contact" not in conversation._state.fields_cache:
        conversation = Conversation.objects.select_related("contact").get(pk=conversation.pk)
    facts = facts_for(conversation, first)
    decision = rules.decide(active_rules(), facts)
    incident = surge.matching_incident(conversation, facts.text)
    token = routing_in_progress.set(True)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    RoutedConversation.objects.create(
                        conversation=conversation, rules=", ".join(decision.matched)[:300], incident=incident)
            except IntegrityError:
                return None  # routed already (a catch-up raced the hook)
            conversation = _apply_decision(conversation, decision, incident)
            entry = enqueue(conversation, incident=incident, new=True)
            if incident is not None:
                surge.send_incident_notice(conversation, incident)
    finally:
        routing_in_progress.reset(token)
    return entry


def route_conversations(pairs: list[tuple[Conversation, Message]]) -> list[QueueEntry]:
    """`route_conversation` for many new conversations (a batch opened together): those no rule changes
    and no incident matches (the common case, and a surge's) are marked routed and queued with two
    inserts for all of them; the others go through route_conversation one by one. Returns the entries."""
    from kefu.routing import surge

    plain, entries = [], []
    specs = active_rules()
    for conversation, first in pairs:
        facts = facts_for(conversation, first)
        decision = rules.decide(specs, facts)
        if (decision.matched or decision.tags or decision.team_id or decision.team_slug
                or decision.priority != conversation.priority or surge.matching_incident(conversation, facts.text)):
            entry = route_conversation(conversation, first)
            if entry is not None:
                entries.append(entry)
        else:
            plain.append(conversation)
    if plain:
        try:
            with transaction.atomic():
                RoutedConversation.objects.bulk_create([RoutedConversation(conversation=c) for c in plain])
                now = timezone.now()
                queued = [QueueEntry(conversation=c, team_id=c.team_id, rank=priority_rank(c.priority),
                                     waiting_since=now) for c in plain
                          if c.assignee_id is None and c.status not in RESOLVED_STATUSES]
                entries += QueueEntry.objects.bulk_create(queued)
        except IntegrityError:  # one was routed already (a catch-up raced us): one by one
            for conversation in plain:
                entry = route_conversation(conversation)
                if entry is not None:
                    entries.append(entry)
    return entries


def _apply_decision(conversation: Conversation, decision: rules.Decision, incident) -> Conversation:
    changes = Changes()
    team = _team_for(decision)
    if team is not None and team.pk != conversation.team_id:
        changes.team = team
    if decision.priority != conversation.priority:
        changes.priority = decision.priority
    tags = list(decision.tags)
    if incident is not None:
        tags.append(incident.tag or f"incident-{incident.pk}")
    if tags:
        current = list(conversation.tags.values_list("name", flat=True))
        if set(tags) - set(current):
            changes.tags = current + tags
    if changes == Changes() or conversation.status in RESOLVED_STATUSES:
        return conversation
    updated = conversations.update_conversation(conversation, Actor.system(), changes)
    updated.contact = conversation.contact
    return updated


# --- the queue --------------------------------------------------------------------------------------


def enqueue(conversation: Conversation, *, incident=None, waiting_since=None, new: bool = False) -> QueueEntry | None:
    """Put an unassigned, unresolved conversation in its team's queue (no-op if it is already there)."""
    if conversation.assignee_id is not None or conversation.status in RESOLVED_STATUSES:
        return None
    if new:  # just routed: it cannot be queued yet, so skip the look-up
        return QueueEntry.objects.create(
            conversation=conversation, team_id=conversation.team_id, rank=priority_rank(conversation.priority),
            waiting_since=waiting_since or timezone.now(), incident=incident)
    entry, created = QueueEntry.objects.get_or_create(conversation=conversation, defaults={
        "team_id": conversation.team_id, "rank": priority_rank(conversation.priority),
        "waiting_since": waiting_since or timezone.now(), "incident": incident,
    })
    if not created and (entry.team_id != conversation.team_id or entry.rank != priority_rank(conversation.priority)):
        entry.team_id, entry.rank = conversation.team_id, priority_rank(conversation.priority)
        entry.save(update_fields=["team", "rank"])
    return entry


def dequeue(conversation_id: int) -> bool:
    return QueueEntry.objects.filter(conversation_id=conversation_id).delete()[0] > 0


@dataclass
class Assigned:
    conversation_id: int
    agent_id: int
    waited_seconds: float


class AssignedBatch(list):
    """The assignments of one assign_waiting call; `left` = waiting conversations no agent had room for."""

    left: int = 0


@dataclass(frozen=True)
class Wake:
    """What to tell the assigner: which queues may move, and whether capacity freed up (vs. a new arrival)."""

    teams: frozenset
    freed: bool


def teams_of(agent_id: int | None) -> set[int]:
    if agent_id is None:
        return set()
    return set(Agent.teams.through.objects.filter(agent_id=agent_id).values_list("team_id", flat=True))


def _candidates(team_id: int | None) -> list[Agent]:
    """Online active agents of the team (any team for unrouted conversations), locked, in id order."""
    agents = Agent.objects.filter(is_active=True, presence=Presence.ONLINE)
    if team_id is not None:
        agents = agents.filter(teams__id=team_id)
    # FOR NO KEY UPDATE: serializes assigners, yet rows that merely reference the agent (a message it
    # writes, a supervisor assigning it by hand) take KEY SHARE and neither wait nor deadlock on it.
    if connection.features.has_select_for_update_of:
        agents = agents.select_for_update(of=("self",), no_key=connection.features.has_select_for_no_key_update)
    else:
        agents = agents.select_for_update()
    return list(agents.order_by("pk"))


def _speaks(agent: Agent, language: str) -> bool:
    return not agent.skill_languages or language in agent.skill_languages


def _pick(agents: list[Agent], loads: capacity.Loads, conversation: Conversation, mode: str,
          last_agent_id: int | None) -> Agent | None:
    klass = capacity.capacity_class(inbox_kind(conversation.inbox_id))
    speakers = [a for a in agents if _speaks(a, conversation.language)]
    pool = speakers or agents  # nobody online speaks it: anyone rather than nobody
    # Rotate so the agent after the last one assigned comes first (round robin, and the tie-break).
    start = next((i for i, a in enumerate(pool) if last_agent_id is not None and a.pk > last_agent_id), 0)
    rotated = pool[start:] + pool[:start]
    free = [a for a in rotated if capacity.has_room(a, loads, klass)]
    if not free:
        return None
    if mode == AssignmentMode.LEAST_LOADED:
        return min(free, key=lambda a: capacity.load_ratio(a, loads, klass))
    return free[0]


def _waiting(team_id: int | None, batch: int) -> list[QueueEntry]:
    entries = QueueEntry.objects.filter(team_id=team_id).select_related("conversation")
    if connection.features.has_select_for_update_skip_locked:
        entries = entries.select_for_update(skip_locked=True, of=("self",))
    return list(entries.order_by("rank", "waiting_since", "id")[:batch])


def _lock_team_state(team_id: int) -> TeamRoutingState | None:
    """The team's routing state row with its team, in one query, locked (the state row only) for this
    transaction; created on first use. None when there is no such team."""
    found = TeamRoutingState.objects.select_related("team")
    if connection.features.has_select_for_update_of:
        found = found.select_for_update(of=("self",))
    else:
        found = found.select_for_update()
    state = found.filter(team_id=team_id).first()
    if state is None:
        if not Team.objects.filter(pk=team_id).exists():
            return None
        TeamRoutingState.objects.get_or_create(team_id=team_id)
        state = found.get(team_id=team_id)
    return state


def assign_waiting(team_id: int | None, *, batch: int | None = None) -> AssignedBatch:
    """Give the team's waiting conversations, in queue order, to online agents with free capacity.

    Returns what was assigned. Side effects per assignment: update_conversation (audit `assignee_changed`
    by the system, `conversation.updated` event), the queue entry removed, an Assignment row, and a
    `queue.updated` event to the customer (position 0, assigned).
    """
    batch = batch or settings.KEFU_ROUTING_BATCH
    done = AssignedBatch()
    token = routing_in_progress.set(True)
    try:
        with transaction.atomic():
            team = state = None
            if team_id is not None:
                state = _lock_team_state(team_id)
                if state is None or not state.team.auto_assign:
                    return done
                team = state.team
            entries = _waiting(team_id, batch)
            if not entries:
                return done
            agents = _candidates(team_id)
            done.left = len(entries)
            if not agents:
                return done
            loads = capacity.loads_of(a.pk for a in agents)
            mode = team.assignment_mode if team is not None else AssignmentMode.LEAST_LOADED
            last = state.last_agent_id if state is not None else None
            last = _assign_entries(entries, agents, loads, mode, last, team_id, done)
            if state is not None and last != state.last_agent_id:
                state.last_agent_id = last
                state.save(update_fields=["last_agent_id"])
    finally:
        routing_in_progress.reset(token)
    return done


def _assign_entries(entries: list[QueueEntry], agents: list[Agent], loads: capacity.Loads, mode: str,
                    last: int | None, team_id: int | None, done: AssignedBatch) -> int | None:
    """Assign each entry (in order) to the agent _pick chooses; the queue rows go in one delete.

    The entries are ours alone: locked FOR UPDATE SKIP LOCKED on PostgreSQL, or the one SQLite writer.
    Each conversation is re-read under its row lock, so one assigned by hand or solved meanwhile is
    only dropped from the queue."""
    taken: list[int] = []
    records: list[Assignment] = []
    assigned: list[Conversation] = []
    now = timezone.now()
    # The conversations of the whole batch, re-read under their row locks in one statement (id order).
    locked = {c.pk: c for c in Conversation.objects.select_for_update()
              .filter(pk__in=[e.conversation_id for e in entries]).order_by("pk")}
    pairs = []
    for entry in entries:
        agent = _pick(agents, loads, entry.conversation, mode, last)
        if agent is None:
            continue
        done.left -= 1
        taken.append(entry.pk)
        conv = locked.get(entry.conversation_id)
        if conv is None or conv.assignee_id is not None or conv.status in RESOLVED_STATUSES:
            continue
        pairs.append((conv, agent))
        waited = max(0.0, (now - entry.waiting_since).total_seconds())
        records.append(Assignment(conversation=conv, agent=agent, team_id=team_id, waited_seconds=waited))
        assigned.append(conv)
        done.append(Assigned(conv.pk, agent.pk, waited))
        loads[agent.pk][capacity.capacity_class(inbox_kind(conv.inbox_id))] += 1
        last = agent.pk
    # The whole batch's assignments at once (audit entries, events and hooks as update_conversation's).
    bulk.assign(pairs, Actor.system())
    if taken:
        QueueEntry.objects.filter(pk__in=taken).delete()
    if records:
        Assignment.objects.bulk_create(records)
        notify.assigned(assigned)
    return last


def teams_with_waiting() -> list[int | None]:
    return list(QueueEntry.objects.values_list("team_id", flat=True).distinct().order_by())


def assign_teams(team_ids=None, max_rounds: int = 100) -> dict[int | None, tuple[int, bool]]:
    """Assign what fits in the given queues (all with waiting conversations if None), a batch per queue
    in turn so one busy queue does not hold up the others.

    Returns {team_id: (assigned, saturated)}; saturated = conversations still wait because every online
    agent is full (a new arrival alone will not change that; freed capacity will). With max_rounds=1
    (the assigner loop) `assigned == KEFU_ROUTING_BATCH` means more may fit: run again."""
    waiting = teams_with_waiting()
    pending = waiting if team_ids is None else [t for t in waiting if t in set(team_ids)]
    result: dict[int | None, tuple[int, bool]] = {t: (0, False) for t in pending}
    for _ in range(max_rounds):
        again = []
        for team_id in pending:
            done = assign_waiting(team_id)
            total = result[team_id][0] + len(done)
            result[team_id] = (total, done.left > 0)
            if done.left == 0 and len(done) >= settings.KEFU_ROUTING_BATCH:
                again.append(team_id)
        if not again:
            break
        pending = again
    return result


def assign_all(team_ids=None) -> int:
    """Run assign_waiting for every team with waiting conversations until nothing more fits."""
    return sum(assigned for assigned, _ in assign_teams(team_ids).values())


# --- following conversation changes -------------------------------------------------------------------


def _previous_status(conversation: Conversation) -> str:
    event = conversation.audit_events.filter(field="status").order_by("-created_at", "-pk").first()
    return event.old_value if event else ""


def follow_update(conversation: Conversation, changed: list[str], before: dict | None = None) -> Wake | None:
    """Keep the queue in step with a conversation change; returns which queues the assigner should look at.

    Solved/closed: leaves the queue, its agent has room again. Assignee removed: back in the queue.
    Reassigned by hand: leaves the queue, the previous agent has room. Reopened (from solved, pending or
    on hold) while its agent is not online: unassigned and queued; with its agent online it stays
    theirs. Team or priority changed: the queue entry follows.
    """
    before = before or {}
    conversation = Conversation.objects.select_related("assignee").get(pk=conversation.pk)
    team = {conversation.team_id}
    if conversation.status in RESOLVED_STATUSES:
        dequeue(conversation.pk)
        if "status" in changed and conversation.assignee_id:
            return Wake(frozenset(teams_of(conversation.assignee_id) | team), freed=True)
        return None
    if conversation.assignee_id is None:
        enqueue(conversation)
        if "assignee" in changed:
            return Wake(frozenset(teams_of(before.get("assignee_id")) | team), freed=True)
        return Wake(frozenset(team), freed=False)
    if "status" in changed and conversation.status == Status.OPEN:
        if _previous_status(conversation) in {Status.SOLVED, Status.PENDING, Status.ON_HOLD}:
            return _reopened(conversation)
    if "assignee" in changed:
        dequeue(conversation.pk)
        previous = before.get("assignee_id")
        if previous and previous != conversation.assignee_id:
            return Wake(frozenset(teams_of(previous)), freed=True)
    return None


def _reopened(conversation: Conversation) -> Wake | None:
    agent = conversation.assignee
    if agent is not None and agent.is_active and agent.presence == Presence.ONLINE:
        Assignment.objects.create(conversation=conversation, agent=agent, team_id=conversation.team_id,
                                  kind=Assignment.Kind.REOPEN)
        return None
    token = routing_in_progress.set(True)
    try:
        with transaction.atomic():
            conv = conversations.update_conversation(conversation, Actor.system(), Changes(unassign=True))
            enqueue(conv)
    finally:
        routing_in_progress.reset(token)
    return Wake(frozenset({conversation.team_id}), freed=False)


# --- presence -----------------------------------------------------------------------------------------


def set_presence(agent: Agent, presence: str, *, automatic: bool = False) -> Agent:
    """Set an agent online, away or offline. Coming online lets waiting conversations reach them at once.

    Side effects: `presence.updated` event to supervisors and the agent's own consoles; wakes the assigner.
    """
    if presence not in Presence.values:
        raise InvalidInput(f"presence must be one of: {', '.join(Presence.values)}")
    now = timezone.now()
    Agent.objects.filter(pk=agent.pk).update(presence=presence, presence_changed_at=now,
                                             presence_automatic=automatic)
    agent.presence, agent.presence_changed_at, agent.presence_automatic = presence, now, automatic
    notify.presence_changed(agent)
    if presence == Presence.ONLINE:
        teams = frozenset(teams_of(agent.pk) | {None})
        transaction.on_commit(lambda: notify.wake_assigner(teams, freed=True))
    return agent


def set_capacity(agent: Agent, *, chat_capacity: int | None = None, ticket_capacity: int | None = None) -> Agent:
    """Change how much an agent handles at once; more room lets waiting conversations reach them."""
    fields = []
    for name, value in (("chat_capacity", chat_capacity), ("ticket_capacity", ticket_capacity)):
        if value is None:
            continue
        if not 0 <= int(value) <= 1000:
            raise InvalidInput(f"{name} must be between 0 and 1000")
        setattr(agent, name, int(value))
        fields.append(name)
    if fields:
        agent.save(update_fields=fields)
        teams = frozenset(teams_of(agent.pk) | {None})
        transaction.on_commit(lambda: notify.wake_assigner(teams, freed=True))
    return agent


def console_connected(agent_id: int, channel_name: str) -> None:
    """A console socket opened: the agent is present again (back online if kefu had set them away)."""
    ConsoleConnection.objects.get_or_create(channel_name=channel_name, defaults={"agent_id": agent_id})
    agent = Agent.objects.filter(pk=agent_id).first()
    if agent is None:
        return
    if agent.presence_lost_at is not None:
        Agent.objects.filter(pk=agent_id).update(presence_lost_at=None)
    if agent.presence_automatic and agent.presence != Presence.ONLINE:
        set_presence(agent, Presence.ONLINE, automatic=False)


def console_disconnected(agent_id: int, channel_name: str) -> None:
    """A console socket closed; when it was the agent's last one, the grace period starts."""
    ConsoleConnection.objects.filter(channel_name=channel_name).delete()
    if not _live_connections(agent_id).exists():
        Agent.objects.filter(pk=agent_id, presence_lost_at__isnull=True).update(presence_lost_at=timezone.now())


def _live_connections(agent_id: int):
    oldest = timezone.now() - timezone.timedelta(seconds=settings.KEFU_ROUTING_CONNECTION_MAX_AGE)
    return ConsoleConnection.objects.filter(agent_id=agent_id, connected_at__gte=oldest)


def sweep_presence(now=None) -> int:
    """Agents whose consoles have all been gone longer than the grace period go away, later offline."""
    now = now or timezone.now()
    moved = 0
    away_before = now - timezone.timedelta(seconds=settings.KEFU_ROUTING_AWAY_AFTER)
    offline_before = now - timezone.timedelta(seconds=settings.KEFU_ROUTING_OFFLINE_AFTER)
    for agent in Agent.objects.filter(presence=Presence.ONLINE, presence_lost_at__lte=away_before):
        if not _live_connections(agent.pk).exists():
            set_presence(agent, Presence.AWAY, automatic=True)
            moved += 1
    for agent in Agent.objects.filter(presence=Presence.AWAY, presence_automatic=True,
                                      presence_lost_at__lte=offline_before):
        if not _live_connections(agent.pk).exists():
            set_presence(agent, Presence.OFFLINE, automatic=True)
            moved += 1
    return moved
