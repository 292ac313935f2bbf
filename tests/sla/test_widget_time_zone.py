"""The widget plug-in reports the customer's time zone; after-hours replies then use it."""

from __future__ import annotations

import json

import pytest

from kefu.sla.models import ContactTimeZone


def start_session(client) -> str:
    response = client.post("/widget/api/session", json.dumps({"inbox": "test-web"}), content_type="application/json")
    assert response.status_code == 200
    return response.json()["session"]


@pytest.mark.django_db
def test_time_zone_is_stored_for_the_sessions_contact(client, webchat_inbox):
    session = start_session(client)
    response = client.post("/widget/sla/time-zone", json.dumps({"time_zone": "Europe/Berlin"}),
                           content_type="application/json", headers={"X-Kefu-Session": session})
    assert response.status_code == 200 and response.json() == {"time_zone": "Europe/Berlin"}
    assert ContactTimeZone.objects.get().time_zone == "Europe/Berlin"
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_bad_time_zone_and_missing_session_get_problem_bodies(client, webchat_inbox):
    session = start_session(client)
    bad = client.post("/widget/sla/time-zone", json.dumps({"time_zone": "Moon/Base"}),
                      content_type="application/json", headers={"X-Kefu-Session": session})
    assert bad.status_code == 422 and "Moon/Base" in bad.json()["detail"]
    assert bad["Content-Type"].startswith("application/problem+json")
    anonymous = client.post("/widget/sla/time-zone", json.dumps({"time_zone": "UTC"}),
                            content_type="application/json")
    assert anonymous.status_code == 401
    assert not ContactTimeZone.objects.exists()


def test_widget_script_carries_the_plugin(client):
    source = client.get("/widget.js").content.decode()
    assert "/widget/sla/time-zone" in source
