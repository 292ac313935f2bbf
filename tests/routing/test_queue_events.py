"""Queue position events reach the customer's widget group; estimates come from recent assignments."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from kefu.conversations.events import customer_group
from kefu.routing import queues
from kefu.routing.models import Assignment, QueueEntry


class Listener:
    """A channel in a group of the real channel layer, like a widget socket."""

    def __init__(self, group: str):
        self.layer = get_channel_layer()
        self.group = group
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(group, self.channel)

    def next(self, timeout: float = 5.0) -> dict:
        async def receive():
            return await asyncio.wait_for(self.layer.receive(self.channel), timeout)
        return async_to_sync(receive)()["event"]

    def close(self) -> None:
        async_to_sync(self.layer.group_discard)(self.group, self.channel)


@pytest.fixture
def listen(settings):
    # The in-memory layer: the listener and the publisher share this process (Redis pub/sub channels are
    # bound to the event loop that made them, and each async_to_sync call has its own).
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    made = []

    def make(conversation):
        listener = Listener(customer_group(conversation))
        made.append(listener)
        return listener
    yield make
    for listener in made:
        listener.close()
    channel_layers.backends.clear()


def test_waiting_customers_get_their_position_and_then_assigned(make_agent, new_conversation, listen,
                                                                django_capture_on_commit_callbacks):
    agent = make_agent("amy", chats=1)
    first, second, third = new_conversation(), new_conversation(), new_conversation()
    assert first.assignee_id == agent.pk and second.assignee_id is None
    second_events, third_events = listen(second), listen(third)
    with django_capture_on_commit_callbacks(execute=True):
        assert queues.announce_positions(second.team_id) == 2
    event = second_events.next()
    assert (event["type"], event["conversation_id"], event["position"], event["assigned"]) == (
        "queue.updated", second.pk, 1, False)
    assert third_events.next()["position"] == 2
    # Unchanged positions are not sent again.
    with django_capture_on_commit_callbacks(execute=True):
        assert queues.announce_positions(second.team_id) == 0
    # The first chat is solved: the second customer hears they are assigned, the third moves up.
    from kefu.conversations import services

    with django_capture_on_commit_callbacks(execute=True):
        services.update_conversation(first, services.Actor.for_agent(agent), services.Changes(status="solved"))
    assigned = second_events.next()
    while assigned["type"] != "queue.updated":  # the status/assignee change events come too
        assigned = second_events.next()
    assert (assigned["conversation_id"], assigned["position"], assigned["assigned"]) == (second.pk, 0, True)
    with django_capture_on_commit_callbacks(execute=True):
        assert queues.announce_positions(third.team_id) == 1
    assert third_events.next()["position"] == 1


def test_estimate_comes_from_recent_assignments(team, make_agent, new_conversation):
    agent = make_agent("amy", chats=0)
    assert queues.wait_estimate(team.pk).for_position(3) is None  # nothing to go by yet
    now = timezone.now()
    conv = new_conversation()
    for seconds_ago in (60, 40, 20, 0):  # four assignments in the last minute: one per 15 s
        record = Assignment.objects.create(conversation=conv, agent=agent, team=team, waited_seconds=30)
        Assignment.objects.filter(pk=record.pk).update(assigned_at=now - timezone.timedelta(seconds=seconds_ago))
    estimate = queues.wait_estimate(team.pk, now)
    assert estimate.for_position(2) == 30  # 4 assignments in 60 s -> 2 ahead take 30 s
    assert estimate.for_position(0) == 0
    status = queues.customer_status(conv.pk)
    assert status["position"] == 1 and status["estimated_wait_seconds"] == 15
    assert QueueEntry.objects.filter(team=team).count() == 1
