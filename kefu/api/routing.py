"""Routing API: presence and capacity, queues, surge mode, incidents. Thin: services do the work."""

from __future__ import annotations

from ninja import Router, Schema, Status

from kefu.accounts.models import Agent, Team
from kefu.core.errors import InvalidInput, NotFound, PermissionDenied
from kefu.routing import queues, services, surge
from kefu.routing.models import Incident

router = Router(tags=["routing"])


class PresenceIn(Schema):
    presence: str


class CapacityIn(Schema):
    chat_capacity: int | None = None
    ticket_capacity: int | None = None


class AgentStateOut(Schema):
    username: str
    presence: str
    chat_capacity: int
    ticket_capacity: int


class SurgeIn(Schema):
    active: bool


class IncidentIn(Schema):
    title: str
    keywords: list[str]
    notice_en: str
    notice_zh_hans: str = ""
    team: str | None = None
    tag: str = ""


class IncidentOut(Schema):
    id: int
    title: str
    keywords: list[str]
    tag: str
    is_active: bool


def _token_agent(request) -> Agent | None:
    return request.api_token.agent


def _may_manage(request, target: Agent | None = None) -> None:
    """Agentless integration tokens and supervisors manage anyone; an agent's token only itself."""
    agent = _token_agent(request)
    if agent is None or agent.sees_everything:
        return
    if target is None or target.pk != agent.pk:
        raise PermissionDenied("only supervisors, admins or integration tokens may do this")


def _agent_named(username: str) -> Agent:
    agent = Agent.objects.filter(username=username, is_active=True).first()
    if agent is None:
        raise NotFound(f"no active agent named {username!r}")
    return agent


def _state(agent: Agent) -> dict:
    return {"username": agent.username, "presence": agent.presence, "chat_capacity": agent.chat_capacity,
            "ticket_capacity": agent.ticket_capacity}


@router.put("/agents/{username}/presence", response=AgentStateOut, summary="Set an agent online, away or offline")
def put_presence(request, username: str, payload: PresenceIn):
    agent = _agent_named(username)
    _may_manage(request, agent)
    return _state(services.set_presence(agent, payload.presence))


@router.put("/agents/{username}/capacity", response=AgentStateOut, summary="Set an agent's capacity")
def put_capacity(request, username: str, payload: CapacityIn):
    agent = _agent_named(username)
    _may_manage(request)
    return _state(services.set_capacity(agent, chat_capacity=payload.chat_capacity,
                                        ticket_capacity=payload.ticket_capacity))


@router.get("/queues", summary="Every team's queue: waiting, longest wait, estimate, surge, agents")
def get_queues(request):
    _may_manage(request)
    result = []
    for q in queues.overview():
        result.append({
            "team": q.team.slug if q.team else None, "waiting": q.waiting,
            "longest_wait_seconds": q.longest_wait_seconds, "estimated_wait_seconds": q.estimated_wait_seconds,
            "surge": q.surge, "incidents": [{"title": t, "waiting": n} for t, n in q.incidents],
            "agents": [{"username": a.agent.username, "presence": a.agent.presence, "chats": a.chats,
                        "chat_capacity": a.agent.chat_capacity, "tickets": a.tickets} for a in q.agents],
            "next": [e.conversation_id for e in q.next_up],
        })
    return result


@router.get("/conversations/{conversation_id}/queue", summary="A conversation's place in its team's queue")
def get_position(request, conversation_id: int):
    status = queues.customer_status(conversation_id)
    return status or {"conversation_id": conversation_id, "waiting": False}


@router.put("/teams/{slug}/surge", summary="Switch a team's surge mode on or off")
def put_surge(request, slug: str, payload: SurgeIn):
    _may_manage(request)
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise NotFound(f"no team {slug!r}")
    state = surge.set_surge(team, payload.active)
    return {"team": slug, "surge": state.surge_active, "manual": state.surge_manual,
            "automatic": state.surge_automatic}


@router.post("/incidents", response={201: IncidentOut}, summary="Announce an incident")
def post_incident(request, payload: IncidentIn):
    _may_manage(request)
    team = None
    if payload.team:
        team = Team.objects.filter(slug=payload.team).first()
        if team is None:
            raise InvalidInput(f"no team {payload.team!r}")
    incident = surge.announce_incident(payload.title, payload.keywords, payload.notice_en, payload.notice_zh_hans,
                                       team=team, tag=payload.tag, created_by=_token_agent(request))
    return Status(201, incident)


@router.post("/incidents/{incident_id}/resolve", response=IncidentOut, summary="End an incident")
def resolve_incident(request, incident_id: int):
    _may_manage(request)
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return surge.resolve_incident(incident)


@router.get("/status", auth=None, summary="Public: surge mode, expected wait, incidents (also /routing/status.json)")
def get_status(request, lang: str = "en"):
    from kefu.core.i18n import normalize_language

    return surge.public_status(normalize_language(lang))
