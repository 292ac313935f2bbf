"""Pages and endpoints of the exchange app: public freeze and verification pages, the help-center case
form, the widget plug-in's endpoints and the console side panel. Thin: they call the services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.channels.models import ChannelKind, Inbox
from kefu.channels.webchat import own_conversation
from kefu.contacts.models import Contact
from kefu.conversations import selectors
from kefu.conversations import services as conversations
from kefu.conversations.services import Actor
from kefu.conversations.taxonomy import Category
from kefu.core.errors import InvalidInput, KefuError, NotFound
from kefu.exchange import cases, chains, context, freeze, verification
from kefu.exchange.models import Case, CaseKind, CustomerVerification
from kefu.web.widget_views import widget_endpoint, widget_session

CASE_STATUS_SALT = "kefu.exchange.case-status"
CATEGORY_FOR_KIND = {
    CaseKind.DEPOSIT_NOT_CREDITED: Category.DEPOSIT_NOT_CREDITED,
    CaseKind.WRONG_NETWORK: Category.DEPOSIT_WRONG_NETWORK,
    CaseKind.WITHDRAWAL_FAILED: Category.WITHDRAWAL_FAILED, CaseKind.REFUND: Category.REFUNDS,
}
FIELDS = ("asset", "network", "address", "memo", "txid", "amount", "reference", "description")


def _page(request, template: str, context_data: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, context_data, status=status)


# --- emergency freeze pages ---------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def freeze_form(request: HttpRequest) -> HttpResponse:
    """For a customer who cannot log in: UID or email in, a confirmation to the account's email out."""
    if request.method == "GET":
        return _page(request, "exchange/freeze_form.html", {})
    try:
        pending = freeze.request_freeze_by_identifier(request.POST.get("identifier", ""), language=get_language())
    except KefuError as error:
        return _page(request, "exchange/freeze_form.html", {"error": error.detail}, error.status)
    return _page(request, "exchange/freeze_sent.html", {"request_id": pending.pk if pending else 0})


@require_POST
def freeze_code(request: HttpRequest) -> HttpResponse:
    try:
        done = freeze.confirm_freeze(request_id=int(request.POST.get("request") or 0),
                                     code=request.POST.get("code", ""))
    except (KefuError, ValueError) as error:
        return _page(request, "exchange/freeze_sent.html", {
            "request_id": request.POST.get("request"), "error": getattr(error, "detail", str(error))}, 422)
    return _page(request, "exchange/freeze_done.html", {"freeze": done})


@require_http_methods(["GET", "POST"])
def freeze_confirm_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":  # mail scanners open links: only a button here, the POST freezes
        return _page(request, "exchange/freeze_button.html", {})
    try:
        done = freeze.confirm_freeze(token=token)
    except KefuError as error:
        return _page(request, "exchange/freeze_button.html", {"error": error.detail}, error.status)
    return _page(request, "exchange/freeze_done.html", {"freeze": done})


