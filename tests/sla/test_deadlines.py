"""SLA deadlines end to end through the conversation services and the after-commit hooks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kefu.channels.models import ChannelKind, Inbox
from kefu.contacts.models import Contact
from kefu.conversations import services
from kefu.conversations.models import AuditEvent
from kefu.conversations.taxonomy import Priority, Status
from kefu.sla import services as sla_services
from kefu.sla.models import ConversationSla, SlaPolicy
from kefu.sla.policies import select_policy

pytestmark = pytest.mark.django_db(transaction=True)
M = timedelta(minutes=1)


def open_conversation(inbox, contact, body="my deposit has not arrived", **kwargs):
    conversation, _ = services.create_conversation(inbox, contact, services.Actor.for_customer(contact),
                                                   body=body, **kwargs)
    return conversation


def state(conversation) -> ConversationSla:
    return ConversationSla.objects.get(conversation=conversation)


def set_status(conversation, status, agent=None):
    actor = services.Actor.for_agent(agent) if agent else services.Actor.system()
    return services.update_conversation(conversation, actor, services.Changes(status=status))


def test_policies_are_tried_in_order_and_every_condition_must_hold(clock, make_policy, webchat_inbox, contact,
                                                                  other_team):
    # Not a security category: routing's built-in rule would make those urgent at once (issue 5).
    vip = make_policy("VIP security", first=5, position=1, min_vip_tier=3, categories=["account"],
                      teams=[other_team])
    urgent_chat = make_policy("Urgent web chat", first=10, position=2, priorities=["urgent"], channels=["webchat"])
    fallback = make_policy("Everyone else", first=60, position=9)
    conversation = open_conversation(webchat_inbox, contact, category="account.kyc")
    assert select_policy(conversation) == fallback  # VIP tier 0, team General
    Contact.objects.filter(pk=contact.pk).update(vip_tier=3)
    services.update_conversation(conversation, services.Actor.system(), services.Changes(team=other_team))
    assert state(conversation).policy == vip  # the team change re-selected the policy
    services.update_conversation(conversation, services.Actor.system(),
                                 services.Changes(category="funds.withdrawal_failed", priority=Priority.URGENT))
    assert state(conversation).policy == urgent_chat
    urgent_chat.is_active = False
    urgent_chat.save()
    assert select_policy(conversation) == fallback


def test_first_response_due_in_business_time_and_met_by_an_agent_reply(clock, make_policy, shanghai_office,
                                                                       webchat_inbox, contact, agent):
    make_policy(calendar=shanghai_office, first=120)
    clock.set(datetime(2026, 11, 27, 17, 0, tzinfo=shanghai_office.zone))  # Friday 17:00
    conversation = open_conversation(webchat_inbox, contact)
    sla = state(conversation)
    # One hour on Friday, then Monday 09:00-10:00.
    assert sla.first_response_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=shanghai_office.zone)
    assert sla.next_check_at == sla.first_response_due_at
    clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=shanghai_office.zone))
    services.post_message(conversation, services.Actor.for_agent(agent), "Let me check that for you.")
    sla = state(conversation)
    assert sla.first_response_met_at == clock.now
    assert not sla.first_response_breached
    assert sla.first_response_left == 30 * 60


def test_lunch_break_and_weekend_do_not_count(clock, make_policy, shanghai_office, webchat_inbox, contact):
    make_policy(calendar=shanghai_office, first=90)
    clock.set(datetime(2026, 11, 23, 11, 30, tzinfo=shanghai_office.zone))
    conversation = open_conversation(webchat_inbox, contact)
    assert state(conversation).first_response_due_at == datetime(2026, 11, 23, 14, 0, tzinfo=shanghai_office.zone)


def test_pending_and_on_hold_pause_the_clock(clock, make_policy, webchat_inbox, contact, agent):
    make_policy(first=None, next_=None, resolution=120)
    t0 = clock.now
    conversation = open_conversation(webchat_inbox, contact)
    assert state(conversation).resolution_due_at == t0 + 120 * M
    clock.advance(minutes=30)
    set_status(conversation, Status.PENDING, agent)
    sla = state(conversation)
    assert sla.paused and sla.resolution_due_at is None
    assert sla.resolution_left == 90 * 60
    assert sla.next_check_at is None
    clock.advance(minutes=60)  # the customer answers an hour later: the status goes back to open
    services.post_message(conversation, services.Actor.for_customer(contact), "here is the TXID")
    sla = state(conversation)
    assert not sla.paused and sla.paused_seconds == 3600
    assert sla.resolution_due_at == t0 + 180 * M
    clock.advance(minutes=10)
    set_status(conversation, Status.ON_HOLD, agent)
    clock.advance(minutes=20)
    set_status(conversation, Status.OPEN, agent)
    assert state(conversation).resolution_due_at == t0 + 200 * M
    clock.advance(minutes=5)
    set_status(conversation, Status.SOLVED, agent)
    sla = state(conversation)
    assert sla.resolution_met_at == clock.now and not sla.resolution_breached
    assert sla.next_check_at is None


def test_next_response_starts_with_each_customer_message_after_a_reply(clock, make_policy, webchat_inbox, contact,
                                                                       agent):
    make_policy(first=60, next_=30)
    conversation = open_conversation(webchat_inbox, contact)
    assert state(conversation).next_response_due_at is None
    clock.advance(minutes=10)
    services.post_message(conversation, services.Actor.for_agent(agent), "Which network did you use?")
    clock.advance(minutes=5)
    asked = clock.now
    services.post_message(conversation, services.Actor.for_customer(contact), "TRC20")
    clock.advance(minutes=1)
    services.post_message(conversation, services.Actor.for_customer(contact), "and the memo was empty")
    sla = state(conversation)
    assert sla.next_response_started_at == asked
    assert sla.next_response_due_at == asked + 30 * M
    clock.advance(minutes=40)
    services.post_message(conversation, services.Actor.for_agent(agent), "Found it, crediting now.")
    sla = state(conversation)
    assert sla.next_response_met_at == clock.now
    assert sla.next_response_breached  # answered 41 minutes after the customer's question
    # A new question opens a new wait with its own deadline.
    clock.advance(minutes=2)
    services.post_message(conversation, services.Actor.for_customer(contact), "thanks! when will it show?")
    sla = state(conversation)
    assert sla.next_response_met_at is None and not sla.next_response_breached
    assert sla.next_response_due_at == clock.now + 30 * M


def test_internal_notes_and_bot_messages_do_not_count_as_a_response(clock, make_policy, webchat_inbox, contact,
                                                                     agent):
    make_policy(first=60)
    conversation = open_conversation(webchat_inbox, contact)
    services.post_message(conversation, services.Actor.for_agent(agent), "checking the chain", internal=True)
    services.post_message(conversation, services.Actor.system(), "An agent will be with you soon.",
                          author_type="bot")
    assert state(conversation).first_response_met_at is None


def test_priority_change_reselects_the_policy_and_keeps_the_start(clock, make_policy, webchat_inbox, contact):
    make_policy("Normal", first=60, position=5)
    make_policy("Urgent", first=15, position=1, priorities=["urgent"])
    t0 = clock.now
    conversation = open_conversation(webchat_inbox, contact)
    clock.advance(minutes=5)
    services.update_conversation(conversation, services.Actor.system(), services.Changes(priority=Priority.URGENT))
    sla = state(conversation)
    assert sla.policy.name == "Urgent"
    assert sla.first_response_due_at == t0 + 15 * M


def test_no_policy_no_deadlines(clock, webchat_inbox, contact):
    SlaPolicy.objects.all().delete()
    conversation = open_conversation(webchat_inbox, contact)
    sla = state(conversation)
    assert sla.policy is None and sla.first_response_due_at is None and sla.next_check_at is None


def test_check_task_is_scheduled_at_the_deadline(clock, make_policy, webchat_inbox, contact):
    from django_tasks_db.models import DBTaskResult

    from kefu.sla.tasks import check_conversation_sla, sweep_sla

    make_policy(first=60)
    conversation = open_conversation(webchat_inbox, contact)
    due = state(conversation).first_response_due_at
    checks = DBTaskResult.objects.filter(task_path=check_conversation_sla.module_path)
    assert [(c.run_after, c.args_kwargs["args"]) for c in checks] == [(due, [conversation.pk])]
    # The periodic sweep is queued once, however many conversations schedule checks.
    open_conversation(webchat_inbox, contact, body="another question")
    assert DBTaskResult.objects.filter(task_path=sweep_sla.module_path, status="READY").count() == 1


def test_other_inbox_channel_conditions(clock, make_policy, contact, team):
    api_inbox = Inbox.objects.create(name="API", kind=ChannelKind.API, default_team=team)
    make_policy("Chat only", first=5, position=1, channels=["webchat"])
    make_policy("Rest", first=600, position=2)
    conversation = open_conversation(api_inbox, contact)
    assert state(conversation).policy.name == "Rest"


def test_audit_trail_records_status_history_the_clock_reads(clock, make_policy, webchat_inbox, contact, agent):
    make_policy()
    conversation = open_conversation(webchat_inbox, contact)
    set_status(conversation, Status.PENDING, agent)
    assert AuditEvent.objects.filter(conversation=conversation, field="status").count() == 1
    assert state(conversation).computed_at == clock.now


def test_recompute_is_idempotent(clock, make_policy, webchat_inbox, contact):
    make_policy(first=60)
    conversation = open_conversation(webchat_inbox, contact)
    before = state(conversation)
    again = sla_services.refresh_sla(conversation.pk)
    assert again.first_response_due_at == before.first_response_due_at
    assert again.next_check_at == before.next_check_at
    assert ConversationSla.objects.count() == 1


def test_policy_without_calendar_counts_in_the_teams_hours(clock, webchat_inbox, contact, team, shanghai_office):
    from kefu.sla.models import TeamCalendar

    TeamCalendar.objects.create(team=team, calendar=shanghai_office)
    SlaPolicy.objects.create(name="Team hours", first_response_minutes=60)
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=shanghai_office.zone))  # Saturday
    conversation = open_conversation(webchat_inbox, contact)
    assert state(conversation).first_response_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=shanghai_office.zone)


def test_a_batch_of_messages_moves_the_clocks_like_single_posts(clock, make_policy, webchat_inbox, contact, agent):
    """POST /api/v1/messages/batch runs SLA's batch handler: same deadlines as posting one by one."""
    from kefu.conversations import bulk

    make_policy(first=60, next_=30)
    waiting = open_conversation(webchat_inbox, contact)
    answered = open_conversation(webchat_inbox, Contact.objects.create(name="Second customer"))
    clock.advance(minutes=10)
    services.post_message(answered, services.Actor.for_agent(agent), "Which network did you use?")
    clock.advance(minutes=5)
    results = bulk.post_messages(services.Actor.for_agent(agent), [
        bulk.BatchItem(conversation_id=waiting.pk, body="Looking into it now.", client_id="a1"),
        bulk.BatchItem(conversation_id=waiting.pk, body="Found your deposit.", client_id="a2"),
        bulk.BatchItem(conversation_id=answered.pk, body="TRC20, memo empty", client_id="c1",
                       author_type="customer"),
    ])
    assert [r.status for r in results] == [201, 201, 201]
    sla = state(waiting)
    assert sla.first_response_met_at == clock.now and not sla.first_response_breached
    sla = state(answered)
    assert sla.next_response_started_at == clock.now
    assert sla.next_response_due_at == clock.now + 30 * M


