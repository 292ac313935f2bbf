"""The SLA verbs: recompute a conversation's deadlines, run escalations once, sweep overdue checks.

Everything here is idempotent: the state is recomputed from the conversation's history (status changes
in the audit trail, messages, the selected policy), and each escalation is recorded with a unique key
before its action runs, in the same transaction, so it fires exactly once however often a check runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kefu.conversations.models import Conversation
from kefu.conversations.taxonomy import RESOLVED_STATUSES
from kefu.sla import clock, config, escalations, scheduling
from kefu.sla.business_time import Schedule, business_in_segments, crossing
from kefu.sla.models import ConversationSla, Escalation, EscalationFiring, Moment, SlaPolicy, Target
from kefu.sla.policies import select_policy

log = logging.getLogger(__name__)
SWEEP_BATCH = 500


@dataclass
class TargetState:
    """One target of one conversation at `now`."""

    target: str
    cycle: str
    started_at: datetime
    segments: list[clock.Segment]
    amount: timedelta
    met_at: datetime | None
    due_at: datetime | None = None
    left: timedelta | None = None
    breached: bool = False

    @property
    def active(self) -> bool:
        return self.met_at is None

    def instant(self, schedule: Schedule, before: timedelta = timedelta(0)) -> datetime | None:
        """When the clock reaches the target minus `before` (None: paused before reaching it)."""
        return crossing(schedule, self.segments, max(timedelta(0), self.amount - before))


def _evaluate(state: TargetState, schedule: Schedule, now: datetime) -> TargetState:
    state.due_at = state.instant(schedule)
    stop = min(now, state.met_at) if state.met_at else now
    used = business_in_segments(schedule, [(s, min(e or stop, stop)) for s, e in state.segments if s < stop])
    state.left = state.amount - used
    state.breached = state.due_at is not None and state.due_at <= stop
    return state


def compute_targets(conversation: Conversation, policy: SlaPolicy, now: datetime, schedule: Schedule,
                    history: list[tuple[datetime, str]] | None = None) -> dict[str, TargetState]:
    """Due times, time left and breaches of every target the policy sets, at `now`, in `schedule`."""
    history = history if history is not None else clock.status_history(conversation)
    segments = clock.running_segments(history, now)
    targets: dict[str, TargetState] = {}
    minutes = policy.first_response_minutes
    if minutes is not None:
        targets[Target.FIRST_RESPONSE] = TargetState(
            Target.FIRST_RESPONSE, "-", conversation.created_at, segments, timedelta(minutes=minutes),
            conversation.first_reply_at)
    minutes = policy.next_response_minutes
    cycle = clock.next_response_cycle(conversation) if minutes is not None else None
    if cycle is not None:
        targets[Target.NEXT_RESPONSE] = TargetState(
            Target.NEXT_RESPONSE, cycle.started_at.isoformat(), cycle.started_at,
            clock.from_instant(segments, cycle.started_at), timedelta(minutes=minutes), cycle.answered_at)
    minutes = policy.resolution_minutes
    if minutes is not None:
        resolved = conversation.resolved_at if conversation.status in RESOLVED_STATUSES else None
        targets[Target.RESOLUTION] = TargetState(
            Target.RESOLUTION, "-", conversation.created_at, segments, timedelta(minutes=minutes), resolved)
    for state in targets.values():
        _evaluate(state, schedule, now)
    return targets


def _store(sla: ConversationSla, history: list[tuple[datetime, str]], policy: SlaPolicy | None,
           targets: dict[str, TargetState], now: datetime) -> None:
    sla.policy = policy
    sla.paused = history[-1][1] not in clock.RUNNING_STATUSES
    sla.paused_seconds = clock.paused_seconds(history, now)
    sla.computed_at = now
    for target in Target.values:
        state = targets.get(target)
        setattr(sla, f"{target}_due_at", state.due_at if state else None)
        setattr(sla, f"{target}_met_at", state.met_at if state else None)
        left = state.left if state else None
        setattr(sla, f"{target}_left", int(left.total_seconds()) if left is not None else None)
        setattr(sla, f"{target}_breached", bool(state and state.breached))
    cycle = targets.get(Target.NEXT_RESPONSE)
    sla.next_response_started_at = cycle.started_at if cycle else None


def _moments(policy: SlaPolicy, state: TargetState, schedule: Schedule):
    """(escalation, moment instant) for each escalation of this target, in time order."""
    found = []
    for escalation in policy.escalations.all():
        if escalation.target != state.target:
            continue
        if escalation.moment == Moment.WARNING:
            instant = state.instant(schedule, timedelta(minutes=escalation.warning_minutes))
        else:
            instant = state.due_at
        if instant is not None:
            found.append((escalation, instant))
    return sorted(found, key=lambda pair: (pair[1], pair[0].moment != Moment.WARNING))


def _fire_due(conversation: Conversation, policy: SlaPolicy, targets: dict[str, TargetState],
              now: datetime, schedule: Schedule) -> list[EscalationFiring]:
    fired = []
    for state in targets.values():
        if not state.active:
            continue
        for escalation, instant in _moments(policy, state, schedule):
            if instant > now:
                continue
            if escalation.moment == Moment.WARNING and state.due_at is not None and state.due_at <= now:
                continue  # the deadline already passed (e.g. while the server was down): warning is moot
            firing = _record_firing(conversation, escalation, state)
            if firing is not None:
                escalations.run(conversation, escalation, state.target, state.due_at, firing)
                fired.append(firing)
    return fired


def _record_firing(conversation: Conversation, escalation: Escalation, state: TargetState) -> EscalationFiring | None:
    try:
        with transaction.atomic():
            return EscalationFiring.objects.create(
                conversation=conversation, escalation=escalation, target=state.target, moment=escalation.moment,
                cycle=state.cycle, due_at=state.due_at,
            )
    except IntegrityError:
        return None  # fired before


def _next_check(policy: SlaPolicy | None, targets: dict[str, TargetState], now: datetime,
                schedule: Schedule | None) -> datetime | None:
    if policy is None or schedule is None:
        return None
    upcoming = []
    for state in targets.values():
        if not state.active:
            continue
        if state.due_at is not None and state.due_at > now:
            upcoming.append(state.due_at)
        upcoming += [instant for _, instant in _moments(policy, state, schedule) if instant > now]
    return min(upcoming, default=None)


def _lock_state(conversation_id: int) -> tuple[ConversationSla | None, Conversation | None]:
    """The conversation (with inbox and contact) and its SLA row, locked for this transaction, in one
    query; on first use a new unsaved row, which refresh_sla inserts once with its computed values (see
    _save_state). (None, None) when the conversation does not exist."""
    found = ConversationSla.objects.select_related("conversation__inbox", "conversation__contact")
    if connection.features.has_select_for_update_of:
        found = found.select_for_update(of=("self",))  # the SLA row only, as before
    else:
        found = found.select_for_update()
    sla = found.filter(conversation_id=conversation_id).first()
    if sla is not None:
        return sla, sla.conversation
    conversation = Conversation.objects.select_related("inbox", "contact").filter(pk=conversation_id).first()
    if conversation is None:
        return None, None
    return ConversationSla(conversation=conversation), conversation


def _save_state(sla: ConversationSla) -> bool:
    """Save the state; False when it was new and another transaction inserted it first."""
    if sla.pk is not None:
        sla.save()
        return True
    try:
        with transaction.atomic():
            sla.save(force_insert=True)
    except IntegrityError:  # created concurrently: compute again on its (now existing, locked) row
        return False
    return True


def _compute(sla: ConversationSla, conversation: Conversation, history: list, settings, now: datetime) -> None:
    """Select the policy, recompute every deadline into `sla` (not saved), run escalations that are due."""
    policy = select_policy(conversation, settings.policies)
    schedule = settings.schedule_for(policy, conversation.team_id) if policy else None
    targets = compute_targets(conversation, policy, now, schedule, history) if policy else {}
    _store(sla, history, policy, targets, now)
    if policy is not None:
        _fire_due(conversation, policy, targets, now, schedule)
    sla.next_check_at = _next_check(policy, targets, now, schedule)


def refresh_sla(conversation_id: int, now: datetime | None = None) -> ConversationSla | None:
    """Re-select the policy, recompute every deadline, run escalations that are due, schedule the next check.

    Side effects: escalation actions (events, audit lines, priority or team changes through the
    conversation services), a background task at the next warning or deadline. Returns the state, or
    None if the conversation does not exist.
    """
    now = now or timezone.now()
    sla = _refresh(conversation_id, now)
    if sla is False:  # a concurrent first computation inserted the row: compute again, on that row
        sla = _refresh(conversation_id, now)
    return sla if sla is not False else None


def _refresh(conversation_id: int, now: datetime) -> ConversationSla | None | bool:
    """refresh_sla's work in one transaction; False when a concurrent first computation won the insert."""
    with transaction.atomic():
        sla, conversation = _lock_state(conversation_id)
        if conversation is None:
            return None
        previous_check = sla.next_check_at
        _compute(sla, conversation, clock.status_history(conversation), config.current(), now)
        if not _save_state(sla):
            return False
        if sla.next_check_at is not None and sla.next_check_at != previous_check:
            scheduling.schedule_check(conversation_id, sla.next_check_at)
    return sla


