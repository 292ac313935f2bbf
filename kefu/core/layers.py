"""The in-memory channel layer (one process, no Redis) with its expiry sweep run at most every so often.

Channels' `InMemoryChannelLayer` walks every channel with a queue (each open socket waiting on a
`receive` has one) and every group membership on **each** `receive` and `group_send`, to drop
messages older than `expiry` (60 s) and memberships older than `group_expiry` (a day). With 200 open
widget sockets that walk cost more than relaying the message itself. Here it runs at most once per
`clean_interval` seconds (default 1): an expired message or membership goes up to that much later.

It also delivers a group message to each member directly, as a shallow copy of the message, where
Channels' layer starts a task per member and deep-copies the whole message for each (an event with
its conversation and message payloads, to every open console of a team). Receivers share the nested
payloads, so they must treat a received message as read-only, as kefu's consumers do; the Redis
layer gives each process its own copy anyway.
"""

from __future__ import annotations

import asyncio
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class ThrottledInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, clean_interval: float = 1.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clean_interval = clean_interval
        self._cleaned_at = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < self.clean_interval:
            return
        self._cleaned_at = now
        super()._clean_expired()

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait((time.time() + self.expiry, dict(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, {})):
            try:
                await self.send(channel, message)
            except ChannelFull:
                pass  # as Channels' layer: a full socket misses the message, the others get it