def test_each_change_recomputes_once_and_later_status_changes_always_recompute(clock, make_policy, webchat_inbox,
                                                                              contact, agent, monkeypatch):
    from kefu.sla import handlers

    make_policy(first=60, next_=30)
    calls: list[int] = []
    real = handlers.refresh_sla
    monkeypatch.setattr(handlers, "refresh_sla", lambda pk, *a, **k: (calls.append(pk), real(pk, *a, **k))[1])
    conversation = open_conversation(webchat_inbox, contact)
    calls.clear()
    clock.advance(minutes=5)
    # The first reply moves the status to open and meets first response: one recompute, not two.
    services.post_message(conversation, services.Actor.for_agent(agent), "Checking the chain now.")
    assert calls == [conversation.pk]
    assert state(conversation).first_response_met_at == clock.now
    # The same status set again later, by a separate change, is recomputed (it may end a pause).
    set_status(conversation, Status.PENDING, agent)
    assert state(conversation).paused
    set_status(conversation, Status.OPEN, agent)
    assert calls == [conversation.pk] * 3
    assert not state(conversation).paused


def test_a_first_recompute_that_loses_the_insert_race_computes_again(clock, make_policy, webchat_inbox, contact,
                                                                      monkeypatch):
    make_policy(first=60)
    conversation = open_conversation(webchat_inbox, contact)
    original = sla_services._lock_state
    calls = []

    def looked_too_early(conversation_id):  # as if another transaction inserted the row after we looked
        calls.append(conversation_id)
        sla, conv = original(conversation_id)
        return (ConversationSla(conversation=conv), conv) if len(calls) == 1 else (sla, conv)

    monkeypatch.setattr(sla_services, "_lock_state", looked_too_early)
    again = sla_services.refresh_sla(conversation.pk)
    assert len(calls) == 2
    assert ConversationSla.objects.count() == 1
    assert again.pk == state(conversation).pk
    assert again.first_response_due_at == state(conversation).first_response_due_at is not None


