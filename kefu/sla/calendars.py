"""Which calendar applies where, and the iCal holiday import."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import InvalidInput, NotFound
from kefu.sla.business_time import Schedule
from kefu.sla.models import Calendar, ContactTimeZone, Holiday, InboxHours, TeamCalendar, validate_time_zone

DEFAULT_CALENDAR_NAME = "24/7"
MAX_HOLIDAY_SPAN_DAYS = 366


def default_calendar() -> Calendar:
    """The calendar marked default, else the 24/7 calendar (created by a data migration)."""
    calendar = Calendar.objects.filter(is_default=True).order_by("pk").first()
    if calendar is None:
        calendar = Calendar.objects.filter(name=DEFAULT_CALENDAR_NAME).first()
    if calendar is None:
        calendar = ensure_always_open_calendar()
    return calendar


def ensure_always_open_calendar() -> Calendar:
    """Create the 24/7 calendar if it is missing (it is normally made by migration 0002)."""
    from datetime import time

    calendar, created = Calendar.objects.get_or_create(
        name=DEFAULT_CALENDAR_NAME, defaults={"time_zone": "UTC", "is_default": True})
    if created:
        for weekday in range(7):
            calendar.intervals.create(weekday=weekday, start=time(0), end=time(0))
    return calendar


def team_calendar(team_id: int | None) -> Calendar:
    link = TeamCalendar.objects.filter(team_id=team_id).select_related("calendar").first() if team_id else None
    return link.calendar if link else default_calendar()


_inbox_hours: dict[int, tuple[float, InboxHours | None]] = {}
_inbox_hours_lock = threading.Lock()


def inbox_hours(inbox_id: int) -> InboxHours | None:
    """The inbox's business hours, or None (read on every customer message, so cached per process:
    saving or deleting hours or a calendar here clears it; another process's change is seen within
    the SLA configuration's recheck interval). The cached row is shared: treat it as read-only."""
    from kefu.sla.config import recheck_seconds

    now = time.monotonic()
    cached = _inbox_hours.get(inbox_id)
    if cached is not None and now - cached[0] < recheck_seconds():
        return cached[1]
    found = InboxHours.objects.filter(inbox_id=inbox_id).select_related("calendar").first()
    with _inbox_hours_lock:
        _inbox_hours[inbox_id] = (now, found)
    return found


def forget_inbox_hours(**_kwargs) -> None:
    with _inbox_hours_lock:
        _inbox_hours.clear()


def schedule_of(calendar: Calendar | None) -> Schedule:
    return (calendar or default_calendar()).schedule()


def find_calendar(name_or_id: str) -> Calendar:
    """A calendar by name or id, or NotFound with the names that exist."""
    found = Calendar.objects.filter(name=name_or_id).first()
    if found is None and name_or_id.isdigit():
        found = Calendar.objects.filter(pk=int(name_or_id)).first()
    if found is None:
        names = ", ".join(Calendar.objects.values_list("name", flat=True)) or "-"
        raise NotFound(_("No calendar named %(name)s (calendars: %(names)s).") % {"name": name_or_id, "names": names})
    return found


@dataclass(frozen=True)
class HolidayImport:
    created: int
    updated: int
    events: int


def _event_dates(event) -> list[date]:
    start = event.get("DTSTART")
    if start is None:
        return []
    first = start.dt.date() if isinstance(start.dt, datetime) else start.dt
    end = event.get("DTEND")
    if end is not None:
        last = end.dt.date() if isinstance(end.dt, datetime) else end.dt - timedelta(days=1)  # DTEND is exclusive
    elif event.get("DURATION") is not None:
        last = first + max(timedelta(0), event.get("DURATION").dt - timedelta(days=1))
    else:
        last = first
    if (last - first).days > MAX_HOLIDAY_SPAN_DAYS:
        raise InvalidInput(_("An event spans more than a year; is this a holiday calendar?"))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _parse_ics(data: bytes):
    from icalendar import Calendar as ICalendar

    try:
        parsed = ICalendar.from_ical(data)
    except ValueError as error:
        raise InvalidInput(_("Not a valid iCalendar file: %(error)s") % {"error": error}) from error
    if isinstance(parsed, list):  # several VCALENDARs in one file
        return [event for cal in parsed for event in cal.walk("VEVENT")]
    return parsed.walk("VEVENT")


@transaction.atomic
def import_holidays(calendar: Calendar, data: bytes) -> HolidayImport:
    """Add every day of every VEVENT in an iCalendar file as a holiday of `calendar`.

    Multi-day events add each day; a day already present gets the event's name. Nothing is removed.
    Raises InvalidInput for a file that is not iCalendar or has no events.
    """
    events = _parse_ics(data)
    if not events:
        raise InvalidInput(_("The file has no events (VEVENT) to import."))
    created = updated = 0
    for event in events:
        name = str(event.get("SUMMARY", ""))[:200]
        for day in _event_dates(event):
            _holiday, was_created = Holiday.objects.update_or_create(
                calendar=calendar, date=day, defaults={"name": name})
            created += was_created
            updated += not was_created
    return HolidayImport(created, updated, len(events))


def set_contact_time_zone(contact_id: int, time_zone: str) -> ContactTimeZone:
    """Remember a customer's time zone (reported by their browser); InvalidInput for an unknown zone."""
    from django.core.exceptions import ValidationError

    time_zone = (time_zone or "").strip()
    try:
        validate_time_zone(time_zone)
    except ValidationError as error:
        raise InvalidInput(_("%(value)s is not an IANA time zone (e.g. Asia/Shanghai).") % {"value": time_zone[:64]}) \
            from error
    found, _created = ContactTimeZone.objects.update_or_create(contact_id=contact_id, defaults={"time_zone": time_zone})
    return found
