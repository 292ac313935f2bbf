"""Calendars in the database: the default 24/7 calendar, team calendars, holidays and iCal import."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kefu.cli import main as kefu_main
from kefu.core.errors import InvalidInput, NotFound
from kefu.sla.business_time import is_working
from kefu.sla.calendars import default_calendar, find_calendar, import_holidays, team_calendar
from kefu.sla.models import Calendar, Holiday, TeamCalendar

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//kefu tests//holidays//EN
BEGIN:VEVENT
UID:national-day-2026@kefu.test
DTSTART;VALUE=DATE:20261001
DTEND;VALUE=DATE:20261004
SUMMARY:National Day
END:VEVENT
BEGIN:VEVENT
UID:new-year-2027@kefu.test
DTSTART;VALUE=DATE:20270101
SUMMARY:New Year's Day
END:VEVENT
END:VCALENDAR
"""


@pytest.mark.django_db
def test_default_calendar_is_always_open():
    calendar = default_calendar()
    assert calendar.name == "24/7"
    assert calendar.schedule().is_always_open
    assert is_working(calendar.schedule(), datetime(2026, 12, 25, 3, 0).astimezone())


@pytest.mark.django_db
def test_team_without_calendar_uses_the_default(team, shanghai_office):
    assert team_calendar(team.pk) == default_calendar()
    TeamCalendar.objects.create(team=team, calendar=shanghai_office)
    assert team_calendar(team.pk) == shanghai_office


@pytest.mark.django_db
def test_ical_import_adds_each_day_and_is_repeatable(shanghai_office):
    result = import_holidays(shanghai_office, ICS)
    assert (result.events, result.created, result.updated) == (2, 4, 0)
    days = list(shanghai_office.holidays.values_list("date", "name"))
    assert days == [(date(2026, 10, 1), "National Day"), (date(2026, 10, 2), "National Day"),
                    (date(2026, 10, 3), "National Day"), (date(2027, 1, 1), "New Year's Day")]
    again = import_holidays(shanghai_office, ICS)
    assert (again.created, again.updated) == (0, 4)
    schedule = shanghai_office.schedule()
    assert not is_working(schedule, datetime(2026, 10, 2, 10, 0, tzinfo=shanghai_office.zone))  # a Friday
    assert is_working(schedule, datetime(2026, 10, 5, 10, 0, tzinfo=shanghai_office.zone))


@pytest.mark.django_db
def test_bad_ical_is_refused_clearly(shanghai_office):
    with pytest.raises(InvalidInput, match="iCalendar"):
        import_holidays(shanghai_office, b"this is not a calendar")
    with pytest.raises(InvalidInput, match="no events"):
        import_holidays(shanghai_office, b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")
    assert not Holiday.objects.exists()


@pytest.mark.django_db
def test_find_calendar_names_the_choices(shanghai_office):
    assert find_calendar("Shanghai office") == shanghai_office
    assert find_calendar(str(shanghai_office.pk)) == shanghai_office
    with pytest.raises(NotFound, match="Shanghai office"):
        find_calendar("Tokyo")


@pytest.mark.django_db
def test_cli_import_holidays(shanghai_office, tmp_path, capsys):
    path = tmp_path / "cn-holidays.ics"
    path.write_bytes(ICS)
    assert kefu_main(["sla", "import-holidays", "Shanghai office", str(path)]) == 0
    assert "4 new holiday date(s)" in capsys.readouterr().out
    assert shanghai_office.holidays.count() == 4
    assert kefu_main(["sla", "import-holidays", "Nowhere", str(path)]) == 2
    assert "No calendar named Nowhere" in capsys.readouterr().err
    assert kefu_main(["sla", "import-holidays", "Shanghai office", str(tmp_path / "missing.ics")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.django_db
def test_calendar_time_zone_is_validated():
    from django.core.exceptions import ValidationError

    calendar = Calendar(name="Mars", time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError):
        calendar.full_clean()
