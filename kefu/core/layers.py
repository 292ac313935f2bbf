"""The in-memory channel layer (one process, no Redis) with its expiry sweep run at most every so often.

Channels' `InMemoryChannelLayer` walks every channel with a queue (each open socket waiting on a
`receive` has one) and every group membership on **each** `receive` and `group_send`, to drop
messages older than `expiry` (60 s) and memberships older than `group_expiry` (a day). With 200 open
widget sockets that walk cost more than relaying the message itself. Here it runs at most once per
`clean_interval` seconds (default 1): an expired message or membership goes up to that much later.
"""

from __future__ import annotations

import time

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
