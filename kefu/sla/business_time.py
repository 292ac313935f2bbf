"""Business-time arithmetic on a calendar: working windows, adding business seconds, measuring them.

A calendar is a time zone, working intervals per weekday (local wall-clock times) and holidays (local
dates). The rules, also written down for supervisors in docs/sla.md:

- An interval belongs to the weekday it starts on. An end at or before its start means the interval runs
  past midnight into the next day (22:00-06:00); 00:00-00:00 is the whole day.
- A holiday removes every interval that *starts* on that date (a night shift that began the evening
  before a holiday still runs to its end).
- Wall-clock times are read in the calendar's time zone on that date, so a 09:00-17:00 interval is
  8 real hours on most days and still 09:00-17:00 local on the days daylight-saving time changes. A
  local time that does not exist (the hour skipped in spring) is read with the offset before the change,
  i.e. it lands one hour later; an ambiguous one (the repeated hour in autumn) means its first occurrence.
- Business time is real elapsed time (UTC) inside the working windows; overlapping or touching windows
  merge into one.

All instants in and out are aware datetimes; results are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead to look for the next working time before deciding there is none (a calendar with every
# interval removed by holidays for two years is treated as never open).
MAX_SCAN_DAYS = 800
ZERO = timedelta(0)


@dataclass(frozen=True)
class Interval:
    """Working time on one weekday (0 = Monday), local wall-clock `start` to `end`."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class Schedule:
    """A calendar reduced to what the arithmetic needs; build one with `Calendar.schedule()`."""

    time_zone: ZoneInfo
    intervals: tuple[Interval, ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def always_open(cls, time_zone: str = "UTC") -> Schedule:
        return cls(ZoneInfo(time_zone), tuple(Interval(d, time(0), time(0)) for d in range(7)))

    @property
    def is_always_open(self) -> bool:
        whole_days = {i.weekday for i in self.intervals if i.start == time(0) and i.end == time(0)}
        return whole_days == set(range(7)) and not self.holidays


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("business-time math needs aware datetimes")
    return value.astimezone(UTC)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _day_windows(schedule: Schedule, day: date) -> list[tuple[datetime, datetime]]:
    if day in schedule.holidays:
        return []
    found = []
    for interval in schedule.intervals:
        if interval.weekday != day.weekday():
            continue
        start = _local(day, interval.start, schedule.time_zone)
        end_day = day + timedelta(days=1) if interval.crosses_midnight else day
        end = _local(end_day, interval.end, schedule.time_zone)
        if end > start:
            found.append((start, end))
    return sorted(found)


def windows(schedule: Schedule, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Merged working windows (UTC start, end) in time order, from the one containing `after` on.

    The first window may start before `after`; callers clip it. Ends when no working time is found
    within MAX_SCAN_DAYS of the last window.
    """
    after = _utc(after)
    if schedule.is_always_open:
        yield after, datetime.max.replace(tzinfo=UTC)
        return
    # Start a day early: yesterday's interval may run past midnight into today.
    day = after.astimezone(schedule.time_zone).date() - timedelta(days=1)
    pending: tuple[datetime, datetime] | None = None
    idle_days = 0
    while idle_days <= MAX_SCAN_DAYS:
        todays = _day_windows(schedule, day)
        idle_days = 0 if todays else idle_days + 1
        for start, end in todays:
            if pending is not None and start <= pending[1]:
                pending = (pending[0], max(pending[1], end))
                continue
            if pending is not None and pending[1] > after:
                yield pending
            pending = (start, end)
        day += timedelta(days=1)
    if pending is not None and pending[1] > after:
        yield pending


def _clipped(schedule: Schedule, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    after = _utc(after)
    for start, end in windows(schedule, after):
        yield max(start, after), end


def is_working(schedule: Schedule, at: datetime) -> bool:
    """Whether `at` falls inside working time (window starts count, window ends do not)."""
    at = _utc(at)
    for start, end in windows(schedule, at):
        return start <= at < end
    return False


def next_working_instant(schedule: Schedule, at: datetime) -> datetime | None:
    """`at` itself during working time, else the start of the next working window (None: never)."""
    at = _utc(at)
    for start, end in _clipped(schedule, at):
        if end > start:
            return start
    return None


def add_business(schedule: Schedule, start: datetime, amount: timedelta) -> datetime | None:
    """The instant when `amount` of business time has passed since `start` (None: never).

    Adding zero returns `start` unchanged. A result that uses a window up to its very end is that end,
    not the start of the next window.
    """
    start = _utc(start)
    if amount <= ZERO:
        return start
    remaining = amount
    for window_start, window_end in _clipped(schedule, start):
        length = window_end - window_start
        if remaining <= length:
            return window_start + remaining
        remaining -= length
    return None


def add_business_seconds(schedule: Schedule, start: datetime, seconds: float) -> datetime | None:
    """`add_business` with the amount in seconds."""
    return add_business(schedule, start, timedelta(seconds=seconds))


def business_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Business time inside [start, end); zero when end is not after start."""
    start, end = _utc(start), _utc(end)
    total = ZERO
    if end <= start:
        return total
    for window_start, window_end in _clipped(schedule, start):
        if window_start >= end:
            break
        total += min(window_end, end) - window_start
    return total


def business_seconds_between(schedule: Schedule, start: datetime, end: datetime) -> float:
    """`business_between` in seconds."""
    return business_between(schedule, start, end).total_seconds()


def business_in_segments(schedule: Schedule, segments: Iterable[tuple[datetime, datetime]]) -> timedelta:
    """Business time summed over several disjoint [start, end) segments (e.g. the unpaused spans)."""
    return sum((business_between(schedule, s, e) for s, e in segments), ZERO)


def crossing(schedule: Schedule, segments: Iterable[tuple[datetime, datetime | None]],
             amount: timedelta) -> datetime | None:
    """The instant when `amount` of business time has been used up, counting only inside `segments`.

    `segments` are the spans in which an SLA clock runs, in time order; the last may be open-ended
    (end None: the clock is running now). None when the segments end before the amount is used up
    (the clock is paused before reaching the deadline).
    """
    remaining = amount
    for start, end in segments:
        if end is None:
            return add_business(schedule, start, remaining)
        used = business_between(schedule, start, end)
        if remaining <= used:
            return add_business(schedule, start, remaining)
        remaining -= used
    return None
