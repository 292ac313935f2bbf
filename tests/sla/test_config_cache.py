"""The SLA configuration cache follows changes made in this process and in others."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models.signals import post_save
from django.utils import timezone

from kefu.sla import config
from kefu.sla.models import SlaPolicy


@pytest.mark.django_db
def test_cache_is_reused_until_the_configuration_changes(make_policy, django_assert_num_queries):
    policy = make_policy("First", first=60)
    assert [p.name for p in config.current().policies] == ["First"]
    with django_assert_num_queries(1):  # only the fingerprint
        assert config.current().policies[0].first_response_minutes == 60
    # Another process edits the policy (no signal here): its updated_at moves the fingerprint.
    SlaPolicy.objects.filter(pk=policy.pk).update(first_response_minutes=15,
                                                  updated_at=timezone.now() + timedelta(seconds=1))
    assert config.current().policies[0].first_response_minutes == 15


@pytest.mark.django_db
def test_added_rows_are_seen_even_without_signals(make_policy):
    make_policy("First", position=2)
    assert len(config.current().policies) == 1
    receivers = post_save.receivers
    post_save.receivers = []  # as if another process had written the row
    try:
        SlaPolicy.objects.create(name="Second", position=1, first_response_minutes=5)
    finally:
        post_save.receivers = receivers
        post_save.sender_receivers_cache.clear()
    assert [p.name for p in config.current().policies] == ["Second", "First"]


@pytest.mark.django_db
def test_team_change_on_a_policy_clears_the_cache(make_policy, team):
    policy = make_policy("Teams")
    assert not config.current().policies[0].teams.all()
    policy.teams.add(team)
    assert list(config.current().policies[0].teams.all()) == [team]
