"""The socket relay drops an event that reached it through a second group, and remembers a bounded
number of event ids."""

from __future__ import annotations

from collections import deque

from asgiref.sync import async_to_sync

from kefu.web import consumers


def test_an_event_is_sent_once_and_old_ids_are_forgotten(monkeypatch):
    monkeypatch.setattr(consumers, "SEEN_IDS", 3)
    relay = consumers.EventRelay()
    relay.seen_order, relay.seen_ids = deque(), set()
    sent = []

    async def send_json(event, close=False):
        sent.append(event["event_id"])

    relay.send_json = send_json

    async def scenario():
        for event_id in ["a", "a", "b", "c", "d", "b", "a"]:
            await relay.kefu_event({"type": "kefu.event", "event": {"type": "x", "event_id": event_id}})

    async_to_sync(scenario)()
    # "a" twice: once; "b" again while remembered: dropped; "a" after three newer ids: forgotten, sent again.
    assert sent == ["a", "b", "c", "d", "a"]
    assert len(relay.seen_ids) == len(relay.seen_order) == 3
