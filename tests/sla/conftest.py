"""SLA fixtures: a controllable clock, calendars, a policy factory, and a way to read console events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone, translation

from kefu.accounts.models import Team
from kefu.sla import scheduling
from kefu.sla.calendars import ensure_always_open_calendar
from kefu.sla.models import Calendar, SlaPolicy

# Monday 23 November 2026, 10:00 in Shanghai.
MONDAY_10_SHANGHAI = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; a test elsewhere may leave another language active."""
    translation.activate("en")
    yield
    translation.deactivate()


class Clock:
    """Stands in for django.utils.timezone.now, so stored timestamps and `now` move only when told."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: datetime) -> datetime:
        self.now = value.astimezone(UTC)
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(MONDAY_10_SHANGHAI)
    monkeypatch.setattr(timezone, "now", fake)
    monkeypatch.setattr(scheduling, "_last_sweep_check", 0.0)
    return fake


@pytest.fixture
def always_open(db) -> Calendar:
    return ensure_always_open_calendar()


@pytest.fixture
def shanghai_office(db) -> Calendar:
    """Monday to Friday 09:00-12:00 and 13:00-18:00 in Shanghai (a lunch break)."""
    calendar = Calendar.objects.create(name="Shanghai office", time_zone="Asia/Shanghai")
    for day in range(5):
        calendar.intervals.create(weekday=day, start=time(9), end=time(12))
        calendar.intervals.create(weekday=day, start=time(13), end=time(18))
    return calendar


@pytest.fixture
def l2_team(db) -> Team:
    return Team.objects.create(name="L2", slug="l2")


@pytest.fixture
def make_policy(db, always_open):
    def make(name="Standard", calendar=None, first=60, next_=30, resolution=24 * 60, **conditions) -> SlaPolicy:
        teams = conditions.pop("teams", [])
        policy = SlaPolicy.objects.create(
            name=name, calendar=calendar or always_open, first_response_minutes=first, next_response_minutes=next_,
            resolution_minutes=resolution, **conditions)
        policy.teams.set(teams)
        return policy
    return make


def events_during(groups: list[str], action, timeout: float = 0.3):
    """Run `action()` while listening on channel-layer groups like a console socket does.

    Subscribing, the action and receiving share one event loop, as they do in a real server (the
    Redis layer keeps its subscriptions per loop). Returns (action's result, events received).
    """
    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        for group in groups:
            await layer.group_add(group, channel)
        result = await sync_to_async(action)()
        found = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout)
            except TimeoutError:
                break
            found.append(message["event"])
        for group in groups:
            await layer.group_discard(group, channel)
        return result, found
    return async_to_sync(scenario)()
