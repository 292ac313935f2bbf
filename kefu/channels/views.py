"""HTTP endpoints of the channels: Telegram's webhook and the signed webhook channel's inbound events.

Thin: authenticate the request, hand it to the channel module, answer. Errors are RFC 9457 problems.
"""

from __future__ import annotations

import json
import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kefu.channels import delivery as delivery_services
from kefu.channels import telegram, webhook
from kefu.channels.models import Delivery
from kefu.conversations import selectors
from kefu.core.errors import InvalidInput, KefuError
from kefu.core.problems import problem_from_error, problem_response

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest, key: str) -> JsonResponse:
    """Telegram POSTs each Update here; anything but 200 makes it deliver the update again later."""
    try:
        inbox = telegram.telegram_inbox(key)
        telegram.check_webhook_secret(inbox, request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        try:
            update = json.loads(request.body)
        except ValueError as error:
            raise InvalidInput("the body is not a JSON Update") from error
        if not isinstance(update, dict) or "update_id" not in update:
            raise InvalidInput("the body is not a Telegram Update (no update_id)")
        telegram.handle_update(inbox, update)
    except KefuError as error:
        return problem_from_error(error)
    except telegram.TelegramError as error:
        log.warning("inbox %s: Telegram update not stored yet (%s); Telegram will redeliver", key, error.detail)
        return problem_response(503, "Bot API unavailable", "A file could not be fetched; retry later.",
                                "channel-unavailable")
    return JsonResponse({"ok": True})


@csrf_exempt
@require_POST
def webhook_events(request: HttpRequest, key: str) -> JsonResponse:
    """Inbound signed events of the webhook channel; 200 with the stored ids (also for a redelivery)."""
    try:
        inbox = webhook.webhook_inbox(key)
        received = webhook.receive_event(inbox, request.headers, request.body)
    except KefuError as error:
        return problem_from_error(error)
    return JsonResponse({
        "ok": True, "duplicate": not received.created,
        "conversation": {"id": received.conversation.pk, "number": received.conversation.number}
        if received.conversation else None,
        "message_id": received.message.pk if received.message else None,
    }, status=201 if received.created else 200)


@login_required
@require_POST
def retry_delivery(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """The console's Retry button on a failed delivery; answers with the refreshed status line."""
    found = Delivery.objects.select_related("message__conversation").filter(pk=delivery_id).first()
    if found is None or selectors.get_visible(request.user, found.message.conversation_id) is None:
        raise Http404("no such delivery")
    try:
        delivery_services.retry_delivery(found)
    except KefuError as error:
        return problem_from_error(error)
    conversation = selectors.get_visible(request.user, found.message.conversation_id)
    return render(request, "channels/delivery_status.html", {"message": found.message, "conversation": conversation})
