"""Runtime patches for benchmark experiments (see kefu_bench_settings). Never used by kefu itself."""

from __future__ import annotations

from typing import Any


class SyncOnlyMiddleware:
    """A no-op, sync-only middleware: placed innermost, it makes Django run the chain in sync mode."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


def _patch_relay_dispatch() -> None:
    from channels.consumer import AsyncConsumer

    original = AsyncConsumer.dispatch

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "kefu.event" and hasattr(self, "kefu_event"):
            await self.kefu_event(message)  # a pure relay: no database, so no close_old_connections hop
            return
        await original(self, message)

    AsyncConsumer.dispatch = dispatch


def _patch_one_publish_hop() -> None:
    import uuid

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.db import connection, transaction

    from kefu.core import events

    def flush(batch: list) -> None:
        layer = get_channel_layer()
        if layer is None:
            return

        async def send_all() -> None:
            for groups, event in batch:
                await events._send_all(layer, groups, {"type": "kefu.event", "event": event})

        async_to_sync(send_all)()

    def publish(groups, event) -> None:
        group_list = sorted(set(groups))
        event = {**event, "event_id": uuid.uuid4().hex}
        if not connection.in_atomic_block:
            flush([(group_list, event)])
            return
        # One batch per transaction: reuse it while its on_commit hook is still pending on this
        # connection (a commit runs it, a rollback discards it; either way a new batch starts).
        current = getattr(connection, "_bench_publish_batch", None)
        if current is None or not any(item[1] is current[0] for item in connection.run_on_commit):
            batch: list = []

            def run() -> None:
                flush(batch)

            current = connection._bench_publish_batch = (run, batch)
            transaction.on_commit(run)
        batch = current[1]
        batch.append((group_list, event))

    events.publish = publish
    # kefu.conversations.events imported the function by name.
    from kefu.conversations import events as conversation_events

    conversation_events.publish = publish


def _patch_consumer_threadpool() -> None:
    """Run the widget/console sockets' database work in a thread pool instead of asgiref's one shared thread."""
    from channels.db import DatabaseSyncToAsync

    from kefu.web import consumers

    def pooled(func=None, *, thread_sensitive=False):
        if func is None:
            return lambda f: DatabaseSyncToAsync(f, thread_sensitive=False)
        return DatabaseSyncToAsync(func, thread_sensitive=False)

    consumers.database_sync_to_async = pooled
    # Methods decorated at import time (e.g. ConsoleConsumer._groups) keep the shared thread; the hot
    # path, WidgetConsumer.on_send -> database_sync_to_async(self._send_message), looks the name up per call.


def install_after_setup(experiments: set[str]) -> None:
    """Apply the patches once Django's apps are loaded (wraps django.setup)."""
    import django

    original_setup = django.setup
    state = {"done": False}

    def setup(*args, **kwargs):
        original_setup(*args, **kwargs)
        if not state["done"]:
            state["done"] = True
            if "relay-no-db-hop" in experiments:
                _patch_relay_dispatch()
            if "one-publish-hop" in experiments:
                _patch_one_publish_hop()
            if "consumer-threadpool" in experiments:
                _patch_consumer_threadpool()

    django.setup = setup
