"""HTTP endpoints of the chat widget: session start, uploads, history, transcripts, demo page."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from kefu.channels import webchat
from kefu.channels.models import ChannelKind, Inbox
from kefu.conversations import selectors
from kefu.conversations.attachments import largest_allowed_bytes, store_attachment
from kefu.conversations.payloads import attachment_payload, conversation_payload, labels, message_payload
from kefu.conversations.services import Actor
from kefu.core.errors import AttachmentTooLarge, InvalidInput, KefuError
from kefu.core.i18n import normalize_language
from kefu.core.problems import problem_from_error
from kefu.web.cors import widget_cors
from kefu.web.widget_strings import widget_strings

PAGE = 200


def widget_endpoint(view):
    """CORS, problem bodies for domain errors, and the session from the X-Kefu-Session header."""

    @widget_cors
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except KefuError as error:
            return problem_from_error(error)

    wrapped.__name__ = view.__name__
    return wrapped


def widget_session(request: HttpRequest) -> webchat.WidgetSession:
    """The widget session named by the X-Kefu-Session header (for plug-in endpoints too)."""
    return webchat.resolve_session(request.headers.get("X-Kefu-Session", ""))


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise InvalidInput("the request body is not valid JSON") from error
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    return data


def _config(inbox: Inbox, language: str) -> dict[str, Any]:
    return {
        "language": language,
        "strings": widget_strings(language),
        "inbox": {"name": inbox.name, "greeting": inbox.greeting(language)},
        "max_upload_bytes": largest_allowed_bytes(),
    }


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def start_session(request: HttpRequest) -> JsonResponse:
    data = _json_body(request)
    inbox = webchat.get_webchat_inbox(str(data.get("inbox") or ""))
    session = webchat.start_session(
        inbox, visitor_token=data.get("visitor_token") or None, external_id=data.get("user_id") or None,
        user_hash_value=data.get("user_hash") or None, name=str(data.get("name") or "")[:200],
        email=str(data.get("email") or "")[:254], language=data.get("language"),
    )
    language = normalize_language(data.get("language") or session.contact.language)
    identity_state = "verified" if session.verified else ("invalid" if data.get("user_id") else "anonymous")
    return JsonResponse({
        "session": session.token,
        "visitor_token": session.visitor_token,
        "identity": identity_state,
        "contact": {"id": session.contact.pk, "name": session.contact.display_name if session.verified else ""},
        **_config(inbox, language),
    })


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def widget_config(request: HttpRequest) -> JsonResponse:
    inbox = webchat.get_webchat_inbox(request.GET.get("inbox", ""))
    return JsonResponse(_config(inbox, normalize_language(request.GET.get("lang"))))


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def conversations(request: HttpRequest) -> JsonResponse:
    session = widget_session(request)
    language = normalize_language(request.GET.get("lang"))
    items = [conversation_payload(c, "customer", language) for c in webchat.contact_conversations(session)]
    return JsonResponse({"items": items})


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def messages(request: HttpRequest, conversation_id: int) -> JsonResponse:
    session = widget_session(request)
    conversation = webchat.own_conversation(session, conversation_id)
    after = int(request.GET.get("after") or 0) if str(request.GET.get("after") or "0").isdigit() else 0
    found = selectors.messages_after(conversation, after, include_internal=False, limit=PAGE + 1)
    return JsonResponse({
        "conversation": conversation_payload(conversation, "customer", request.GET.get("lang") or None),
        "items": [message_payload(m) for m in found[:PAGE]], "has_more": len(found) > PAGE,
    })


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def upload(request: HttpRequest) -> JsonResponse:
    session = widget_session(request)
    length = int(request.headers.get("Content-Length") or 0)
    if length > largest_allowed_bytes() + 64 * 1024:
        raise AttachmentTooLarge(f"files may be at most {largest_allowed_bytes() // (1024 * 1024)} MB")
    attachment = store_attachment(request.FILES.get("file"), Actor.for_customer(session.contact))
    return JsonResponse(attachment_payload(attachment), status=201)


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def transcript(request: HttpRequest, conversation_id: int) -> HttpResponse:
    session = widget_session(request)
    conversation = webchat.own_conversation(session, conversation_id)
    language = normalize_language(request.GET.get("lang") or conversation.language)
    items = selectors.messages_after(conversation, 0, include_internal=False, limit=100000)
    filename = f"kefu-{conversation.number}"
    if request.GET.get("format") == "json":
        body = {
            "conversation": conversation_payload(conversation, "customer", language),
            "messages": [message_payload(m) for m in items],
        }
        response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    with translation.override(language):
        response = render(request, "widget/transcript.html", {
            "conversation": conversation, "labels": labels(conversation, language), "messages": items,
            "language": language,
        })
    response["Content-Disposition"] = f'attachment; filename="{filename}.html"'
    return response


def demo_page(request: HttpRequest) -> HttpResponse:
    """A pretend exchange page hosting the widget; can sign in as a demo user to show verification."""
    inbox = Inbox.objects.filter(kind=ChannelKind.WEBCHAT, is_active=True).order_by("pk").first()
    user_id = request.GET.get("user", "")
    context = {"inbox": inbox, "user_id": user_id, "user_hash": "", "debug": settings.DEBUG}
    if inbox is not None and user_id:
        # Server side, exactly as an exchange's backend would compute it for its signed-in user.
        context["user_hash"] = webchat.user_hash(inbox, user_id)
    return render(request, "widget/demo.html", context)
