"""The JSON API under /api/v1: thin routes that parse, authorize, call a service and serialize."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from ninja import File, NinjaAPI, Router, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from kefu.accounts.models import Agent, ApiToken, Team
from kefu.accounts.services import authenticate_token
from kefu.api import schemas as s
from kefu.api.resources import (
    conversation_out,
    default_api_inbox,
    get_visible_conversation,
    patch_to_changes,
)
from kefu.api.routing import router as routing_router
from kefu.api.safety import router as safety_router
from kefu.api.webhooks import router as webhooks_router
from kefu.channels.models import Inbox
from kefu.contacts.models import Contact
from kefu.contacts.services import find_or_create_contact, update_contact
from kefu.conversations import bulk, selectors, services
from kefu.conversations.attachments import store_attachment
from kefu.conversations.models import AuditEvent
from kefu.conversations.payloads import attachment_payload, message_payload
from kefu.core.errors import InvalidInput, KefuError, NotFound
from kefu.core.i18n import language_of_text
from kefu.core.problems import problem_body_of, problem_from_error, problem_response


class UnicodeJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = authenticate_token(token)
        if found is not None:
            request.api_token = found
        return found


api = NinjaAPI(
    title="kefu API",
    version="1",
    description="Conversations, messages and contacts of kefu. Authenticate with `Authorization: Bearer "
    "<token>`; create a token with `kefu token create --name NAME`. Errors are RFC 9457 problem bodies.",
    auth=TokenAuth(),
    renderer=UnicodeJSONRenderer(),
    urls_namespace="api",
)


def _validation_detail(errors: list[dict]) -> str:
    parts = []
    for error in errors:
        location = ".".join(str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query"))
        parts.append(f"{location}: {error.get('msg')}" if location else str(error.get("msg")))
    return "; ".join(parts)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [{"loc": list(e.get("loc", [])), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors]
    return problem_response(422, "Invalid input", _validation_detail(exc.errors), "invalid-input", errors=errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc: AuthenticationError):
    response = problem_response(
        401, "Unauthorized", "send a valid API token as 'Authorization: Bearer <token>'", "unauthorized")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return problem_response(400, "Malformed request", "the request body is not valid JSON", "malformed-json")
    return problem_response(exc.status_code, str(exc), "", "http-error")


@api.exception_handler(KefuError)
def on_domain_error(request, exc: KefuError):
    return problem_from_error(exc)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return problem_response(413, "Request too large", "the request body is larger than this server accepts",
                            "request-too-large")


conversations = Router(tags=["conversations"])
messages = Router(tags=["conversations"])
contacts = Router(tags=["contacts"])
directory = Router(tags=["directory"])


def _agent(request) -> Agent | None:
    return request.api_token.agent


def _actor(request) -> services.Actor:
    return services.Actor.for_token(request.api_token)


@conversations.post("", response={200: s.ConversationOut, 201: s.ConversationOut},
                    summary="Open a conversation with its first customer message")
def create_conversation(request, payload: s.ConversationIn):
    inbox = Inbox.objects.filter(pk=payload.inbox_id).first() if payload.inbox_id else default_api_inbox()
    if inbox is None:
        raise NotFound(f"no inbox with id {payload.inbox_id}")
    language = _language_of(payload)
    with transaction.atomic():
        c = payload.contact
        contact, created_contact = find_or_create_contact(
            external_id=c.external_id, email=c.email, name=c.name, language=c.language or language)
        if created_contact and c.vip_tier is not None:
            update_contact(contact, vip_tier=c.vip_tier)
        conversation, created = services.create_conversation(
            inbox, contact, _actor(request), body=payload.message.body, subject=payload.subject,
            client_id=payload.message.client_id, language=language, category=payload.category,
            priority=payload.priority, attachment_ids=payload.message.attachment_ids,
        )
    return Status(201 if created else 200, conversation_out(conversation))


def _language_of(payload: s.ConversationIn) -> str | None:
    """The language given, else Chinese when the first message is written in Chinese (so numbers,
    statuses and bot replies come in the customer's language), else None: the contact's."""
    return payload.language or language_of_text(payload.message.body)


@conversations.post("/batch", response=s.ConversationBatchOut,
                    summary="Open up to 200 conversations, each with its first customer message, in one request")
def create_conversation_batch(request, payload: s.ConversationBatchIn):
    """Each item is answered as `POST /conversations` would answer it alone, in order in `results`:
    201 with the conversation, 200 when its client_id already opened one, or a problem. Retrying a
    batch with the same client_ids opens nothing twice."""
    wanted = {c.inbox_id for c in payload.conversations if c.inbox_id}
    inboxes = {inbox.pk: inbox for inbox in Inbox.objects.filter(pk__in=wanted)}
    default = default_api_inbox() if any(c.inbox_id is None for c in payload.conversations) else None
    problems: dict[int, KefuError] = {}
    items = []
    for index, c in enumerate(payload.conversations):
        inbox = inboxes.get(c.inbox_id) if c.inbox_id else default
        if inbox is None:
            problems[index] = NotFound(f"no inbox with id {c.inbox_id}")
        elif c.message.attachment_ids:
            problems[index] = InvalidInput("attachments are not taken in a batch; open this one alone")
        else:
            language = _language_of(c)
            items.append((index, bulk.NewConversation(
                inbox=inbox, body=c.message.body, subject=c.subject, client_id=c.message.client_id,
                language=language, category=c.category, priority=c.priority,
                contact_spec={"external_id": c.contact.external_id, "email": c.contact.email, "name": c.contact.name,
                              "language": c.contact.language or language, "vip_tier": c.contact.vip_tier})))
    with transaction.atomic():
        results = dict(zip((i for i, _ in items), bulk.create_conversations(_actor(request), [n for _, n in items]),
                           strict=True))
    out = []
    for index in range(len(payload.conversations)):
        result = results.get(index)
        error = problems.get(index) if result is None else result.error
        if result is not None and result.conversation is not None:
            out.append({"status": result.status, "conversation": conversation_out(result.conversation)})
        else:
            out.append({"status": error.status, "problem": problem_body_of(error)})
    return _batch_answer(out)


def _batch_answer(results: list[dict]) -> JsonResponse:
    """A batch endpoint's answer: the items' results in order and how many were created, existed or failed.
    (Shaped already; skipping the response model's re-validation keeps batches cheap.)"""
    return JsonResponse({
        "created": sum(1 for r in results if r["status"] == 201),
        "existing": sum(1 for r in results if r["status"] == 200),
        "failed": sum(1 for r in results if "problem" in r),
        "results": results,
    }, json_dumps_params={"ensure_ascii": False})


@conversations.get("", response=s.ConversationList, summary="List conversations with filters")
def list_conversations(request, status: str | None = None,
                       assignee: str | None = None, team: str | None = None, category: str | None = None,
                       priority: str | None = None, channel: str | None = None, language: str | None = None,
                       tag: str | None = None, contact_id: int | None = None, q: str | None = None,
                       limit: int = 50, offset: int = 0):
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    f = selectors.ConversationFilters(status=status, assignee=assignee, team=team, category=category,
                                      priority=priority, channel=channel, language=language, tag=tag,
                                      contact=contact_id, q=q)
    qs = selectors.filter_conversations(selectors.visible_conversations(_agent(request)), f, _agent(request))
    total = qs.count()
    items = [conversation_out(c) for c in qs.prefetch_related("tags")[offset:offset + limit]]
    return {"items": items, "count": total, "next_offset": offset + limit if offset + limit < total else None}


@conversations.get("/by-number/{number}", response=s.ConversationOut, summary="Find a conversation by number")
def get_by_number(request, number: int):
    conversation = selectors.visible_conversations(_agent(request)).filter(number=number).first()
    if conversation is None:
        raise NotFound(f"no conversation number {number}")
    return conversation_out(conversation)


@conversations.get("/{conversation_id}", response=s.ConversationOut, summary="Read a conversation")
def get_conversation(request, conversation_id: int):
    return conversation_out(get_visible_conversation(request, conversation_id))


@conversations.patch("/{conversation_id}", response=s.ConversationOut,
                     summary="Change status, assignee, team, priority, category, subject or tags")
def patch_conversation(request, conversation_id: int, payload: s.ConversationPatch):
    conversation = get_visible_conversation(request, conversation_id)
    updated = services.update_conversation(conversation, _actor(request), patch_to_changes(payload))
    return conversation_out(updated)


@conversations.get("/{conversation_id}/messages", response=list[s.MessageOut], summary="Messages in order")
def list_messages(request, conversation_id: int, after_seq: int = 0, limit: int = 100,
                  include_internal: bool = True):
    conversation = get_visible_conversation(request, conversation_id)
    messages = selectors.messages_after(conversation, after_seq, include_internal=include_internal,
                                        limit=max(1, min(limit, 500)))
    return [message_payload(m) for m in messages]


@conversations.post("/{conversation_id}/messages", response={200: s.MessageOut, 201: s.MessageOut},
                    summary="Post a reply, an internal note, or relay the customer's words")
def post_message(request, conversation_id: int, payload: s.MessageIn):
    conversation = get_visible_conversation(request, conversation_id)
    message, created = services.post_message(
        conversation, _actor(request), payload.body, internal=payload.internal, client_id=payload.client_id,
        attachment_ids=payload.attachment_ids, author_type=payload.author_type,
    )
    return Status(201 if created else 200, message_payload(message))


@messages.post("/batch", response=s.BatchOut,
               summary="Post up to 500 messages to any conversations in one request")
def post_message_batch(request, payload: s.BatchIn):
    """Each item succeeds or fails on its own; `results` answers them in order. Retrying a batch with
    the same client_ids stores nothing twice."""
    items = [bulk.BatchItem(conversation_id=m.conversation_id, body=m.body, client_id=m.client_id,
                            internal=m.internal, author_type=m.author_type) for m in payload.messages]
    results = bulk.post_messages(_actor(request), items)
    out = []
    for result in results:
        if result.message is not None:
            out.append({"status": result.status, "message": result.payload or message_payload(result.message)})
        else:
            out.append({"status": result.status, "problem": problem_body_of(result.error)})
    return _batch_answer(out)


@conversations.get("/{conversation_id}/audit", response=list[s.AuditEventOut], summary="The audit trail")
def audit_trail(request, conversation_id: int):
    conversation = get_visible_conversation(request, conversation_id)
    return list(AuditEvent.objects.filter(conversation=conversation))


@api.post("/attachments", response={201: s.AttachmentOut}, tags=["conversations"],
          summary="Upload a file (multipart field 'file'); send its id in attachment_ids")
def upload_attachment(request, file: File[UploadedFile] = None):
    attachment = store_attachment(file, _actor(request))
    return Status(201, attachment_payload(attachment))


@contacts.get("", response=list[s.ContactOut], summary="Find contacts")
def list_contacts(request, q: str | None = None, external_id: str | None = None, email: str | None = None,
                  limit: int = 50):
    qs = Contact.objects.all()
    if external_id:
        qs = qs.filter(external_id=external_id)
    if email:
        qs = qs.filter(email__iexact=email)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(external_id=q))
    return list(qs[: max(1, min(limit, 200))])


@contacts.post("", response={200: s.ContactOut, 201: s.ContactOut}, summary="Create or find a contact")
def create_contact(request, payload: s.ContactIn):
    with transaction.atomic():
        contact, created = find_or_create_contact(external_id=payload.external_id, email=payload.email,
                                                  name=payload.name, language=payload.language)
        if payload.vip_tier is not None:
            update_contact(contact, vip_tier=payload.vip_tier)
    return Status(201 if created else 200, contact)


def _get_contact(contact_id: int) -> Contact:
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    return contact


@contacts.get("/{contact_id}", response=s.ContactOut, summary="Read a contact")
def get_contact(request, contact_id: int):
    return _get_contact(contact_id)


@contacts.patch("/{contact_id}", response=s.ContactOut, summary="Change a contact")
def patch_contact(request, contact_id: int, payload: s.ContactPatch):
    contact = _get_contact(contact_id)
    return update_contact(contact, **payload.model_dump(exclude_unset=True))


@directory.get("/inboxes", response=list[s.InboxOut], summary="Inboxes")
def list_inboxes(request):
    return list(Inbox.objects.filter(is_active=True))


@directory.get("/teams", response=list[s.TeamOut], summary="Teams")
def list_teams(request):
    return list(Team.objects.all())


@directory.get("/agents", response=list[s.AgentOut], summary="Agents")
def list_agents(request):
    agents = Agent.objects.filter(is_active=True).prefetch_related("teams")
    return [{"id": a.pk, "username": a.username, "display_name": a.public_name, "role": a.role,
             "team_ids": [t.pk for t in a.teams.all()]} for a in agents]


api.add_router("/conversations", conversations)
api.add_router("/messages", messages)
api.add_router("/contacts", contacts)
api.add_router("", directory)
api.add_router("/routing", routing_router)
# --- exchange (issue 6) ---
from kefu.api.exchange import exchange_router, router as cases_router  # noqa: E402, I001

api.add_router("/cases", cases_router)
api.add_router("/exchange", exchange_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("", safety_router)
