"""The in-memory channel layer's expiry sweep runs at most once per interval, and still runs."""

from __future__ import annotations

from asgiref.sync import async_to_sync

from kefu.core import layers


def test_expired_messages_are_swept_at_most_once_per_interval(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(layers.time, "monotonic", lambda: now[0])
    layer = layers.ThrottledInMemoryChannelLayer(expiry=-1, clean_interval=5)  # every message born expired

    async def scenario() -> list[int]:
        seen = []
        await layer.group_add("g", "a.inmemory!x")
        await layer.send("a.inmemory!x", {"type": "m"})
        layer._clean_expired()  # first sweep: runs, drops the message and the membership
        seen.append(len(layer.channels))
        await layer.group_add("g", "a.inmemory!x")
        await layer.send("a.inmemory!x", {"type": "m"})
        await layer.group_send("g", {"type": "m"})  # within the interval: no sweep
        seen.append(layer.channels["a.inmemory!x"].qsize())
        now[0] += 5
        layer._clean_expired()  # the interval passed: swept again
        seen.append(len(layer.channels))
        seen.append(len(layer.groups.get("g", {})))
        return seen

    assert async_to_sync(scenario)() == [0, 2, 0, 0]


def test_group_messages_reach_every_member_as_their_own_top_level_copy():
    layer = layers.ThrottledInMemoryChannelLayer(capacity=1)

    async def scenario():
        for name in ("a", "b", "full"):
            await layer.group_add("team", f"x.inmemory!{name}")
        await layer.send("x.inmemory!full", {"type": "filler"})  # at capacity: misses the group message
        event = {"type": "kefu.event", "event": {"type": "message.created", "body": "hi"}}
        await layer.group_send("team", event)
        a = await layer.receive("x.inmemory!a")
        b = await layer.receive("x.inmemory!b")
        full = await layer.receive("x.inmemory!full")
        a["type"] = "changed by a"  # a receiver's own top level does not leak to the others
        queue = layer.channels.get("x.inmemory!full")  # emptied queues are dropped
        return a, b, full, queue.qsize() if queue is not None else 0

    a, b, full, left = async_to_sync(scenario)()
    assert b["type"] == "kefu.event" and a["event"] == b["event"] == {"type": "message.created", "body": "hi"}
    assert full == {"type": "filler"} and left == 0
