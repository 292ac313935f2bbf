"""Console pages of the SLA app: the at-risk/breached list (polled live) and the side panel context."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kefu.conversations import selectors as conversation_selectors
from kefu.conversations.models import Conversation
from kefu.core.errors import InvalidInput
from kefu.sla.calendars import set_contact_time_zone
from kefu.sla.models import ConversationSla, EscalationFiring
from kefu.sla.selectors import at_risk_and_breached, deadlines
from kefu.web.widget_views import widget_endpoint, widget_session

POLL_SECONDS = 15
PANEL_POLL_SECONDS = 30


def panel_context(request: HttpRequest, conversation: Conversation) -> dict | None:
    """The SLA box of a conversation: its policy, deadlines with time left, and escalations that ran."""
    sla = ConversationSla.objects.filter(conversation=conversation).select_related("policy__calendar").first()
    if sla is None or sla.policy is None:
        return None
    sla.conversation = conversation
    return {
        "sla": sla,
        "conversation_id": conversation.pk,
        "poll_seconds": PANEL_POLL_SECONDS,
        "deadlines": deadlines(sla),
        "firings": list(EscalationFiring.objects.filter(conversation=conversation)[:5]),
    }


def _board_context(request: HttpRequest) -> dict:
    visible = conversation_selectors.visible_conversations(request.user)
    breached, at_risk = at_risk_and_breached(visible)
    by_due = lambda row: min((d.due_at for d in row[1] if d.due_at), default=timezone.now())  # noqa: E731
    return {"breached": sorted(breached, key=by_due), "at_risk": sorted(at_risk, key=by_due),
            "poll_seconds": POLL_SECONDS, "now": timezone.now()}


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The SLA page: conversations past a deadline and those close to one, refreshed every few seconds."""
    return render(request, "sla/board.html", _board_context(request))


@login_required
@require_GET
def panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The SLA box of one conversation again (the panel polls it so the time left stays current)."""
    conversation = conversation_selectors.get_visible(request.user, conversation_id)
    if conversation is None:
        raise Http404("no such conversation")
    context = panel_context(request, conversation)
    if context is None:
        return HttpResponse("")
    return render(request, "sla/_panel_box.html", {"panel": context})


@login_required
@require_GET
def board_rows(request: HttpRequest) -> HttpResponse:
    return render(request, "sla/_board_rows.html", _board_context(request))


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def widget_time_zone(request: HttpRequest) -> JsonResponse:
    """The widget plug-in reports the customer's browser time zone (used by after-hours replies)."""
    session = widget_session(request)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise InvalidInput("the request body is not valid JSON") from error
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    found = set_contact_time_zone(session.contact.pk, str(data.get("time_zone") or ""))
    return JsonResponse({"time_zone": found.time_zone})
