"""The SLA configuration (policies, calendars, team calendars) read once and reused while unchanged.

Every conversation change recomputes its SLA, so reading the configuration each time would cost
half a dozen queries. Instead one small query fingerprints the configuration tables (row counts and
the newest `updated_at` of each) and the parsed configuration is reused until the fingerprint moves,
in every process. Saving in admin or through the ORM updates `updated_at`; adding or removing rows
changes the counts; in-process edits (including many-to-many changes) also clear the cache at once.
The fingerprint itself is read at most every RECHECK_SECONDS (2 s; `KEFU_SLA_CONFIG_RECHECK_SECONDS`)
per process, so a change made in *another* process is seen within that time, and a busy server does
not pay a 12-subquery statement per conversation change.
The cached objects are shared between threads: treat them as read-only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

from kefu.sla.business_time import Schedule
from kefu.sla.models import Calendar, Escalation, Holiday, SlaPolicy, TeamCalendar, WorkingInterval

CONFIG_MODELS = (Calendar, WorkingInterval, Holiday, TeamCalendar, SlaPolicy, Escalation)
_lock = threading.Lock()
_cached: tuple[tuple, SlaConfig, float] | None = None  # (fingerprint, config, when the fingerprint was read)
RECHECK_SECONDS = 2.0


def recheck_seconds() -> float:
    return float(getattr(settings, "KEFU_SLA_CONFIG_RECHECK_SECONDS", RECHECK_SECONDS))


@dataclass
class SlaConfig:
    policies: list[SlaPolicy]
    default_calendar_id: int
    team_calendar_ids: dict[int, int]
    schedules: dict[int, Schedule] = field(default_factory=dict)
    _calendars: dict[int, Calendar] = field(default_factory=dict)

    def schedule(self, calendar_id: int) -> Schedule:
        """The schedule of a calendar, parsed once per configuration version."""
        found = self.schedules.get(calendar_id)
        if found is None:
            calendar = Calendar.objects.prefetch_related("intervals", "holidays").get(pk=calendar_id)
            found = self.schedules[calendar_id] = calendar.schedule()
        return found

    def calendar_id_for(self, policy: SlaPolicy, team_id: int | None) -> int:
        """The policy's calendar, else the team's, else the default."""
        if policy.calendar_id is not None:
            return policy.calendar_id
        return self.team_calendar_ids.get(team_id or 0, self.default_calendar_id)

    def schedule_for(self, policy: SlaPolicy, team_id: int | None) -> Schedule:
        return self.schedule(self.calendar_id_for(policy, team_id))


def _fingerprint() -> tuple:
    parts = []
    for model in CONFIG_MODELS:
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table})")
        parts.append(f"(SELECT MAX(updated_at) FROM {table})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def _load() -> SlaConfig:
    from kefu.sla.calendars import default_calendar

    policies = list(SlaPolicy.objects.filter(is_active=True).prefetch_related("inboxes", "teams", "escalations__team"))
    return SlaConfig(
        policies=policies,
        default_calendar_id=default_calendar().pk,
        team_calendar_ids=dict(TeamCalendar.objects.values_list("team_id", "calendar_id")),
    )


def current() -> SlaConfig:
    """The configuration now in force (no query within RECHECK_SECONDS of the last check, then one
    fingerprint query when nothing changed)."""
    global _cached
    cached = _cached
    now = time.monotonic()
    if cached is not None and now - cached[2] < recheck_seconds():
        return cached[1]
    fingerprint = _fingerprint()
    if cached is not None and cached[0] == fingerprint:
        with _lock:
            if _cached is cached:
                _cached = (fingerprint, cached[1], now)
        return cached[1]
    config = _load()
    with _lock:
        # Stored under the fingerprint read *before* loading: a change made meanwhile shows as a
        # different fingerprint next time and reloads (never the other way round).
        _cached = (fingerprint, config, now)
    return config


def clear(**_kwargs) -> None:
    global _cached
    _cached = None


def connect_signals() -> None:
    from kefu.sla.calendars import forget_inbox_hours
    from kefu.sla.models import InboxHours

    for model in (InboxHours, Calendar):
        post_save.connect(forget_inbox_hours, sender=model, dispatch_uid=f"sla-inbox-hours-save-{model.__name__}")
        post_delete.connect(forget_inbox_hours, sender=model, dispatch_uid=f"sla-inbox-hours-delete-{model.__name__}")
    for model in CONFIG_MODELS:
        post_save.connect(clear, sender=model, dispatch_uid=f"sla-config-save-{model.__name__}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"sla-config-delete-{model.__name__}")
    for through in (SlaPolicy.inboxes.through, SlaPolicy.teams.through):
        m2m_changed.connect(clear, sender=through, dispatch_uid=f"sla-config-m2m-{through.__name__}")
