"""HTTP for the assistant: widget endpoints (suggestions while typing, choices, feedback) and the
content-gap page for editors. Thin: parse, authorize, call conversation.py / gaps.py / search."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.assistant import conversation as bot
from kefu.assistant import gaps
from kefu.assistant.console import EDITOR_ROLES
from kefu.assistant.models import ContentGap
from kefu.core.errors import InvalidInput, KefuError
from kefu.knowledge import queries
from kefu.web.widget_views import widget_endpoint, widget_session

MAX_SUGGEST_CHARS = 300


def _json(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise InvalidInput("the request body is not valid JSON") from error
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    return data


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number") from None


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def suggest(request: HttpRequest) -> JsonResponse:
    """Articles for what the visitor is typing, before a conversation exists (public, no session)."""
    query = (request.GET.get("q") or "")[:MAX_SUGGEST_CHARS]
    limit = min(max(_int(request.GET.get("limit", 3), "limit"), 1), 5)
    items = queries.suggestions(query, request.GET.get("lang"), limit, base_url=request.build_absolute_uri("/"))
    return JsonResponse({"items": items})


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def feedback(request: HttpRequest) -> JsonResponse:
    """"Did this solve it?" from the widget buttons: {"turn": id, "helpful": true|false}."""
    session = widget_session(request)
    data = _json(request)
    if not isinstance(data.get("helpful"), bool):
        raise InvalidInput("helpful must be true or false")
    turn = bot.turn_for_customer(_int(data.get("turn"), "turn"), session.contact, session.inbox)
    turn = bot.record_feedback(turn, data["helpful"])
    return JsonResponse({"turn": turn.pk, "helpful": turn.helpful})


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def choose(request: HttpRequest) -> JsonResponse:
    """The visitor picked one of the offered articles: {"turn": id, "article": slug}."""
    session = widget_session(request)
    data = _json(request)
    turn = bot.turn_for_customer(_int(data.get("turn"), "turn"), session.contact, session.inbox)
    answer = bot.choose_article(turn, str(data.get("article") or ""))
    return JsonResponse({"turn": answer.pk, "article": answer.article.slug if answer.article else None})


def _editor(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in EDITOR_ROLES and not request.user.is_superuser:
        raise PermissionDenied


@login_required
@require_GET
def gap_list(request: HttpRequest) -> HttpResponse:
    """Questions that ended with a person, for editors to teach the help center."""
    _editor(request)
    return render(request, "assistant/gaps.html", {
        "gaps": gaps.open_gaps()[:200], "articles": queries.article_choices(),
    })


@login_required
@require_POST
def gap_attach(request: HttpRequest, gap_id: int) -> HttpResponse:
    _editor(request)
    gap = get_object_or_404(ContentGap, pk=gap_id)
    article = queries.article_by_slug(request.POST.get("article", ""))
    try:
        gaps.attach_to_article(gap, article, editor=request.user, question=request.POST.get("question") or None)
        messages.success(request, _("Added the question to “%(article)s”.") % {"article": article.slug})
    except KefuError as error:
        messages.error(request, error.detail)
    return redirect("assistant:gaps")


@login_required
@require_POST
def gap_dismiss(request: HttpRequest, gap_id: int) -> HttpResponse:
    _editor(request)
    gaps.dismiss(get_object_or_404(ContentGap, pk=gap_id), editor=request.user)
    return redirect("assistant:gaps")
