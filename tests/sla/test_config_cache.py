"""The SLA configuration cache follows changes made in this process and in others."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db.models.signals import post_save
from django.utils import timezone

from kefu.sla import config
from kefu.sla.models import SlaPolicy


@pytest.fixture
def recheck_now(monkeypatch):
    """Move this process's clock past the recheck interval, as if RECHECK_SECONDS had passed."""
    real = time.monotonic
    offset = [0.0]
    monkeypatch.setattr(config.time, "monotonic", lambda: real() + offset[0])

    def later() -> None:
        offset[0] += config.recheck_seconds() + 0.1

    return later


@pytest.mark.django_db
def test_cache_is_reused_until_the_configuration_changes(make_policy, django_assert_num_queries, recheck_now):
    policy = make_policy("First", first=60)
    assert [p.name for p in config.current().policies] == ["First"]
    with django_assert_num_queries(0):  # within the recheck interval: not even the fingerprint
        assert config.current().policies[0].first_response_minutes == 60
    recheck_now()
    with django_assert_num_queries(1):  # then only the fingerprint
        assert config.current().policies[0].first_response_minutes == 60
    # Another process edits the policy (no signal here): its updated_at moves the fingerprint, which
    # this process reads again after the recheck interval.
    SlaPolicy.objects.filter(pk=policy.pk).update(first_response_minutes=15,
                                                  updated_at=timezone.now() + timedelta(seconds=1))
    assert config.current().policies[0].first_response_minutes == 60
    recheck_now()
    assert config.current().policies[0].first_response_minutes == 15


@pytest.mark.django_db
def test_added_rows_are_seen_even_without_signals(make_policy, recheck_now):
    make_policy("First", position=2)
    assert len(config.current().policies) == 1
    receivers = post_save.receivers
    post_save.receivers = []  # as if another process had written the row
    try:
        SlaPolicy.objects.create(name="Second", position=1, first_response_minutes=5)
    finally:
        post_save.receivers = receivers
        post_save.sender_receivers_cache.clear()
    recheck_now()
    assert [p.name for p in config.current().policies] == ["Second", "First"]


@pytest.mark.django_db
def test_team_change_on_a_policy_clears_the_cache(make_policy, team):
    policy = make_policy("Teams")
    assert not config.current().policies[0].teams.all()
    policy.teams.add(team)
    assert list(config.current().policies[0].teams.all()) == [team]


@pytest.mark.django_db
def test_inbox_hours_are_cached_and_follow_changes(api_inbox, django_assert_num_queries, recheck_now):
    from kefu.sla.calendars import inbox_hours
    from kefu.sla.models import InboxHours

    assert inbox_hours(api_inbox.pk) is None
    with django_assert_num_queries(0):
        assert inbox_hours(api_inbox.pk) is None
    calendar = config.current()  # any calendar will do: the default one
    hours = InboxHours.objects.create(inbox=api_inbox, calendar_id=calendar.default_calendar_id)
    assert inbox_hours(api_inbox.pk).pk == hours.pk  # saved here: the signal cleared the cache
    InboxHours.objects.filter(pk=hours.pk).update(after_hours_reply=False)  # "another process"
    assert inbox_hours(api_inbox.pk).after_hours_reply is True
    recheck_now()
    assert inbox_hours(api_inbox.pk).after_hours_reply is False
