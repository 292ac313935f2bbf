"""Business-time math: fixed examples across time zones and DST changes, and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.sla.business_time import (
    Interval,
    Schedule,
    add_business,
    business_between,
    crossing,
    is_working,
    next_working_instant,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SHANGHAI = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)


def office(tz: ZoneInfo, start=time(9), end=time(17), days=range(5), holidays=()) -> Schedule:
    return Schedule(tz, tuple(Interval(d, start, end) for d in days), frozenset(holidays))


def night_shift(tz: ZoneInfo) -> Schedule:
    # Monday to Friday nights, 22:00 to 06:00 the next morning.
    return Schedule(tz, tuple(Interval(d, time(22), time(6)) for d in range(5)))


def local(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_office_hours_skip_nights_and_weekends():
    cal = office(SHANGHAI)
    friday_4pm = local(SHANGHAI, 2026, 11, 20, 16)
    due = add_business(cal, friday_4pm, 2 * H)
    assert due == local(SHANGHAI, 2026, 11, 23, 10)  # one hour Friday, one hour Monday
    assert business_between(cal, friday_4pm, due) == 2 * H
    assert not is_working(cal, local(SHANGHAI, 2026, 11, 21, 12))
    assert next_working_instant(cal, local(SHANGHAI, 2026, 11, 21, 12)) == local(SHANGHAI, 2026, 11, 23, 9)
    assert next_working_instant(cal, friday_4pm) == friday_4pm


def test_new_york_spring_forward_day_is_still_9_to_17_local():
    # 2026-03-08: clocks jump from 02:00 to 03:00 in New York. Sunday; make Sunday a working day.
    cal = office(NY, time(0), time(12), days=[6])
    sunday = local(NY, 2026, 3, 8, 0)
    # Midnight to noon local is 11 real hours that day.
    assert business_between(cal, sunday, local(NY, 2026, 3, 8, 23)) == 11 * H
    assert add_business(cal, sunday, 11 * H) == local(NY, 2026, 3, 8, 12)


def test_new_york_fall_back_day_has_a_longer_window():
    # 2026-11-01: 01:00-02:00 happens twice.
    cal = office(NY, time(0), time(12), days=[6])
    sunday = local(NY, 2026, 11, 1, 0)
    assert business_between(cal, sunday, local(NY, 2026, 11, 1, 23)) == 13 * H
    # Across the week boundary the next Sunday has 12 hours again.
    assert add_business(cal, sunday, 14 * H) == local(NY, 2026, 11, 8, 1)


def test_london_office_across_the_clock_change_keeps_local_hours():
    cal = office(LONDON)
    friday = local(LONDON, 2026, 3, 27, 16)  # Sunday 29 March the UK moves to BST
    due = add_business(cal, friday, 2 * H)
    assert due == local(LONDON, 2026, 3, 30, 10)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 9, tzinfo=UTC)


def test_nonexistent_local_start_lands_an_hour_later():
    cal = Schedule(NY, (Interval(6, time(2, 30), time(4)),))
    assert next_working_instant(cal, local(NY, 2026, 3, 8, 0)) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert business_between(cal, local(NY, 2026, 3, 8, 0), local(NY, 2026, 3, 8, 5)) == timedelta(minutes=30)


def test_night_shift_crosses_midnight():
    cal = night_shift(SHANGHAI)
    monday_23 = local(SHANGHAI, 2026, 11, 23, 23)
    assert is_working(cal, monday_23)
    assert is_working(cal, local(SHANGHAI, 2026, 11, 24, 5, 59))
    assert not is_working(cal, local(SHANGHAI, 2026, 11, 24, 6))
    # Friday night runs into Saturday morning; then nothing until Monday 22:00.
    assert add_business(cal, local(SHANGHAI, 2026, 11, 28, 5), 2 * H) == local(SHANGHAI, 2026, 11, 30, 23)


def test_holiday_removes_intervals_starting_that_day_only():
    cal = Schedule(SHANGHAI, tuple(Interval(d, time(22), time(6)) for d in range(7)), frozenset({date(2026, 10, 1)}))
    # The shift of 30 September runs into the holiday morning ...
    assert is_working(cal, local(SHANGHAI, 2026, 10, 1, 3))
    # ... but no shift starts on 1 October.
    assert not is_working(cal, local(SHANGHAI, 2026, 10, 1, 23))
    assert next_working_instant(cal, local(SHANGHAI, 2026, 10, 1, 7)) == local(SHANGHAI, 2026, 10, 2, 22)


def test_overlapping_intervals_merge():
    cal = Schedule(SHANGHAI, (Interval(0, time(9), time(13)), Interval(0, time(12), time(18))))
    monday = local(SHANGHAI, 2026, 11, 23, 0)
    assert business_between(cal, monday, monday + 24 * H) == 9 * H


def test_empty_calendar_never_opens():
    cal = Schedule(SHANGHAI, ())
    assert next_working_instant(cal, local(SHANGHAI, 2026, 1, 1)) is None
    assert add_business(cal, local(SHANGHAI, 2026, 1, 1), H) is None


def test_always_open_is_plain_arithmetic():
    cal = Schedule.always_open("Asia/Shanghai")
    start = local(NY, 2026, 3, 8, 1)
    # 01:00 EST + 5 real hours is 07:00 EDT (clocks jumped at 02:00).
    assert add_business(cal, start, 5 * H) == local(NY, 2026, 3, 8, 7)


def test_crossing_skips_paused_segments():
    cal = Schedule.always_open()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    running = [(t0, t0 + H), (t0 + 3 * H, None)]  # paused for two hours
    assert crossing(cal, running, 90 * timedelta(minutes=1)) == t0 + 3.5 * H
    assert crossing(cal, [(t0, t0 + H)], 2 * H) is None  # paused before the deadline
    assert crossing(cal, [(t0, t0 + H)], 30 * timedelta(minutes=1)) == t0 + 0.5 * H


# --- properties -----------------------------------------------------------------------------------

ZONES = ["America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe", "UTC"]
times = st.integers(0, 47).map(lambda half_hours: time(half_hours // 2, 30 * (half_hours % 2)))


@st.composite
def schedules(draw) -> Schedule:
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    intervals = draw(st.lists(st.builds(Interval, st.integers(0, 6), times, times), min_size=1, max_size=8))
    holidays = draw(st.frozensets(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=20))
    return Schedule(tz, tuple(intervals), holidays)


instants = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))
durations = st.integers(0, 200 * 3600).map(lambda s: timedelta(seconds=s))


@settings(max_examples=150, deadline=None)
@given(schedules(), instants, durations)
def test_between_inverts_add(cal, start, amount):
    due = add_business(cal, start, amount)
    if due is None:
        return
    assert due >= start
    assert business_between(cal, start, due) == amount
    if amount > timedelta(0):
        # Nothing earlier reaches the amount: just before `due` there is less business time.
        assert business_between(cal, start, due - timedelta(seconds=1)) < amount


@settings(max_examples=150, deadline=None)
@given(schedules(), instants, durations, durations)
def test_between_is_additive(cal, start, first, second):
    middle, end = start + first, start + first + second
    whole = business_between(cal, start, end)
    assert whole == business_between(cal, start, middle) + business_between(cal, middle, end)
    assert business_between(cal, start, end) <= end - start


@settings(max_examples=150, deadline=None)
@given(schedules(), instants)
def test_next_working_instant_is_working(cal, at):
    nxt = next_working_instant(cal, at)
    if nxt is None:
        return
    assert nxt >= at
    assert is_working(cal, nxt)
    assert business_between(cal, at, nxt) == timedelta(0)
