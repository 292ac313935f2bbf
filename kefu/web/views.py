"""The agent console (Django templates + htmx), attachment downloads and the widget script."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.models import Agent, Team
from kefu.channels.models import ChannelKind
from kefu.conversations import selectors, services
from kefu.conversations.attachments import store_attachment
from kefu.conversations.models import Attachment, Conversation
from kefu.conversations.payloads import ATTACHMENT_SALT
from kefu.conversations.taxonomy import Category, Priority, Status
from kefu.core.errors import KefuError
from kefu.web import extensions
from kefu.web.cors import widget_cors

ATTACHMENT_LINK_MAX_AGE = 7 * 24 * 3600
LIST_LIMIT = 100
FILTER_FIELDS = ("status", "assignee", "team", "category", "priority", "channel", "language", "tag", "q")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:console")


def _filters(request: HttpRequest) -> selectors.ConversationFilters:
    values = {f: (request.GET.get(f) or "").strip() or None for f in FILTER_FIELDS}
    if values["status"] is None and "status" not in request.GET:
        values["status"] = "new,open,pending,on_hold"  # the default view: what still needs work
    return selectors.ConversationFilters(**values)


def _list_context(request: HttpRequest) -> dict:
    f = _filters(request)
    qs = selectors.filter_conversations(selectors.visible_conversations(request.user), f, request.user)
    conversations = list(qs.prefetch_related("tags")[:LIST_LIMIT])
    return {
        "conversations": conversations,
        "total": len(conversations) if len(conversations) < LIST_LIMIT else qs.count(),
        "filters": f,
        "query": request.GET.urlencode(),
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "categories": Category.choices,
        "channels": ChannelKind.choices,
        "teams": Team.objects.all(),
        "agents": Agent.objects.filter(is_active=True),
        "languages": [("en", "English"), ("zh-hans", "简体中文")],
    }


def _get_visible(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = selectors.get_visible(request.user, conversation_id)
    if conversation is None:
        raise Http404("no such conversation")
    return conversation


def _detail_context(request: HttpRequest, conversation: Conversation, error: str = "", draft=None) -> dict:
    return {
        "conversation": conversation,
        "timeline": selectors.timeline(conversation),
        "tags": ", ".join(conversation.tags.values_list("name", flat=True)),
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "categories": Category.choices,
        "teams": Team.objects.all(),
        "agents": Agent.objects.filter(is_active=True),
        "client_id": uuid.uuid4().hex,
        "error": error,
        # After a failed reply the form comes back with what the agent wrote.
        "draft_body": draft.get("body", "") if draft is not None else "",
        "draft_internal": draft.get("internal") == "on" if draft is not None else False,
        "extension_panels": extensions.panels_for(request, conversation),
        "message_extras": [extra.template for extra in extensions.message_extras],
    }


@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "console/index.html", _list_context(request))


@login_required
@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "console/_list.html", _list_context(request))


@login_required
@require_GET
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _get_visible(request, conversation_id)
    context = _detail_context(request, conversation)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "console/_detail.html", context)
    return render(request, "console/index.html", {**_list_context(request), **context})


@login_required
@require_GET
def conversation_timeline(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _get_visible(request, conversation_id)
    return render(request, "console/_timeline.html", _detail_context(request, conversation))


@login_required
@require_POST
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Send a reply or an internal note (with an optional file) from the console."""
    conversation = _get_visible(request, conversation_id)
    actor = services.Actor.for_agent(request.user)
    error = ""
    try:
        attachment_ids = []
        upload = request.FILES.get("file")
        if upload is not None:
            attachment_ids.append(store_attachment(upload, actor).pk)
        services.post_message(
            conversation, actor, request.POST.get("body", ""), internal=request.POST.get("internal") == "on",
            client_id=request.POST.get("client_id") or None, attachment_ids=attachment_ids,
        )
    except KefuError as failure:
        error = failure.detail
    conversation.refresh_from_db()
    context = _detail_context(request, conversation, error, draft=request.POST if error else None)
    response = render(request, "console/_detail.html", context)
    if error:
        response.status_code = 422
    return response


@login_required
@require_POST
def update(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Change status, priority, category, team, assignee or tags from the console sidebar."""
    conversation = _get_visible(request, conversation_id)
    post = request.POST
    changes = services.Changes(
        status=post.get("status") or None, priority=post.get("priority") or None,
        category=post.get("category") if "category" in post else None,
        tags=[t for t in post.get("tags", "").split(",")] if "tags" in post else None,
    )
    if "assignee" in post:
        if post["assignee"] == "":
            changes.unassign = True
        elif post["assignee"] == "me":
            changes.assignee = request.user
        else:
            changes.assignee = Agent.objects.filter(pk=post["assignee"]).first()
    if "team" in post:
        if post["team"] == "":
            changes.clear_team = True
        else:
            changes.team = Team.objects.filter(pk=post["team"]).first()
    error = ""
    try:
        conversation = services.update_conversation(conversation, services.Actor.for_agent(request.user), changes)
    except KefuError as failure:
        error = failure.detail
    response = render(request, "console/_detail.html", _detail_context(request, conversation, error))
    if error:
        response.status_code = 422
    return response


@require_GET
def attachment_download(request: HttpRequest, signed: str, filename: str) -> FileResponse:
    """Serve a file from a signed link (links in messages expire after a week)."""
    try:
        token = signing.loads(signed, salt=ATTACHMENT_SALT, max_age=ATTACHMENT_LINK_MAX_AGE)
    except signing.BadSignature as error:
        raise Http404("this file link is invalid or has expired") from error
    attachment = Attachment.objects.filter(token=token).first()
    if attachment is None:
        raise Http404("no such file")
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    disposition = "inline" if attachment.content_type.split("/")[0] in {"image", "video"} else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{attachment.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@widget_cors
@require_GET
def widget_script(request: HttpRequest) -> HttpResponse:
    """The one <script> the exchange adds to its pages: the apps' widget plug-ins, then the widget."""
    from django.contrib.staticfiles import finders

    parts = []
    for static_path in [p.static_path for p in extensions.widget_plugins] + ["kefu/widget.js"]:
        path = finders.find(static_path)
        if path is None:
            return HttpResponseBadRequest(f"widget file {static_path} is not installed")
        with open(path, encoding="utf-8") as handle:
            parts.append(handle.read())
    response = HttpResponse("\n;\n".join(parts), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response