def test_conversations_opened_in_a_batch_get_the_state_single_posts_get(clock, make_policy, shanghai_office,
                                                                        webchat_inbox, contact,
                                                                        django_assert_max_num_queries):
    from kefu.conversations import bulk

    make_policy("Urgent", calendar=shanghai_office, first=15, position=1, priorities=["urgent"])
    make_policy("Everyone else", calendar=shanghai_office, first=120, next_=30, resolution=480, position=9)
    clock.set(datetime(2026, 11, 27, 17, 0, tzinfo=shanghai_office.zone))  # Friday 17:00
    alone = [open_conversation(webchat_inbox, contact, body=f"alone {p}", priority=p) for p in ("urgent", "normal")]
    others = [Contact.objects.create(name=f"Batch {n}") for n in range(2)]
    results = bulk.create_conversations(services.Actor.system(), [
        bulk.NewConversation(inbox=webchat_inbox, contact=others[n], body=f"batch {p}", priority=p)
        for n, p in enumerate(("urgent", "normal"))])
    fields = ["policy_id", "paused", "paused_seconds", "first_response_due_at", "next_response_due_at",
              "resolution_due_at", "first_response_left", "resolution_left", "next_check_at", "computed_at"]
    for single, result in zip(alone, results, strict=True):
        assert ConversationSla.objects.filter(conversation=single).values(*fields).get() == \
            ConversationSla.objects.filter(conversation=result.conversation).values(*fields).get()
    assert state(results[0].conversation).first_response_due_at == \
        datetime(2026, 11, 27, 17, 15, tzinfo=shanghai_office.zone)  # 15 business minutes later
    assert state(results[1].conversation).first_response_due_at == \
        datetime(2026, 11, 30, 10, 0, tzinfo=shanghai_office.zone)  # 1 h on Friday, then Monday 09:00-10:00
    # The batch form computes them together: a bounded number of statements for any batch size.
    more = [Contact.objects.create(name=f"More {n}") for n in range(20)]
    with django_assert_max_num_queries(60):
        sla_services.refresh_new([bulk.create_conversations(services.Actor.system(), [
            bulk.NewConversation(inbox=webchat_inbox, contact=c, body="again")])[0].conversation.pk
            for c in more[:1]])
    ids = [c.pk for c in [open_conversation(webchat_inbox, c, body="later") for c in more[1:]]]
    ConversationSla.objects.filter(conversation_id__in=ids).delete()
    with django_assert_max_num_queries(30):
        sla_services.refresh_new(ids)
    assert ConversationSla.objects.filter(conversation_id__in=ids).count() == len(ids)


