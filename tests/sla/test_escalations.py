"""Warning and breach escalations: each fires once, also for deadlines that passed while nothing ran."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.conversations import services
from kefu.conversations.models import AuditEvent, Conversation
from kefu.conversations.taxonomy import Priority
from kefu.sla import services as sla_services
from kefu.sla.escalations import raised_priority
from kefu.sla.models import ConversationSla, Escalation, EscalationFiring
from kefu.sla.tasks import check_conversation_sla, sweep_sla
from tests.sla.conftest import events_during

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def escalating_policy(make_policy, l2_team):
    policy = make_policy(first=60, next_=None, resolution=None)
    Escalation.objects.create(policy=policy, target="first_response", moment="warning", warning_minutes=10,
                              action="notify")
    Escalation.objects.create(policy=policy, target="first_response", moment="breach", action="raise_priority",
                              priority=Priority.URGENT)
    Escalation.objects.create(policy=policy, target="first_response", moment="breach", action="reassign_team",
                              team=l2_team)
    Escalation.objects.create(policy=policy, target="first_response", moment="breach", action="notify")
    return policy


def open_conversation(inbox, contact):
    conversation, _ = services.create_conversation(inbox, contact, services.Actor.for_customer(contact),
                                                   body="withdrawal stuck for 3 hours")
    return conversation


def test_warning_then_breach_each_run_once(clock, escalating_policy, webchat_inbox, contact, agent, l2_team):
    conversation = open_conversation(webchat_inbox, contact)
    services.update_conversation(conversation, services.Actor.system(), services.Changes(assignee=agent))
    t0 = clock.now

    clock.set(t0 + timedelta(minutes=49))
    assert sla_services.sweep() == 0  # nothing due yet
    clock.set(t0 + timedelta(minutes=50))
    checked, events = events_during(["agents.all", f"agents.agent.{agent.pk}"], sla_services.sweep)
    assert checked == 1
    alerts = [e for e in events if e["type"] == "sla.alert"]
    assert {(e["moment"], e["target"]) for e in alerts} == {("warning", "first_response")}
    assert EscalationFiring.objects.filter(moment="warning").count() == 1
    assert AuditEvent.objects.filter(conversation=conversation, action="sla_warning").count() == 1

    clock.set(t0 + timedelta(minutes=60))
    check_conversation_sla.call(conversation.pk)  # the task scheduled at the deadline
    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT
    assert conversation.team == l2_team and conversation.assignee is None
    assert ConversationSla.objects.get(conversation=conversation).first_response_breached
    assert EscalationFiring.objects.filter(moment="breach").count() == 3
    assert AuditEvent.objects.filter(conversation=conversation, action="sla_breached").count() == 3

    # Checks and sweeps that run again (duplicate tasks, several workers) change nothing.
    clock.advance(minutes=30)
    check_conversation_sla.call(conversation.pk)
    sla_services.sweep()
    sla_services.refresh_sla(conversation.pk)
    assert EscalationFiring.objects.count() == 4
    assert AuditEvent.objects.filter(conversation=conversation, action__startswith="sla_").count() == 4


def test_breach_while_down_is_handled_by_the_next_sweep(clock, escalating_policy, webchat_inbox, contact, l2_team):
    conversation = open_conversation(webchat_inbox, contact)
    sla = ConversationSla.objects.get(conversation=conversation)
    assert sla.next_check_at == clock.now + timedelta(minutes=50)  # the warning comes first
    # The server is down for three hours: no task ran. The first sweep after the restart:
    clock.advance(hours=3)
    assert sweep_sla.call() == 1
    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT and conversation.team == l2_team
    # The warning is moot once the deadline has passed: only the breach escalations ran.
    assert set(EscalationFiring.objects.values_list("moment", flat=True)) == {"breach"}
    assert EscalationFiring.objects.count() == 3
    assert ConversationSla.objects.get(conversation=conversation).next_check_at is None
    assert sweep_sla.call() == 0


def test_met_target_does_not_escalate(clock, escalating_policy, webchat_inbox, contact, agent):
    conversation = open_conversation(webchat_inbox, contact)
    clock.advance(minutes=20)
    services.post_message(conversation, services.Actor.for_agent(agent), "Looking into it now.")
    clock.advance(hours=2)
    sla_services.sweep()
    assert not EscalationFiring.objects.exists()
    assert Conversation.objects.get(pk=conversation.pk).priority == Priority.NORMAL


def test_next_response_escalates_once_per_wait(clock, make_policy, webchat_inbox, contact, agent):
    policy = make_policy(first=None, next_=15, resolution=None)
    Escalation.objects.create(policy=policy, target="next_response", moment="breach", action="notify")
    conversation = open_conversation(webchat_inbox, contact)
    services.post_message(conversation, services.Actor.for_agent(agent), "Hello, which coin?")
    for _ in range(2):
        clock.advance(minutes=1)
        services.post_message(conversation, services.Actor.for_customer(contact), "USDT")
        clock.advance(minutes=20)
        sla_services.sweep()
        sla_services.sweep()
        services.post_message(conversation, services.Actor.for_agent(agent), "Thanks, checking.")
    assert EscalationFiring.objects.count() == 2
    assert len(set(EscalationFiring.objects.values_list("cycle", flat=True))) == 2


def test_raised_priority_never_lowers():
    assert raised_priority(Priority.NORMAL, "") == Priority.HIGH
    assert raised_priority(Priority.URGENT, "") is None
    assert raised_priority(Priority.HIGH, Priority.NORMAL) is None
    assert raised_priority(Priority.LOW, Priority.URGENT) == Priority.URGENT
