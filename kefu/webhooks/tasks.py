"""Background work of outbound webhooks (django.tasks, database backend: `kefu worker`)."""

from __future__ import annotations

from django.tasks import task


@task()
def deliver_webhook(delivery_id: str) -> str:
    """One attempt of one delivery; schedules its own retry. Returns the delivery's status."""
    from kefu.webhooks.services import attempt_delivery

    delivery = attempt_delivery(delivery_id)
    return delivery.status if delivery is not None else "not-due"
