"""Events a consumer's database call publishes are sent from the event loop once the call returns."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from kefu.core import events


def test_events_of_a_consumer_call_go_out_from_the_loop_in_one_message_per_group_in_order():
    layer = get_channel_layer()

    def call() -> str:  # what after-commit callbacks do on the database thread
        events._send_many([(["kefu-test"], {"type": "a", "event_id": "1"}), (["kefu-test"], {"type": "b"})])
        events._send(["kefu-test"], {"type": "c", "event_id": "3"})
        return "done"

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add("kefu-test", channel)
        try:
            result = await events.sending_from_the_loop(lambda: sync_to_async(call)())
            message = await asyncio.wait_for(layer.receive(channel), 5)
        finally:
            await layer.group_discard("kefu-test", channel)
        return result, message

    result, message = async_to_sync(scenario)()
    # Without the collector the database thread would have sent two layer messages ([a, b], then c).
    assert result == "done"
    assert message["type"] == "kefu.events" and [e["type"] for e in message["events"]] == ["a", "b", "c"]
