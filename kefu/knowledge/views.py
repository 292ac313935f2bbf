"""The public help center: /help/<language>/ home, category, article, search pages and votes.

Server-rendered; the vote buttons use htmx. Content language comes from the URL (en, zh-hans,
zh-hant); /help/ picks it from the browser. Thin: reads through queries.py, writes through services.py.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import KefuError, NotFound
from kefu.knowledge import queries, services
from kefu.knowledge.models import Language

MAX_QUERY = 200


def _ui_language(language: str) -> str:
    return "zh-hans" if language.startswith("zh") else "en"


def _widget_inbox_key() -> str | None:
    if settings.KEFU_HELP_WIDGET_INBOX:
        return settings.KEFU_HELP_WIDGET_INBOX
    from kefu.channels.models import ChannelKind, Inbox

    inbox = Inbox.objects.filter(kind=ChannelKind.WEBCHAT, is_active=True).order_by("pk").first()
    return inbox.public_key if inbox else None


def _render(request: HttpRequest, template: str, language: str, context: dict, status: int = 200) -> HttpResponse:
    if language not in queries.HELP_LANGUAGES:
        raise Http404
    with translation.override(_ui_language(language)):
        base = {"help_language": language, "languages": Language.choices, "widget_inbox": _widget_inbox_key(),
                "ui_language": _ui_language(language)}
        response = render(request, template, {**base, **context}, status=status)
    response["Content-Language"] = language
    return response


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    """/help/ -> the reader's language (from ?lang=, else the browser's Accept-Language)."""
    wanted = request.GET.get("lang") or translation.get_language_from_request(request)
    accept = request.headers.get("Accept-Language", "").lower()
    if not request.GET.get("lang") and any(x in accept.split(",")[0] for x in ("zh-tw", "zh-hk", "zh-hant")):
        wanted = "zh-hant"
    return redirect("help:home", language=queries.help_language(wanted))


@require_GET
def home(request: HttpRequest, language: str) -> HttpResponse:
    return _render(request, "knowledge/home.html", language, {"categories": queries.categories(language)})


@require_GET
def category(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    try:
        view = queries.category(slug, language)
    except NotFound:
        raise Http404 from None
    return _render(request, "knowledge/category.html", language, {"category": view})


@require_GET
def article(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    try:
        found, version = queries.article(slug, language)
    except NotFound:
        raise Http404 from None
    category = queries.category(found.category.slug, language)
    return _render(request, "knowledge/article.html", language, {
        "article": found, "version": version, "category": category,
        "related": queries.related(found, version), "voted": _voted(request, found),
    })


@require_GET
def search_page(request: HttpRequest, language: str) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    results = queries.search_articles(query, language) if query else []
    template = "knowledge/_results.html" if request.htmx else "knowledge/search.html"
    return _render(request, template, language, {"query": query, "results": results})


def _voter(request: HttpRequest) -> str:
    """An anonymous, stable id for the reader: their session key, hashed."""
    if not request.session.session_key:
        request.session.save()
    return hashlib.sha256(request.session.session_key.encode()).hexdigest()[:40]


def _voted(request: HttpRequest, found) -> bool | None:
    votes = request.session.get("help_votes", {})
    return votes.get(str(found.pk))


@require_POST
def vote(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    """"Was this helpful?" yes/no; one vote per reader and article (a second vote replaces the first)."""
    try:
        found, version = queries.article(slug, language)
        helpful = request.POST.get("helpful") == "yes"
        services.record_vote(found, version.language, helpful, _voter(request))
    except KefuError as error:
        raise Http404 from error
    votes = request.session.get("help_votes", {})
    votes[str(found.pk)] = helpful
    request.session["help_votes"] = votes
    if request.htmx:
        return _render(request, "knowledge/_vote.html", language,
                       {"article": found, "version": version, "voted": helpful})
    return redirect("help:article", language=language, slug=slug)
