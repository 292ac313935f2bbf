"""Real signed deliveries to a real HTTP receiver on 127.0.0.1, sent by django-tasks-db's worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from kefu.webhooks import services
from kefu.webhooks.models import Delivery, DeliveryStatus, EventType
from kefu.webhooks.signing import verify_signature
from tests.webhooks.conftest import Receiver, fast_forward, run_worker

# The worker closes and reopens connections between tasks, as in production: no test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

SCHEDULE = [10, 60, 300]


@pytest.fixture(autouse=True)
def short_schedule(settings):
    settings.KEFU_WEBHOOK_RETRY_SCHEDULE = SCHEDULE
    settings.KEFU_WEBHOOK_TIMEOUT = 3


def subscribe(receiver: Receiver, *types: str, **extra):
    return services.create_subscription(receiver.url, types or [EventType.MESSAGE_CREATED], **extra)


def test_a_recorded_event_arrives_signed_with_delivery_id_and_event_headers(receiver):
    subscription = subscribe(receiver)
    [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"message": {"body": "充值没有到账"}})
    assert Delivery.objects.get().status == DeliveryStatus.PENDING  # nothing sent inside the caller
    assert receiver.received == []

    run_worker()

    [got] = receiver.wait_for(1)
    assert got.path == "/hooks/kefu"
    assert got.headers["X-Kefu-Delivery"] == str(delivery.id)
    assert got.headers["X-Kefu-Event"] == "message.created"
    assert got.headers["Content-Type"] == "application/json"
    verify_signature(subscription.secret, got.body, got.headers["X-Kefu-Signature"])
    assert got.json["delivery_id"] == str(delivery.id)
    assert got.json["type"] == "message.created"
    assert got.json["data"] == {"message": {"body": "充值没有到账"}}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_only_subscriptions_that_want_the_event_get_it(receiver):
    wants = subscribe(receiver, EventType.MESSAGE_CREATED)
    subscribe(receiver, EventType.CONVERSATION_CREATED)
    services.create_subscription(receiver.url, [EventType.MESSAGE_CREATED], is_active=False)
    deliveries = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    assert [d.subscription_id for d in deliveries] == [wants.pk]


def test_internal_notes_go_only_to_subscriptions_that_opted_in(receiver):
    subscribe(receiver)
    opted = subscribe(receiver, include_internal_notes=True)
    deliveries = services.record_event(EventType.MESSAGE_CREATED, {"note": "VIP, be careful"}, internal=True)
    assert [d.subscription_id for d in deliveries] == [opted.pk]


def test_each_subscription_gets_its_own_delivery_id_and_signature(receiver):
    first, second = subscribe(receiver), subscribe(receiver)
    services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    run_worker()
    got = receiver.wait_for(2)
    assert len({g.headers["X-Kefu-Delivery"] for g in got}) == 2
    assert len({g.json["event_id"] for g in got}) == 1
    secrets = {first.secret, second.secret}
    for item in got:
        matching = [s for s in secrets if _verifies(s, item)]
        assert len(matching) == 1


def _verifies(secret, item) -> bool:
    try:
        verify_signature(secret, item.body, item.headers["X-Kefu-Signature"])
        return True
    except ValueError:
        return False


def test_a_receiver_answering_500_then_200_gets_the_event_after_a_retry(receiver):
    subscribe(receiver)
    receiver.script = [500]
    [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})

    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert delivery.last_error.startswith("HTTP 500")
    assert delivery.next_attempt_at == delivery.last_attempt_at + timedelta(seconds=SCHEDULE[0])
    # The retry is a real deferred task of the database backend, due at the scheduled time.
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after == delivery.next_attempt_at
    assert retry.args_kwargs["args"] == [str(delivery.id)]
    run_worker()  # not due yet: nothing happens
    assert [a.status for a in receiver.attempts] == [500]

    fast_forward()
    run_worker()
    [got] = receiver.wait_for(1)
    assert got.headers["X-Kefu-Delivery"] == str(delivery.id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 2, 200)


def test_a_receiver_that_is_down_delays_the_delivery_and_loses_nothing():
    down = Receiver()  # a free port nobody listens on: connection refused
    services.create_subscription(down.url, [EventType.MESSAGE_CREATED, EventType.STATUS_CHANGED])
    first = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})[0]
    second = services.record_event(EventType.STATUS_CHANGED, {"n": 2})[0]

    run_worker()
    for delivery, attempts in ((first, 1), (second, 1)):
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.attempts == attempts
        assert delivery.last_error == "connection refused"
        assert delivery.next_attempt_at == delivery.last_attempt_at + timedelta(seconds=SCHEDULE[0])

    fast_forward()
    run_worker()  # still down: second attempt, the next wait is longer
    first.refresh_from_db()
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 2)
    assert first.next_attempt_at == first.last_attempt_at + timedelta(seconds=SCHEDULE[1])

    down.start()  # the receiver comes back on its port
    try:
        fast_forward()
        run_worker()
        got = down.wait_for(2)
        assert sorted(g.json["data"]["n"] for g in got) == [1, 2]
        assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    finally:
        down.stop()


def test_after_the_last_attempt_the_delivery_gives_up(receiver):
    subscribe(receiver)
    receiver.script = [503] * (len(SCHEDULE) + 1)
    [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    for _ in range(len(SCHEDULE) + 1):
        run_worker()
        fast_forward()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert delivery.attempts == len(SCHEDULE) + 1 == services.max_attempts()
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 503
    assert not DBTaskResult.objects.filter(status="READY").exists()  # nothing left scheduled


def test_redeliver_sends_the_same_delivery_again(receiver):
    subscription = subscribe(receiver)
    receiver.script = [503] * (len(SCHEDULE) + 1)
    [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    for _ in range(len(SCHEDULE) + 1):
        run_worker()
        fast_forward()
    assert services.redeliver(Delivery.objects.filter(pk=delivery.pk)) == 1
    run_worker()
    [got] = receiver.wait_for(1)
    assert got.headers["X-Kefu-Delivery"] == str(delivery.id)
    verify_signature(subscription.secret, got.body, got.headers["X-Kefu-Signature"])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)


def test_a_redirect_to_another_host_is_never_followed(receiver):
    elsewhere = Receiver().start()
    try:
        subscribe(receiver)
        receiver.script = [302]
        receiver.redirect_to = elsewhere.url.replace("127.0.0.1", "localhost")
        [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
        run_worker()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
        assert "another host" in delivery.last_error
        assert elsewhere.attempts == [] and [a.status for a in receiver.attempts] == [302]
    finally:
        elsewhere.stop()


def test_a_redirect_on_the_same_host_is_followed_with_the_same_signed_body(receiver):
    subscription = subscribe(receiver)
    receiver.script = [308]
    receiver.redirect_to = "/hooks/moved"
    services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    run_worker()
    [got] = receiver.wait_for(1)
    assert got.path == "/hooks/moved"
    verify_signature(subscription.secret, got.body, got.headers["X-Kefu-Signature"])


def test_a_slow_receiver_times_out_and_is_retried(settings):
    import socket

    settings.KEFU_WEBHOOK_TIMEOUT = 0.3
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        services.create_subscription(url, [EventType.MESSAGE_CREATED])
        [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
        run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.PENDING, "timed out")


def test_an_attempt_for_a_delivery_that_is_not_due_sends_nothing(receiver):
    subscribe(receiver)
    receiver.script = [500]
    [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    run_worker()
    assert services.attempt_delivery(str(delivery.id)) is None  # the retry is scheduled later
    assert receiver.received == []


def test_overdue_pending_deliveries_are_enqueued_again(receiver):
    subscribe(receiver)
    [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    # A worker died mid-attempt: its task is gone, the delivery is still pending and overdue.
    DBTaskResult.objects.all().delete()
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at - timedelta(minutes=5))
    assert services.enqueue_overdue() == 1
    run_worker()
    receiver.wait_for(1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_a_receiver_trickling_its_answer_is_cut_off(settings):
    import socket
    import threading

    settings.KEFU_WEBHOOK_TIMEOUT = 0.3  # each read may wait 0.3 s; the whole attempt at most 0.9 s
    stop = threading.Event()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def trickle():
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                    if stop.wait(0.1):  # one byte every 0.1 s: never a single read timeout
                        return
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        return

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        services.create_subscription(f"http://127.0.0.1:{server.getsockname()[1]}/hook",
                                     [EventType.MESSAGE_CREATED])
        [delivery] = services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
        run_worker()
        stop.set()
        thread.join(5)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == "timed out (the whole attempt took too long)"
    assert delivery.last_attempt_at - delivery.created_at < timedelta(seconds=5)
