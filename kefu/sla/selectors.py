"""Reads for the console: a conversation's deadlines with time left, and the at-risk/breached lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.conversations.models import Conversation
from kefu.conversations.taxonomy import RESOLVED_STATUSES
from kefu.sla import config
from kefu.sla.business_time import business_between
from kefu.sla.models import ConversationSla, Target


def human_duration(seconds: float) -> str:
    """'2 h 05 min', '45 min', '3 d 4 h' in the active language."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d min") % {"minutes": mins}


@dataclass(frozen=True)
class Deadline:
    """One target of one conversation as the console shows it."""

    target: str
    label: str
    due_at: datetime | None
    met_at: datetime | None
    breached: bool
    paused: bool
    left_seconds: float | None  # business seconds left (negative: overdue, in wall-clock seconds)

    @property
    def state(self) -> str:
        if self.met_at is not None:
            return "breached-met" if self.breached else "met"
        if self.breached or (self.left_seconds is not None and self.left_seconds <= 0):
            return "breached"
        if self.paused:
            return "paused"
        return "running"

    @property
    def left_text(self) -> str:
        if self.left_seconds is None:
            return ""
        if self.left_seconds <= 0:
            return _("overdue by %(time)s") % {"time": human_duration(self.left_seconds)}
        return _("%(time)s left") % {"time": human_duration(self.left_seconds)}


def deadlines(sla: ConversationSla, now: datetime | None = None) -> list[Deadline]:
    """The deadlines of a conversation, with business time left counted live from the stored due times."""
    now = now or timezone.now()
    schedule = config.current().schedule_for(sla.policy, sla.conversation.team_id) if sla.policy else None
    found = []
    for target, label in Target.choices:
        due, met = getattr(sla, f"{target}_due_at"), getattr(sla, f"{target}_met_at")
        stored_left = getattr(sla, f"{target}_left")
        if due is None and stored_left is None:
            continue
        left: float | None = None
        if met is None:
            if due is None:
                left = float(stored_left)  # paused: what was left when the clock stopped
            elif due > now:
                left = business_between(schedule, now, due).total_seconds()
            else:
                left = -(now - due).total_seconds()
        found.append(Deadline(target, str(label), due, met, getattr(sla, f"{target}_breached") or (
            met is None and due is not None and due <= now), sla.paused and met is None, left))
    return found


def _active_due(now_or_later: Q, target: str) -> Q:
    return Q(**{f"sla__{target}_met_at__isnull": True}) & now_or_later


def at_risk_and_breached(conversations: QuerySet[Conversation], now: datetime | None = None,
                         window_minutes: int | None = None, limit: int = 200):
    """(breached, at_risk) lists of unresolved conversations: past a deadline, or due within the window."""
    now = now or timezone.now()
    window = timedelta(minutes=window_minutes or settings.KEFU_SLA_AT_RISK_MINUTES)
    open_ones = conversations.exclude(status__in=RESOLVED_STATUSES).filter(sla__isnull=False)
    breached_q = Q()
    risk_q = Q()
    for target in Target.values:
        breached_q |= _active_due(Q(**{f"sla__{target}_due_at__lte": now}), target)
        risk_q |= _active_due(Q(**{f"sla__{target}_due_at__gt": now, f"sla__{target}_due_at__lte": now + window}),
                              target)
    related = ("sla", "sla__policy__calendar", "team", "assignee", "contact")
    breached = list(open_ones.filter(breached_q).select_related(*related).order_by("pk")[:limit])
    risk = list(open_ones.filter(risk_q).exclude(pk__in=[c.pk for c in breached]).select_related(*related)
                .order_by("pk")[:limit])
    rows = lambda items: [(c, [d for d in deadlines(c.sla, now) if d.met_at is None]) for c in items]  # noqa: E731
    return rows(breached), rows(risk)
