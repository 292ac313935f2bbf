"""Safety API: the public "is this official?" check and report, the official-channel registry (admins),
and the blocked outbound messages (supervisors). Thin: parse, authorize, call kefu.safety."""

from __future__ import annotations

from ninja import Router, Schema, Status

from kefu.accounts.models import Role
from kefu.core.errors import NotFound, PermissionDenied
from kefu.safety import official
from kefu.safety.models import BlockedMessage, OfficialChannel

router = Router(tags=["safety"])


class VerdictOut(Schema):
    value: str
    kind: str
    verdict: str
    imitates: list[str]
    reason: str


class ReportIn(Schema):
    value: str
    details: str = ""
    email: str = ""
    language: str | None = None


class ReportOut(Schema):
    id: int
    verdict: str
    imitates: str
    conversation_id: int | None
    conversation_number: int | None


class OfficialIn(Schema):
    kind: str
    value: str
    note: str = ""
    active: bool = True


class OfficialOut(Schema):
    id: int
    kind: str
    value: str
    note: str
    active: bool


class BlockedOut(Schema):
    id: int
    created_at: str
    conversation_id: int | None
    agent_id: int | None
    author_type: str
    source: str
    kinds: list[str]
    body: str


def _require(request, roles: set[str]) -> None:
    agent = request.api_token.agent
    if agent is not None and agent.role not in roles and not agent.is_superuser:
        raise PermissionDenied("this needs an integration token or an agent with role " + " or ".join(sorted(roles)))


def _official_out(channel: OfficialChannel) -> dict:
    return {"id": channel.pk, "kind": channel.kind, "value": channel.value, "note": channel.note,
            "active": channel.active}


@router.get("/verify", auth=None, response=VerdictOut, summary="Is this link, email, phone or handle official?")
def verify(request, value: str):
    v = official.check_value(value)
    return {"value": v.value, "kind": v.kind, "verdict": v.verdict, "imitates": v.imitates, "reason": v.reason}


@router.post("/verify/reports", auth=None, response={201: ReportOut}, summary="Report an impersonator")
def report(request, payload: ReportIn):
    r = official.report_impersonator(payload.value, details=payload.details, email=payload.email,
                                     language=payload.language)
    return Status(201, {"id": r.pk, "verdict": r.verdict, "imitates": r.imitates,
                        "conversation_id": r.conversation_id,
                        "conversation_number": r.conversation.number if r.conversation else None})


@router.get("/safety/official-channels", response=list[OfficialOut], summary="The official-channel registry")
def list_official(request):
    _require(request, {Role.ADMIN, Role.SUPERVISOR})
    return [_official_out(c) for c in OfficialChannel.objects.all()]


@router.post("/safety/official-channels", response={201: OfficialOut}, summary="Add an official channel")
def create_official(request, payload: OfficialIn):
    _require(request, {Role.ADMIN})
    channel = official.save_official(payload.kind, payload.value, payload.note, payload.active)
    return Status(201, _official_out(channel))


def _get_official(channel_id: int) -> OfficialChannel:
    channel = OfficialChannel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise NotFound(f"no official channel with id {channel_id}")
    return channel


@router.put("/safety/official-channels/{channel_id}", response=OfficialOut, summary="Change an official channel")
def update_official(request, channel_id: int, payload: OfficialIn):
    _require(request, {Role.ADMIN})
    channel = official.save_official(payload.kind, payload.value, payload.note, payload.active,
                                     channel=_get_official(channel_id))
    return _official_out(channel)


@router.delete("/safety/official-channels/{channel_id}", response={204: None}, summary="Remove an official channel")
def delete_official(request, channel_id: int):
    _require(request, {Role.ADMIN})
    official.delete_official(_get_official(channel_id))
    return Status(204, None)


@router.get("/safety/blocked-messages", response=list[BlockedOut], summary="Outgoing messages the guard refused")
def blocked(request, limit: int = 100):
    _require(request, {Role.ADMIN, Role.SUPERVISOR})
    return [{"id": b.pk, "created_at": b.created_at.isoformat(), "conversation_id": b.conversation_id,
             "agent_id": b.agent_id, "author_type": b.author_type, "source": b.source, "kinds": b.kinds,
             "body": b.body} for b in BlockedMessage.objects.all()[:max(1, min(limit, 500))]]
