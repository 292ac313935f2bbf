"""Background tasks of the channels (run by `kefu worker`, the django-tasks-db worker)."""

from __future__ import annotations

from django.tasks import task

from kefu.channels import delivery


@task
def deliver_message(delivery_id: int) -> str:
    """Send one message out on its channel; failures re-queue themselves with backoff."""
    return delivery.attempt_delivery(delivery_id)


@task
def send_telegram_greeting(inbox_id: int, chat_id: str, language: str) -> None:
    """Answer /start in the user's language (retried by the task worker's caller on failure)."""
    from kefu.channels.telegram import send_greeting

    send_greeting(inbox_id, chat_id, language)
