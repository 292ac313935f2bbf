"""Background tasks (django-tasks-db): a conversation's SLA check at its due time, and the periodic sweep."""

from __future__ import annotations

from django.tasks import task

from kefu.sla import scheduling, services


@task()
def check_conversation_sla(conversation_id: int) -> None:
    """Recompute the SLA of one conversation and run the escalations that are due."""
    services.refresh_sla(conversation_id)


@task()
def sweep_sla() -> int:
    """Check every overdue conversation, then wait for the next round (exactly one sweep stays queued)."""
    checked = services.sweep()
    scheduling.ensure_sweep_scheduled()
    return checked