def refresh_new(conversation_ids: list[int], now: datetime | None = None, *, skip_existing: bool = False) -> None:
    """`refresh_sla` for many conversations at once, e.g. a batch opened together: those without an SLA
    state yet are computed together and inserted with one statement (the same state refresh_sla would
    write); the others (unless `skip_existing`), or all of them when a concurrent computation inserted
    one first, go through refresh_sla one by one."""
    now = now or timezone.now()
    ids = sorted(set(conversation_ids))
    one_by_one: list[int] = []
    with transaction.atomic():
        have = set(ConversationSla.objects.filter(conversation_id__in=ids).values_list("conversation_id", flat=True))
        if not skip_existing:
            one_by_one += sorted(have)
        conversations = list(Conversation.objects.select_related("inbox", "contact")
                             .filter(pk__in=[i for i in ids if i not in have]).order_by("pk"))
        histories = clock.status_histories(conversations)
        settings = config.current()
        states = []
        for conversation in conversations:
            sla = ConversationSla(conversation=conversation)
            _compute(sla, conversation, histories[conversation.pk], settings, now)
            states.append(sla)
        try:
            with transaction.atomic():
                ConversationSla.objects.bulk_create(states)
        except IntegrityError:  # computed concurrently meanwhile: recompute those on their rows
            one_by_one += [sla.conversation_id for sla in states]
            states = []
        for sla in states:
            if sla.next_check_at is not None:
                scheduling.schedule_check(sla.conversation_id, sla.next_check_at)
    for conversation_id in one_by_one:
        refresh_sla(conversation_id, now)


def sweep(now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Handle every conversation whose next warning or deadline has passed (also while the server was down).

    Returns how many conversations were checked. Safe to run from several workers at once.
    """
    now = now or timezone.now()
    due = list(ConversationSla.objects.filter(next_check_at__lte=now).order_by("next_check_at")
               .values_list("conversation_id", flat=True)[:limit])
    for conversation_id in due:
        try:
            refresh_sla(conversation_id, now)
        except Exception:  # one broken conversation must not stop the sweep
            log.exception("SLA check failed for conversation %s", conversation_id)
    return len(due)


def refresh_open(now: datetime | None = None, only_missing: bool = False) -> int:
    """Recompute the SLA of every conversation that is not closed (after policies or calendars changed).

    With `only_missing`, only those that have no SLA state yet. Returns how many were computed.
    """
    candidates = Conversation.objects.exclude(status="closed")
    if only_missing:
        candidates = candidates.filter(sla__isnull=True)
    count = 0
    for conversation_id in candidates.values_list("pk", flat=True).iterator():
        refresh_sla(conversation_id, now)
        count += 1
    return count
