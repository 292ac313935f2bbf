"""What an escalation does: notify people, raise the priority, hand the conversation to another team."""

from __future__ import annotations

import logging
from datetime import datetime

from kefu.conversations import services as conversation_services
from kefu.conversations.events import agent_groups
from kefu.conversations.models import AuditEvent, Conversation
from kefu.conversations.taxonomy import AuthorType, Priority
from kefu.core.errors import KefuError
from kefu.core.events import publish
from kefu.sla.models import Escalation, EscalationAction, EscalationFiring, Moment

log = logging.getLogger(__name__)
PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
SLA_ACTOR_LABEL = "SLA"


def _rank(priority: str) -> int:
    return PRIORITY_ORDER.index(priority) if priority in PRIORITY_ORDER else 0


def raised_priority(current: str, wanted: str) -> str | None:
    """The priority to raise to (`wanted`, or one step up when empty); None if it would not be higher."""
    target = wanted or PRIORITY_ORDER[min(_rank(current) + 1, len(PRIORITY_ORDER) - 1)]
    return target if _rank(target) > _rank(current) else None


def alert_event(conversation: Conversation, target: str, moment: str, due_at: datetime | None) -> dict:
    return {
        "type": "sla.alert", "conversation_id": conversation.pk, "number": conversation.number,
        "subject": conversation.subject, "target": target, "moment": moment,
        "due_at": due_at.isoformat() if due_at else None,
    }


def _audit_line(conversation: Conversation, moment: str, target: str, detail: str) -> None:
    # The audit trail is append-only; an SLA line is a plain new entry by the system.
    AuditEvent.objects.create(
        conversation=conversation, actor_type=AuthorType.SYSTEM, actor_label=SLA_ACTOR_LABEL,
        action="sla_warning" if moment == Moment.WARNING else "sla_breached", field=target, new_value=detail[:300],
    )


def notify(conversation: Conversation, target: str, moment: str, due_at: datetime | None) -> None:
    """Tell the assignee (or the team when unassigned) and the supervisors, live, and leave an audit line."""
    groups = set(agent_groups(conversation))  # agents.all (supervisors), the team, the assignee
    publish(groups, alert_event(conversation, target, moment, due_at))


def run(conversation: Conversation, escalation: Escalation, target: str, due_at: datetime | None,
        firing: EscalationFiring) -> None:
    """Run one escalation's action for a conversation (called once per firing, inside its transaction)."""
    actor = conversation_services.Actor.system()
    detail = f"{escalation.get_action_display()}; due {due_at.isoformat() if due_at else '-'}"
    try:
        if escalation.action == EscalationAction.RAISE_PRIORITY:
            new = raised_priority(conversation.priority, escalation.priority)
            if new is not None:
                conversation_services.update_conversation(
                    conversation, actor, conversation_services.Changes(priority=new))
                detail = f"priority -> {new}"
        elif escalation.action == EscalationAction.REASSIGN_TEAM and escalation.team is not None:
            if escalation.team_id != conversation.team_id:
                conversation_services.update_conversation(
                    conversation, actor, conversation_services.Changes(team=escalation.team, unassign=True))
                detail = f"team -> {escalation.team.name}"
    except KefuError as error:  # e.g. closed meanwhile: record why, never fail the check
        detail = f"not done: {error.detail}"
        log.info("escalation %s for conversation %s not applied: %s", escalation.pk, conversation.pk, error.detail)
    conversation.refresh_from_db()
    notify(conversation, target, escalation.moment, due_at)
    _audit_line(conversation, escalation.moment, target, detail)
    firing.detail = detail[:300]
    firing.save(update_fields=["detail"])
