"""/api/v1/webhooks: CRUD, the secret shown once, admin-only tokens, problem bodies for bad input."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Role
from kefu.accounts.services import create_agent, create_api_token
from kefu.webhooks import services
from kefu.webhooks.models import Delivery, DeliveryStatus, EventType, Subscription
from tests.api.test_errors import assert_problem
from tests.conftest import ApiClient
from tests.webhooks.conftest import run_worker

pytestmark = pytest.mark.django_db
# Tests that run the worker: it closes and reopens connections between tasks, so no test transaction.
WITH_WORKER = pytest.mark.django_db(transaction=True)

NEW = {"url": "https://hooks.example.com/kefu", "event_types": ["conversation.created", "message.created"],
       "description": "CRM sync"}


def delete(api: ApiClient, path: str):
    return api.client.delete(f"/api/v1{path}", headers=api.headers)


def test_create_shows_the_secret_once_then_only_a_hint(api):
    response = api.post("/webhooks", NEW)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    assert created["event_types"] == ["conversation.created", "message.created"]
    assert created["include_internal_notes"] is False and created["is_active"] is True
    assert Subscription.objects.get().secret == created["secret"]

    read = api.get(f"/webhooks/{created['id']}").json()
    assert "secret" not in read
    assert created["secret"].startswith(read["secret_hint"].rstrip("…"))
    assert [w["id"] for w in api.get("/webhooks").json()] == [created["id"]]


def test_patch_rotate_and_delete(api):
    created = api.post("/webhooks", NEW).json()
    patched = api.patch(f"/webhooks/{created['id']}", {"is_active": False, "include_internal_notes": True,
                                                       "event_types": ["conversation.status_changed"]})
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert (body["is_active"], body["include_internal_notes"], body["event_types"]) == (
        False, True, ["conversation.status_changed"])
    assert body["url"] == NEW["url"]  # untouched fields stay

    rotated = api.post(f"/webhooks/{created['id']}/rotate-secret").json()
    assert rotated["secret"] != created["secret"]
    assert Subscription.objects.get().secret == rotated["secret"]

    assert delete(api, f"/webhooks/{created['id']}").status_code == 204
    assert not Subscription.objects.exists()
    assert_problem(api.get(f"/webhooks/{created['id']}"), 404, "not-found")


@pytest.mark.parametrize("url, words", [
    ("ftp://example.com/hook", "only http and https"),
    ("not a url", "only http and https"),
    ("https:///no-host", "host"),
    ("", "required"),
    ("https://user:pw@example.com/hook", "credentials"),
])
def test_bad_urls_get_a_problem_body_and_write_nothing(api, url, words):
    body = assert_problem(api.post("/webhooks", {**NEW, "url": url}), 422, "invalid-input")
    assert words in body["detail"] and body["field"] == "url"
    assert not Subscription.objects.exists()


def test_unknown_event_types_get_a_problem_body_listing_the_known_ones(api):
    body = assert_problem(api.post("/webhooks", {**NEW, "event_types": ["message.created", "ticket.exploded"]}),
                          422, "invalid-input")
    assert "ticket.exploded" in body["detail"] and body["field"] == "event_types"
    assert body["known_event_types"] == list(EventType.values)
    assert_problem(api.post("/webhooks", {**NEW, "event_types": []}), 422, "invalid-input")
    assert not Subscription.objects.exists()
    created = api.post("/webhooks", NEW).json()
    assert_problem(api.patch(f"/webhooks/{created['id']}", {"event_types": ["nope"]}), 422)
    assert_problem(api.patch(f"/webhooks/{created['id']}", {"url": "gopher://x"}), 422)
    assert_problem(api.patch(f"/webhooks/{created['id']}", {"url": None}), 422)
    assert Subscription.objects.get().event_types == NEW["event_types"]


def test_missing_fields_and_malformed_json(api):
    assert_problem(api.post("/webhooks", {"url": NEW["url"]}), 422, "invalid-input")
    assert_problem(api.post("/webhooks", raw="{oops"), 400, "malformed-json")


def test_only_integration_and_admin_tokens_manage_webhooks(api, agent_api, supervisor):
    _, raw = create_api_token("lin's token", supervisor)
    assert_problem(ApiClient(raw).get("/webhooks"), 403, "forbidden")
    assert_problem(agent_api.post("/webhooks", NEW), 403, "forbidden")
    admin = create_agent("root", "correct-horse-battery", role=Role.ADMIN)
    _, raw = create_api_token("admin token", admin)
    assert ApiClient(raw).post("/webhooks", NEW).status_code == 201
    assert api.get("/webhooks").status_code == 200
    assert Subscription.objects.count() == 1


@WITH_WORKER
def test_delivery_log_and_redeliver(api, receiver):
    created = api.post("/webhooks", {**NEW, "url": receiver.url}).json()
    [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    run_worker()
    log = api.get(f"/webhooks/{created['id']}/deliveries").json()
    assert [(d["id"], d["status"], d["attempts"]) for d in log] == [(str(delivery.id), "succeeded", 1)]
    assert log[0]["payload"]["data"] == {"n": 1}
    assert api.get(f"/webhooks/{created['id']}/deliveries", status="pending").json() == []
    assert_problem(api.get(f"/webhooks/{created['id']}/deliveries", status="lost"), 422)

    again = api.post(f"/webhooks/{created['id']}/deliveries/{delivery.id}/redeliver")
    assert again.status_code == 202 and again.json()["status"] == "pending"
    run_worker()
    assert [g.headers["X-Kefu-Delivery"] for g in receiver.wait_for(2)] == [str(delivery.id)] * 2
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    missing = "00000000-0000-0000-0000-000000000000"
    assert_problem(api.post(f"/webhooks/{created['id']}/deliveries/{missing}/redeliver"), 404)