def test_customer_messages_recompute_only_when_a_wait_can_start(clock, make_policy, webchat_inbox, contact, agent,
                                                                  monkeypatch):
    """Before any agent reply a customer message moves no clock; after one, only the customer's first
    message of a turn does, and the bot's messages between two customer messages (assistant, after-hours
    reply) do not start a new turn. The deadlines stay those of a full recompute."""
    from kefu.sla import handlers

    make_policy(first=60, next_=30)
    calls: list[int] = []
    real = handlers.refresh_sla
    monkeypatch.setattr(handlers, "refresh_sla", lambda pk, *a, **k: (calls.append(pk), real(pk, *a, **k))[1])
    conversation = open_conversation(webchat_inbox, contact)
    customer, bot = services.Actor.for_customer(contact), services.Actor(services.AuthorType.BOT)
    calls.clear()
    services.post_message(conversation, bot, "I am passing you to a colleague.", author_type="bot")
    services.post_message(conversation, customer, "still waiting")
    assert calls == []  # no agent reply yet: first response runs from creation either way
    clock.advance(minutes=5)
    services.post_message(conversation, services.Actor.for_agent(agent), "Which network did you use?")
    assert calls == [conversation.pk]
    clock.advance(minutes=2)
    asked = clock.now
    services.post_message(conversation, customer, "TRC20")  # starts the next-response wait
    services.post_message(conversation, bot, "Thanks, noted.", author_type="bot")
    clock.advance(minutes=1)
    services.post_message(conversation, customer, "and no memo")  # same turn, the bot in between
    assert calls == [conversation.pk] * 2
    sla = state(conversation)
    assert sla.next_response_started_at == asked and sla.next_response_due_at == asked + 30 * M
    assert sla.first_response_met_at == asked - 2 * M
