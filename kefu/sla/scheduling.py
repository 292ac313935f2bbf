"""Background work that keeps deadlines: one task per upcoming check, and a sweep that reschedules itself.

Both live in the database (django-tasks-db), so they survive restarts; a check whose time passed while
no worker ran executes as soon as one starts, and the sweep catches anything whose task was lost.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)
_last_sweep_check = 0.0


def _uses_database_backend() -> bool:
    return settings.TASKS["default"]["BACKEND"].endswith("DatabaseBackend")


def schedule_check(conversation_id: int, when: datetime) -> None:
    """Run the SLA check of a conversation at `when` (after the current transaction commits)."""
    from kefu.sla.tasks import check_conversation_sla

    def enqueue() -> None:
        check_conversation_sla.using(run_after=when).enqueue(conversation_id)
        ensure_sweep_scheduled(throttle=True)

    transaction.on_commit(enqueue)


def ensure_sweep_scheduled(throttle: bool = False) -> bool:
    """Make sure one periodic sweep task is waiting; returns True if this call enqueued it.

    With `throttle`, a process looks at most once every sweep interval (this runs after every change).
    """
    global _last_sweep_check
    if not _uses_database_backend():
        return False
    interval = settings.KEFU_SLA_SWEEP_SECONDS
    if throttle and time.monotonic() - _last_sweep_check < interval:
        return False
    _last_sweep_check = time.monotonic()
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from kefu.sla.tasks import sweep_sla

    waiting = DBTaskResult.objects.filter(task_path=sweep_sla.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        return False
    sweep_sla.using(run_after=timezone.now() + timedelta(seconds=interval)).enqueue()
    return True
