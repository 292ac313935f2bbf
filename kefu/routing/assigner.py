"""The assigner loop: routes new conversations, assigns waiting ones, keeps presence and surge current.

It runs inside every `kefu serve` process (started by the first request; `with_assigner` wraps the
ASGI application), or alone as `kefu routing-worker` (then set KEFU_ROUTING_ASSIGNER=worker on the
servers, and use Redis so its events reach the sockets). Several loops may run at once: the row locks
in services.assign_waiting keep them from assigning anything twice. On start it catches up on
everything that happened while it was down: conversations never routed, queues that can move.

Hooks wake it (`wake()`); otherwise it polls every KEFU_ROUTING_POLL_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

log = logging.getLogger(__name__)

_loop: asyncio.AbstractEventLoop | None = None
_event: asyncio.Event | None = None
_started = threading.Lock()
_task: asyncio.Task | None = None


def route_unrouted(max_age_seconds: float | None = None, min_age_seconds: float = 0.0, limit: int = 500) -> int:
    """Route conversations the hooks never saw (server down, crash between commit and hook)."""
    from kefu.conversations.models import Conversation
    from kefu.conversations.taxonomy import RESOLVED_STATUSES
    from kefu.routing import services

    now = timezone.now()
    missing = Conversation.objects.filter(routing__isnull=True).exclude(status__in=RESOLVED_STATUSES)
    if max_age_seconds is not None:
        missing = missing.filter(created_at__gte=now - timezone.timedelta(seconds=max_age_seconds))
    if min_age_seconds:
        missing = missing.filter(created_at__lte=now - timezone.timedelta(seconds=min_age_seconds))
    routed = 0
    for conversation in missing.order_by("created_at")[:limit]:
        try:
            if services.route_conversation(conversation) is not None:
                routed += 1
        except Exception:
            log.exception("could not route conversation %s", conversation.pk)
    return routed


class Housekeeping:
    """The slower duties, each at its own interval."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    def due(self, name: str, every: float) -> bool:
        now = time.monotonic()
        if now - self.last.get(name, 0.0) >= every:
            self.last[name] = now
            return True
        return False


def run_once(house: Housekeeping | None = None, *, catch_up: bool = False, teams=None) -> dict:
    """One pass: route stragglers, assign what fits (in `teams`, or every queue if None), and (when due)
    presence, surge and queue positions. Returns {team_id: (assigned, saturated)}."""
    from kefu.routing import queues, services, surge

    house = house or Housekeeping()
    try:
        if catch_up:
            route_unrouted()
        elif house.due("route", 10.0):
            route_unrouted(max_age_seconds=3600, min_age_seconds=5)
        result = services.assign_teams(teams, max_rounds=1)
        if house.due("presence", 5.0):
            services.sweep_presence()
        if house.due("surge", 5.0):
            surge.evaluate_surge()
        if house.due("positions", settings.KEFU_ROUTING_POSITION_SECONDS):
            for team_id in services.teams_with_waiting():
                queues.announce_positions(team_id)
        return result
    finally:
        close_old_connections()
        connections.close_all()


class Wakes:
    """What the hooks asked for since the last pass; touched only on the loop's own thread."""

    def __init__(self) -> None:
        self.everything = True  # the first pass looks at every queue
        self.teams: set = set()
        self.saturated: set = set()

    def mark(self, teams, freed: bool) -> None:
        if teams is None:
            self.everything = True
            self.saturated.clear()
            return
        for team in teams:
            if freed:
                self.saturated.discard(team)
                self.teams.add(team)
            elif team not in self.saturated:
                self.teams.add(team)

    def take(self):
        """The queues to look at now (None: all), and forget them."""
        teams = None if self.everything else set(self.teams)
        self.everything, self.teams = False, set()
        return teams

    def learn(self, result: dict) -> bool:
        """Remember which queues are full; returns True when a queue may hold more to assign right away."""
        more = False
        for team, (assigned, saturated) in result.items():
            (self.saturated.add if saturated else self.saturated.discard)(team)
            if not saturated and assigned >= settings.KEFU_ROUTING_BATCH:
                self.teams.add(team)
                more = True
        return more


_wakes: Wakes | None = None


async def run_forever(poll: float | None = None) -> None:
    """The loop itself; cancelling the task stops it. A pass without a wake looks at every queue."""
    global _loop, _event, _wakes
    _loop = asyncio.get_running_loop()
    _event = asyncio.Event()
    _wakes = Wakes()
    poll = poll if poll is not None else settings.KEFU_ROUTING_POLL_SECONDS
    house = Housekeeping()
    first = True
    while True:
        teams = _wakes.take()
        started = time.monotonic()
        try:
            result = await sync_to_async(run_once, thread_sensitive=False)(house, catch_up=first, teams=teams)
            if _wakes.learn(result):
                _event.set()  # a full batch: go round again at once
            took = time.monotonic() - started
            if took > 1.0:
                log.warning("routing pass took %.2f s (%s queues, %s assigned)", took, len(result),
                            sum(n for n, _ in result.values()))
            first = False
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("routing assigner pass failed; retrying")
            _wakes.everything = True
            await asyncio.sleep(1.0)
        try:
            await asyncio.wait_for(_event.wait(), timeout=poll)
        except TimeoutError:
            _wakes.everything = True  # nobody woke us: look at every queue (other processes free capacity too)
        _event.clear()


def running_here() -> bool:
    return _loop is not None and _event is not None and not _loop.is_closed()


def _mark(teams, freed: bool) -> None:
    if _wakes is not None:
        _wakes.mark(teams, freed)
    if _event is not None:
        _event.set()


def wake(teams=None, freed: bool = True) -> None:
    """Run the loop now for these queues. Without a loop in this process (tests, CLI) assign inline."""
    if running_here():
        _loop.call_soon_threadsafe(_mark, None if teams is None else frozenset(teams), freed)
        return
    if settings.KEFU_ROUTING_ASSIGNER == "worker":
        return  # a separate `kefu routing-worker` polls
    from kefu.routing import services

    services.assign_all(teams)


def ensure_started() -> None:
    """Start the loop on the running event loop once per process (KEFU_ROUTING_ASSIGNER=server)."""
    global _task
    if _task is not None or settings.KEFU_ROUTING_ASSIGNER != "server":
        return
    with _started:
        if _task is None:
            _task = asyncio.get_running_loop().create_task(run_forever())


def with_assigner(application):
    """Wrap an ASGI application so the first connection starts this process's assigner loop."""

    async def app(scope, receive, send):
        if _task is None:
            ensure_started()
        return await application(scope, receive, send)

    return app