@require_http_methods(["GET", "POST"])
def freeze_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed freeze link in support emails."""
    try:
        contact = freeze.contact_from_link(token)
    except KefuError as error:
        return _page(request, "exchange/freeze_button.html", {"error": error.detail}, error.status)
    if request.method == "GET":
        return _page(request, "exchange/freeze_button.html", {})
    return _page(request, "exchange/freeze_done.html", {"freeze": freeze.request_freeze(contact, "email_link")})


@require_http_methods(["GET", "POST"])
def verify_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _page(request, "exchange/verify_button.html", {})
    try:
        done = verification.confirm_by_link(token)
    except KefuError as error:
        return _page(request, "exchange/verify_button.html", {"error": error.detail}, error.status)
    return _page(request, "exchange/verify_button.html", {"done": done.status == "verified"})


# --- help-center case form ----------------------------------------------------------------------

def _help_inbox() -> Inbox:
    inbox = Inbox.objects.filter(kind=ChannelKind.API, is_default_api_inbox=True).first()
    return inbox or Inbox.objects.create(name="Help center", kind=ChannelKind.API, is_default_api_inbox=True)


@require_http_methods(["GET", "POST"])
def help_case_form(request: HttpRequest, kind: str) -> HttpResponse:
    """/help/cases/<kind>: a guided form collecting exactly the fields the case needs."""
    kind = {"deposit": CaseKind.DEPOSIT_NOT_CREDITED, "wrong-network": CaseKind.WRONG_NETWORK,
            "withdrawal": CaseKind.WITHDRAWAL_FAILED, "refund": CaseKind.REFUND}.get(kind, kind)
    if kind not in CaseKind.values:
        raise Http404("no such case form")
    data = {"kind": kind, "kind_label": CaseKind(kind).label, "required": cases.REQUIRED[kind],
            "networks": [(c, chains.network_label(c)) for c in chains.NETWORKS], "values": request.POST}
    if request.method == "GET":
        return _page(request, "exchange/help_case_form.html", data)
    fields = {name: request.POST.get(name, "") for name in FIELDS}
    email, name = request.POST.get("email", "").strip(), request.POST.get("name", "").strip()
    try:
        if "@" not in email:
            raise InvalidInput(_email_error())
        cases.validate_case_fields(kind, fields)
        # A self-declared email never links to an existing contact (that would leak their history).
        contact = Contact.objects.create(name=name[:200], email=email[:254], language=get_language() or "en")
        actor = Actor.for_customer(contact)
        conversation, _created = conversations.create_conversation(
            _help_inbox(), contact, actor, body=str(CaseKind(kind).label), category=CATEGORY_FOR_KIND[kind],
            language=get_language())
        case = cases.open_case(conversation, actor, kind, fields)
    except KefuError as error:
        return _page(request, "exchange/help_case_form.html", {**data, "error": error.detail,
                                                               "errors": error.extra.get("errors", [])}, error.status)
    token = signing.dumps({"c": case.pk}, salt=CASE_STATUS_SALT)
    return _page(request, "exchange/help_case_status.html", {"case": cases.case_payload(case), "token": token})


def _email_error() -> str:
    return _("Enter the email address of your account so we can reach you.")


@require_GET
def help_case_status(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case_id = signing.loads(token, salt=CASE_STATUS_SALT)["c"]
    except (signing.BadSignature, KeyError) as error:
        raise Http404("no such case") from error
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise Http404("no such case")
    return _page(request, "exchange/help_case_status.html", {"case": cases.case_payload(case), "token": token})


# --- widget plug-in endpoints -------------------------------------------------------------------

def _json(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise InvalidInput("the request body is not valid JSON") from error
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    return data


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def widget_state(request: HttpRequest) -> JsonResponse:
    """The customer's cases, open verification prompts, and who the assigned agent is (verified by kefu)."""
    session = widget_session(request)
    contact = session.contact
    found = Case.objects.filter(contact=contact, conversation__inbox=session.inbox).select_related("conversation")[:20]
    conversation_ids = list(contact.conversations.filter(inbox=session.inbox).values_list("pk", flat=True))
    agent = None
    conversation_id = request.GET.get("conversation_id")
    if conversation_id and conversation_id.isdigit():
        conversation = own_conversation(session, int(conversation_id))
        if conversation.assignee is not None:
            agent = {"name": conversation.assignee.public_name, "verified": conversation.assignee.is_active}
    return JsonResponse({
        "cases": [cases.case_payload(c) for c in found],
        "verifications": [verification.verification_payload(v) for v in
                          verification.pending_for(contact, conversation_ids)],
        "agent": agent, "verified_session": session.verified,
        "anti_phishing_code": getattr(contact, "anti_phishing_code", "") if session.verified else "",
        "kinds": [{"kind": k, "label": str(CaseKind(k).label), "required": cases.REQUIRED[k]} for k in CaseKind.values],
    }, json_dumps_params={"ensure_ascii": False})


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def widget_check(request: HttpRequest) -> JsonResponse:
    widget_session(request)
    data = _json(request)
    result = chains.check_transfer(**{k: str(data.get(k, "")) for k in ("asset", "network", "address", "memo",
                                                                        "txid", "amount")})
    return JsonResponse({"ok": result.ok, "findings": [f.__dict__ for f in result.findings]},
                        json_dumps_params={"ensure_ascii": False})


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def widget_open_case(request: HttpRequest) -> JsonResponse:
    """The guided form in the widget: opens the case in the current conversation or a new one."""
    session = widget_session(request)
    data = _json(request)
    kind = str(data.get("kind", ""))
    fields = {name: str(data.get(name) or "") for name in FIELDS}
    cases.validate_case_fields(kind, fields)
    actor = Actor.for_customer(session.contact)
    conversation_id = data.get("conversation_id")
    conversation = own_conversation(session, int(conversation_id)) if conversation_id else None
    if conversation is None or conversation.is_closed:
        conversation, _created = conversations.create_conversation(
            session.inbox, session.contact, actor, body=str(CaseKind(kind).label), category=CATEGORY_FOR_KIND[kind],
            language=session.contact.language)
    case = cases.open_case(conversation, actor, kind, fields, [int(i) for i in data.get("attachment_ids") or []])
    return JsonResponse(cases.case_payload(case), status=201, json_dumps_params={"ensure_ascii": False})


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def widget_case_reply(request: HttpRequest, case_id: int) -> JsonResponse:
    session = widget_session(request)
    case = Case.objects.filter(pk=case_id, contact=session.contact, conversation__inbox=session.inbox).first()
    if case is None:
        raise NotFound("no such case")
    data = _json(request)
    case = cases.customer_update(case, Actor.for_customer(session.contact), str(data.get("note", ""))[:2000],
                                 [int(i) for i in data.get("attachment_ids") or []])
    return JsonResponse(cases.case_payload(case), json_dumps_params={"ensure_ascii": False})


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def widget_verify(request: HttpRequest, verification_id: int) -> JsonResponse:
    session = widget_session(request)
    found = CustomerVerification.objects.filter(pk=verification_id, contact=session.contact).first()
    if found is None:
        raise NotFound("no such verification")
    code = str(_json(request).get("code", ""))
    done = verification.confirm_verification(found, contact=session.contact, verified_session=session.verified,
                                             code=code)
    return JsonResponse(verification.verification_payload(done))


