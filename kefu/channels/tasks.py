"""Background tasks of the channels (run by `kefu worker`, the django-tasks-db worker)."""

from __future__ import annotations

from django.tasks import task

from kefu.channels import delivery


@task
def deliver_message(delivery_id: int) -> str:
    """Send one message out on its channel; failures re-queue themselves with backoff."""
    return delivery.attempt_delivery(delivery_id)


@task
def send_telegram_text(inbox_id: int, chat_id: str, text: str, attempt: int = 1) -> None:
    """Send a service text to a chat (the /start greeting); retried with backoff while the Bot API is down."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from kefu.channels.telegram import TelegramError, send_text

    try:
        send_text(inbox_id, chat_id, text)
    except TelegramError as error:
        if not error.retryable or attempt >= settings.KEFU_CHANNEL_MAX_ATTEMPTS:
            raise
        run_after = timezone.now() + timedelta(seconds=delivery.backoff_seconds(attempt))
        send_telegram_text.using(run_after=run_after).enqueue(inbox_id, chat_id, text, attempt + 1)
