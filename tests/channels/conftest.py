"""Fixtures for channel tests: recorded real-time events and the real background task worker."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command

from kefu.channels.models import Delivery


class EventLog:
    def __init__(self) -> None:
        self.events: list[tuple[list[str], dict]] = []
        self.lock = threading.Lock()

    def record(self, groups: list[str], event: dict) -> None:
        with self.lock:
            self.events.append((groups, event))

    def record_many(self, batch: list[tuple[list[str], dict]]) -> None:
        for groups, event in batch:
            self.record(groups, event)

    def of_type(self, kind: str) -> list[dict]:
        with self.lock:
            return [event for _groups, event in self.events if event["type"] == kind]


@pytest.fixture
def published(monkeypatch) -> EventLog:
    """Every real-time event the services publish (after commit), as the channel layer would get it."""
    log = EventLog()
    monkeypatch.setattr("kefu.core.events._send", log.record)
    monkeypatch.setattr("kefu.core.events._send_many", log.record_many)
    return log


@pytest.fixture
def fast_retries(settings):
    settings.KEFU_CHANNEL_RETRY_BASE_SECONDS = 0
    settings.KEFU_CHANNEL_HTTP_TIMEOUT = 5
    return settings


def run_worker(max_tasks: int | None = None) -> None:
    """Run the django-tasks-db worker in this process until no task is ready (its --batch mode)."""
    extra = ["--max-tasks", str(max_tasks)] if max_tasks else []
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", "--interval", "0.01",
                 *extra, verbosity=0)


@pytest.fixture
def worker():
    return run_worker


def delivery_of(message) -> Delivery:
    return Delivery.objects.get(message=message)


def _refuse_seed_phrases(draft) -> None:
    from kefu.core.errors import InvalidInput

    if draft.is_customer and "SEED PHRASE" in draft.body:
        raise InvalidInput("Never send your seed phrase to anyone, support included.")


@pytest.fixture
def refusing_filter(monkeypatch):
    """A message filter that refuses some customer messages, as the safety app's may."""
    from kefu.conversations import hooks

    monkeypatch.setattr(hooks, "_filters", [(10, "refuse", _refuse_seed_phrases)])
