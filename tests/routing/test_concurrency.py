"""Concurrent assigners on PostgreSQL: real transactions on separate connections, racing for one queue."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db.models import Count

from kefu.accounts.models import Agent, Presence, Role, Team
from kefu.accounts.services import create_agent
from kefu.channels.models import ChannelKind, Inbox
from kefu.contacts.models import Contact
from kefu.conversations import services
from kefu.conversations.models import AuditEvent, Conversation
from kefu.routing import services as routing
from kefu.routing.models import Assignment, QueueEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so there is no race to test "
                    "(set KEFU_DATABASE_URL=postgresql://...)")


def _setup(conversations_per_team: int, agents: int, capacity: int) -> tuple[list[Team], list[Agent]]:
    teams = [Team.objects.create(name=f"T{i}", slug=f"t{i}") for i in range(2)]
    people = []
    for i in range(agents):
        agent = create_agent(f"agent{i}", "correct-horse-battery", role=Role.AGENT, teams=["t0", "t1"])
        agent.chat_capacity = capacity
        agent.save()
        people.append(agent)
    for team in teams:
        inbox = Inbox.objects.create(name=team.name, kind=ChannelKind.WEBCHAT, default_team=team)
        for n in range(conversations_per_team):
            contact = Contact.objects.create(name=f"c{team.pk}-{n}")
            services.create_conversation(inbox, contact, services.Actor.for_customer(contact), body="hello")
    # Everyone comes online at once, without waking anyone: the racing threads do the assigning.
    Agent.objects.filter(pk__in=[a.pk for a in people]).update(presence=Presence.ONLINE)
    return teams, people


def _race(teams: list[Team], threads: int) -> list[BaseException]:
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            idle = 0
            turn = index
            while idle < 4:
                done = routing.assign_waiting(teams[turn % 2].pk, batch=5)
                idle = 0 if done else idle + 1
                turn += 1
        except BaseException as error:  # noqa: B036 - reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(w.is_alive() for w in workers), "an assigner thread hung"
    return errors


def test_concurrent_assigners_never_double_assign_nor_exceed_capacity():
    teams, people = _setup(conversations_per_team=40, agents=6, capacity=4)
    assert QueueEntry.objects.count() == 80
    errors = _race(teams, threads=8)
    assert errors == []
    slots = 6 * 4
    assert Conversation.objects.filter(assignee__isnull=False).count() == slots
    assert QueueEntry.objects.count() == 80 - slots
    twice = Assignment.objects.values("conversation_id").annotate(n=Count("id")).filter(n__gt=1)
    assert list(twice) == []
    audits = AuditEvent.objects.filter(action="assignee_changed").values("conversation_id").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in audits) and len(audits) == slots
    loads = Conversation.objects.filter(assignee__isnull=False).values("assignee_id").annotate(n=Count("id"))
    assert {row["assignee_id"]: row["n"] for row in loads} == {a.pk: 4 for a in people}
