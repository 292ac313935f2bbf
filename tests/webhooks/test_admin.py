"""The admin: subscriptions (secret shown once), the delivery log with filters, the redeliver action."""

from __future__ import annotations

import pytest

from kefu.webhooks import services
from kefu.webhooks.models import Delivery, DeliveryStatus, EventType, Subscription
from tests.webhooks.conftest import run_worker

pytestmark = pytest.mark.django_db
# Tests that run the worker: it closes and reopens connections between tasks, so no test transaction.
WITH_WORKER = pytest.mark.django_db(transaction=True)


def test_adding_a_subscription_in_the_admin_shows_its_secret_once(admin_client):
    response = admin_client.post("/admin/webhooks/subscription/add/", {
        "url": "https://hooks.example.com/kefu", "description": "CRM", "event_types": ["message.created"],
        "is_active": "on",
    }, follow=True)
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.event_types == ["message.created"]
    assert subscription.secret in response.content.decode()
    page = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret not in page and subscription.secret_hint in page


def test_the_admin_accepts_an_internal_host_name(admin_client):
    admin_client.post("/admin/webhooks/subscription/add/", {
        "url": "http://crm-internal:8080/hooks/kefu", "event_types": ["message.created"], "is_active": "on"})
    assert Subscription.objects.get().url == "http://crm-internal:8080/hooks/kefu"


def test_the_admin_refuses_a_non_http_url(admin_client):
    response = admin_client.post("/admin/webhooks/subscription/add/", {
        "url": "ftp://hooks.example.com/kefu", "event_types": ["message.created"]})
    assert response.status_code == 200 and not Subscription.objects.exists()
    assert "only http and https" in response.content.decode()


@WITH_WORKER
def test_delivery_log_filters_and_redeliver_action(admin_client, receiver):
    subscription = services.create_subscription(receiver.url, list(EventType.values), description="CRM")
    receiver.script = [500]
    [failing] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    run_worker()
    [ok] = services.record_event(EventType.STATUS_CHANGED, {"n": 2})
    run_worker()

    page = admin_client.get("/admin/webhooks/delivery/", {"status": "pending"}).content.decode()
    assert str(failing.id) in page and str(ok.id) not in page
    page = admin_client.get("/admin/webhooks/delivery/", {"event_type": "conversation.status_changed",
                                                          "subscription__id__exact": subscription.pk})
    assert str(ok.id) in page.content.decode() and str(failing.id) not in page.content.decode()
    detail = admin_client.get(f"/admin/webhooks/delivery/{failing.id}/change/").content.decode()
    assert "HTTP 500" in detail

    response = admin_client.post("/admin/webhooks/delivery/", {
        "action": "redeliver", "_selected_action": [str(failing.id)]}, follow=True)
    assert "1 delivery queued again" in response.content.decode()
    run_worker()
    assert [g.json["data"]["n"] for g in receiver.wait_for(2)] == [2, 1]
    assert Delivery.objects.get(pk=failing.pk).status == DeliveryStatus.SUCCEEDED


def test_admins_find_the_delivery_log_from_the_console(client):
    from kefu.accounts.models import Role
    from kefu.accounts.services import create_agent

    admin = create_agent("root", "correct-horse-battery", role=Role.ADMIN)
    agent = create_agent("bo", "correct-horse-battery", role=Role.AGENT)
    client.force_login(agent)
    assert "/admin/webhooks/delivery/" not in client.get("/console/").content.decode()
    client.force_login(admin)
    page = client.get("/console/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert '<a href="/admin/webhooks/delivery/"' in page
    assert client.get("/admin/webhooks/delivery/").status_code == 200