@widget_endpoint
@require_http_methods(["POST", "OPTIONS"])
def widget_freeze(request: HttpRequest) -> JsonResponse:
    """The freeze button: only a signed-in (identity-verified) session may freeze its own account."""
    session = widget_session(request)
    if not session.verified:
        raise InvalidInput("sign in on the exchange to freeze from the chat, or use the freeze form")
    done = freeze.request_freeze(session.contact, "widget", reason=str(_json(request).get("reason", ""))[:500],
                                 inbox=session.inbox)
    return JsonResponse({"status": done.status, "conversation_id": done.conversation_id}, status=201)


# --- console side panel -------------------------------------------------------------------------

def _console_conversation(request: HttpRequest, conversation_id: int):
    conversation = selectors.get_visible(request.user, conversation_id)
    if conversation is None:
        raise Http404("no such conversation")
    return conversation


def _panel(request: HttpRequest, conversation, **extra) -> HttpResponse:
    data = {
        "conversation": conversation, "context": context.account_context(conversation.contact),
        "verified": verification.is_verified(conversation),
        "pending": verification.pending_for(conversation.contact, [conversation.pk]),
        "cases": [cases.case_payload(c) for c in conversation.cases.all()],
        "transitions": cases.TRANSITIONS, "kinds": CaseKind.choices,
        "networks": [(c, chains.network_label(c)) for c in chains.NETWORKS], **extra,
    }
    return render(request, "exchange/panel.html", data, status=422 if extra.get("error") else 200)


@login_required
@require_GET
def console_cases(request: HttpRequest) -> HttpResponse:
    """Open cases the agent can see; "awaiting approval" first, so a second agent finds them."""
    visible = selectors.visible_conversations(request.user)
    qs = Case.objects.filter(conversation__in=visible).select_related("conversation", "proposed_by")
    show = request.GET.get("show", "open")
    if show == "approval":
        qs = qs.filter(status="verifying", proposed_by__isnull=False).exclude(proposed_by=request.user)
    elif show == "open":
        qs = qs.filter(status__in=cases.OPEN_STATUSES)
    rows = [{**cases.case_payload(c), "proposed_by": c.proposed_by.public_name if c.proposed_by else "",
             "conversation_number": c.conversation.number}
            for c in qs[:200]]
    return render(request, "exchange/console_cases.html", {"rows": rows, "show": show})


@login_required
@require_GET
def console_panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _panel(request, _console_conversation(request, conversation_id))


@login_required
@require_POST
def console_action(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Verify the customer, reveal a field, or move a case; the panel comes back re-rendered."""
    conversation = _console_conversation(request, conversation_id)
    actor = Actor.for_agent(request.user)
    action = request.POST.get("action", "")
    revealed = {}
    try:
        if action == "verify":
            verification.start_verification(conversation, actor, request.POST.get("method", ""))
        elif action == "open":
            fields = {name: request.POST.get(name, "") for name in FIELDS}
            cases.open_case(conversation, actor, request.POST.get("kind", ""), fields)
        elif action == "freeze":
            verification.require_verified(conversation)
            done = freeze.request_freeze(conversation.contact, "agent", reason=request.POST.get("reason", ""),
                                         inbox=conversation.inbox)
            if done.status != "frozen":
                raise InvalidInput(done.error or "the exchange did not freeze the account")
        elif action == "reveal":
            key = request.POST.get("key", "")
            revealed[key] = context.reveal_field(conversation, actor, key, request.POST.get("reason", ""))
        elif action in ("propose", "approve", "move", "lookup"):
            case = conversation.cases.filter(pk=request.POST.get("case") or 0).first()
            if case is None:
                raise NotFound("no such case")
            note = request.POST.get("note", "")
            if action == "propose":
                cases.propose_approval(case, actor, note)
            elif action == "approve":
                cases.approve_case(case, actor, note)
            elif action == "lookup":
                cases.run_chain_lookup(case)
            else:
                cases.move_case(case, actor, request.POST.get("status", ""), note)
        else:
            raise InvalidInput(f"unknown action {action!r}")
    except KefuError as error:
        return _panel(request, conversation, error=error.detail)
    return _panel(request, conversation, revealed=revealed)
