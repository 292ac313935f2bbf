"""Automatic assignment: round robin, least loaded, capacity, queue order, presence, finishing, reopening."""

from __future__ import annotations

from django.utils import timezone

from kefu.accounts.models import AssignmentMode, Presence
from kefu.conversations import services
from kefu.conversations.models import AuditEvent
from kefu.routing import queues
from kefu.routing import services as routing
from kefu.routing.models import Assignment, QueueEntry


def test_round_robin_takes_turns_among_online_agents(make_agent, new_conversation):
    a, b, c = make_agent("amy"), make_agent("ben"), make_agent("cai")
    make_agent("dan", online=False)
    assignees = [new_conversation().assignee_id for _ in range(6)]
    assert assignees == [a.pk, b.pk, c.pk, a.pk, b.pk, c.pk]
    # The assignment is the system's, on the audit trail.
    audit = AuditEvent.objects.filter(action="assignee_changed").first()
    assert audit.actor_type == "system" and audit.new_value == "Amy"


def test_least_loaded_prefers_the_agent_with_fewest_conversations(team, make_agent, new_conversation):
    team.assignment_mode = AssignmentMode.LEAST_LOADED
    team.save()
    a = make_agent("amy")
    first = new_conversation()
    assert first.assignee_id == a.pk
    second = new_conversation()
    assert second.assignee_id == a.pk  # only one online agent
    b = make_agent("ben")
    third = new_conversation()
    assert third.assignee_id == b.pk  # ben has 0, amy has 2
    fourth = new_conversation()
    assert fourth.assignee_id == b.pk  # 2 vs 1: ben again


def test_capacity_full_means_the_conversation_waits(make_agent, new_conversation):
    make_agent("amy", chats=2)
    first, second, third = new_conversation(), new_conversation(), new_conversation()
    assert first.assignee_id and second.assignee_id
    assert third.assignee_id is None
    assert QueueEntry.objects.filter(conversation=third).exists()
    assert queues.customer_status(third.pk)["position"] == 1


def test_queue_order_is_priority_then_longest_waiting(make_agent, new_conversation, change):
    old_normal = new_conversation("first, normal")
    urgent = new_conversation("later, urgent", priority="urgent")
    new_normal = new_conversation("last, normal")
    QueueEntry.objects.filter(conversation=old_normal).update(waiting_since=timezone.now() - timezone.timedelta(60))
    assert [queues.customer_status(c.pk)["position"] for c in (urgent, old_normal, new_normal)] == [1, 2, 3]
    agent = make_agent("amy", chats=2, online=False)
    with_hooks = routing.set_presence
    with_hooks(agent, Presence.ONLINE)
    routing.assign_all()
    for conv in (urgent, old_normal, new_normal):
        conv.refresh_from_db()
    assert urgent.assignee_id == agent.pk and old_normal.assignee_id == agent.pk
    assert new_normal.assignee_id is None


def test_agent_coming_online_gets_waiting_conversations(make_agent, new_conversation,
                                                        django_capture_on_commit_callbacks):
    agent = make_agent("amy", online=False)
    waiting = new_conversation()
    assert waiting.assignee_id is None
    with django_capture_on_commit_callbacks(execute=True):
        routing.set_presence(agent, Presence.ONLINE)
    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.pk
    assert not QueueEntry.objects.filter(conversation=waiting).exists()
    assert Assignment.objects.get(conversation=waiting).waited_seconds >= 0


def test_finishing_a_chat_frees_capacity_for_the_next(make_agent, new_conversation, change):
    agent = make_agent("amy", chats=1)
    first, second = new_conversation(), new_conversation()
    assert first.assignee_id == agent.pk and second.assignee_id is None
    change(first, services.Actor.for_agent(agent), status="solved")
    second.refresh_from_db()
    assert second.assignee_id == agent.pk


def test_raising_capacity_assigns_at_once(make_agent, new_conversation, django_capture_on_commit_callbacks):
    agent = make_agent("amy", chats=1)
    new_conversation()
    waiting = new_conversation()
    with django_capture_on_commit_callbacks(execute=True):
        routing.set_capacity(agent, chat_capacity=2)
    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.pk


def test_tickets_count_per_channel_and_chats_apart(make_agent, new_conversation, api_inbox):
    agent = make_agent("amy", chats=1, tickets=1)
    chat = new_conversation()
    ticket = new_conversation(inbox=api_inbox)
    second_ticket = new_conversation(inbox=api_inbox)
    assert chat.assignee_id == agent.pk and ticket.assignee_id == agent.pk
    assert second_ticket.assignee_id is None


def test_reopened_goes_back_to_its_agent_when_online(make_agent, new_conversation, change,
                                                     django_capture_on_commit_callbacks):
    agent = make_agent("amy")
    conv = new_conversation()
    conv = change(conv, services.Actor.for_agent(agent), status="solved")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(conv, services.Actor.for_customer(conv.contact), "It happened again")
    conv.refresh_from_db()
    assert conv.status == "open" and conv.assignee_id == agent.pk
    assert Assignment.objects.filter(conversation=conv, kind="reopen").count() == 1


def test_reopened_goes_to_the_queue_when_its_agent_is_away(make_agent, new_conversation, change,
                                                           django_capture_on_commit_callbacks):
    agent = make_agent("amy")
    conv = new_conversation()
    conv = change(conv, services.Actor.for_agent(agent), status="solved")
    routing.set_presence(agent, Presence.AWAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(conv, services.Actor.for_customer(conv.contact), "Still broken")
    conv.refresh_from_db()
    assert conv.assignee_id is None
    assert QueueEntry.objects.filter(conversation=conv).exists()
    other = make_agent("ben", online=False)
    with django_capture_on_commit_callbacks(execute=True):
        routing.set_presence(other, Presence.ONLINE)
    conv.refresh_from_db()
    assert conv.assignee_id == other.pk


def test_supervisor_unassigning_puts_it_back_in_the_queue(make_agent, new_conversation, change, supervisor):
    agent = make_agent("amy", chats=1)
    conv = new_conversation()
    assert conv.assignee_id == agent.pk
    routing.set_presence(agent, Presence.AWAY)
    conv = change(conv, services.Actor.for_agent(supervisor), unassign=True)
    assert QueueEntry.objects.filter(conversation=conv).exists()
    manual = change(conv, services.Actor.for_agent(supervisor), assignee=agent)
    assert manual.assignee_id == agent.pk
    assert not QueueEntry.objects.filter(conversation=conv).exists()


def test_language_skills_prefer_speakers(make_agent, new_conversation):
    make_agent("amy", languages=["en"])
    li = make_agent("li", languages=["zh-hans"])
    conv = new_conversation("我的充值没到账", language="zh-hans")
    assert conv.assignee_id == li.pk
