"""Surge mode and announced incidents.

For the assistant (issue 3): `surge_active(team)` says whether a team is in surge mode, and
`relaxed_topic(topic, team)` whether the assistant may answer that topic with its lower surge threshold
(the topic is in `low_risk_topics()` and the team is surging). See docs/routing.md.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Team
from kefu.conversations import services as conversations
from kefu.conversations.models import Conversation
from kefu.conversations.services import Actor
from kefu.conversations.taxonomy import AuthorType
from kefu.core.errors import InvalidInput
from kefu.core.events import publish
from kefu.routing import rules
from kefu.routing.models import Incident, TeamRoutingState

log = logging.getLogger(__name__)

# Topics (category codes) simple enough that, in a surge, the assistant may answer them with a lower
# confidence threshold rather than leave the customer waiting. Never security or money-at-risk topics.
DEFAULT_LOW_RISK_TOPICS = [
    "account.registration", "account.password_reset", "account.2fa", "account.kyc",
    "trading.fees", "trading.orders", "funds.limits_and_fees", "funds.deposit_not_credited",
    "promotions", "feedback",
]
STATUS_GROUP = "routing.status"


def low_risk_topics() -> list[str]:
    """Topics the assistant may answer with its lower surge threshold (KEFU_ROUTING_LOW_RISK_TOPICS)."""
    return list(settings.KEFU_ROUTING_LOW_RISK_TOPICS or DEFAULT_LOW_RISK_TOPICS)


def _team_id(team: Team | int | None) -> int | None:
    return team.pk if isinstance(team, Team) else team


def surge_active(team: Team | int | None = None) -> bool:
    """Whether the team (or, with no team, any team) is in surge mode, automatic or switched on."""
    states = TeamRoutingState.objects.all()
    team_id = _team_id(team)
    if team_id is not None:
        states = states.filter(team_id=team_id)
    return any(s.surge_active for s in states)


def relaxed_topic(topic: str, team: Team | int | None = None) -> bool:
    """True when the assistant may use its lower surge threshold for this topic now."""
    return bool(topic) and topic.startswith(tuple(low_risk_topics())) and surge_active(team)


def set_surge(team: Team, active: bool) -> TeamRoutingState:
    """A supervisor switches surge mode on or off for a team (automatic surge keeps its own state)."""
    state, _ = TeamRoutingState.objects.get_or_create(team=team)
    was = state.surge_active
    state.surge_manual = bool(active)
    _stamp(state, was)
    state.save(update_fields=["surge_manual", "surge_since"])
    _announce(team, state, was)
    return state


def _stamp(state: TeamRoutingState, was: bool) -> None:
    if state.surge_active and not was:
        state.surge_since = timezone.now()
    elif not state.surge_active:
        state.surge_since = None


def _announce(team: Team, state: TeamRoutingState, was: bool) -> None:
    if state.surge_active != was:
        log.info("surge mode %s for team %s", "on" if state.surge_active else "off", team.slug)
        publish(["agents.all", STATUS_GROUP], {"type": "surge.updated", "team": team.slug,
                                               "active": state.surge_active})


def inbound_rate(team: Team, now=None) -> float:
    """New conversations per minute for the team, averaged over its surge window."""
    now = now or timezone.now()
    window = max(1, team.surge_window_minutes)
    since = now - timezone.timedelta(minutes=window)
    return Conversation.objects.filter(team=team, created_at__gte=since).count() / window


def evaluate_surge(now=None) -> list[str]:
    """Switch automatic surge mode on above a team's threshold, off again below 80% of it."""
    switched = []
    for team in Team.objects.filter(surge_rate_per_minute__gt=0):
        state, _ = TeamRoutingState.objects.get_or_create(team=team)
        rate = inbound_rate(team, now)
        was = state.surge_active
        if not state.surge_automatic and rate > team.surge_rate_per_minute:
            state.surge_automatic = True
        elif state.surge_automatic and rate < 0.8 * team.surge_rate_per_minute:
            state.surge_automatic = False
        else:
            continue
        _stamp(state, was)
        state.save(update_fields=["surge_automatic", "surge_since"])
        _announce(team, state, was)
        switched.append(team.slug)
    return switched


# --- incidents ----------------------------------------------------------------------------------------


def announce_incident(title: str, keywords: list[str], notice_en: str, notice_zh_hans: str = "", *,
                      team: Team | None = None, tag: str = "", created_by=None) -> Incident:
    """A supervisor announces an incident; new conversations about it are tagged, grouped and told."""
    keywords = [k.strip() for k in keywords if k and k.strip()]
    if not title.strip():
        raise InvalidInput("an incident needs a title")
    if not keywords:
        raise InvalidInput("an incident needs at least one keyword")
    if not notice_en.strip():
        raise InvalidInput("an incident needs a notice for customers (English at least)")
    incident = Incident.objects.create(title=title.strip()[:200], keywords=keywords, notice_en=notice_en.strip(),
                                       notice_zh_hans=notice_zh_hans.strip(), team=team, tag=tag.strip()[:50],
                                       created_by=created_by)
    if not incident.tag:
        incident.tag = f"incident-{incident.pk}"
        incident.save(update_fields=["tag"])
    forget_incidents()
    publish(["agents.all", STATUS_GROUP], {"type": "incident.updated", "incident_id": incident.pk, "active": True})
    return incident


def resolve_incident(incident: Incident) -> Incident:
    """The incident is over: new conversations are no longer matched against it."""
    incident.is_active = False
    incident.resolved_at = timezone.now()
    incident.save(update_fields=["is_active", "resolved_at"])
    forget_incidents()
    publish(["agents.all", STATUS_GROUP], {"type": "incident.updated", "incident_id": incident.pk, "active": False})
    return incident


_incidents_cache: tuple[float, list[Incident]] | None = None


def forget_incidents() -> None:
    global _incidents_cache
    _incidents_cache = None


def active_incidents() -> list[Incident]:
    """Active incidents (cached a few seconds in each process; announcing or resolving clears it)."""
    global _incidents_cache
    if _incidents_cache is not None and time.monotonic() - _incidents_cache[0] < 5.0:
        return _incidents_cache[1]
    _incidents_cache = (time.monotonic(), list(Incident.objects.filter(is_active=True)))
    return _incidents_cache[1]


def matching_incident(conversation: Conversation, text: str | None = None) -> Incident | None:
    """The newest active incident whose keywords appear in the subject or first message (`text`, lower-cased)."""
    incidents = [i for i in active_incidents() if i.team_id is None or i.team_id == conversation.team_id]
    if not incidents:
        return None
    if text is None:
        first = conversation.messages.filter(internal=False).order_by("seq").first()
        text = f"{conversation.subject}\n{first.body if first else ''}".lower()
    for incident in incidents:
        if rules.keyword_in(text, [k.lower() for k in incident.keywords]):
            return incident
    return None


def send_incident_notice(conversation: Conversation, incident: Incident) -> None:
    """Post the incident notice into the conversation, in the customer's language, as a system message."""
    language = conversation.contact.language or conversation.language
    with transaction.atomic():
        conversations.post_message(conversation, Actor.system(), incident.notice(language),
                                   author_type=AuthorType.SYSTEM, client_id=f"incident-{incident.pk}")


def public_status(language: str = "en") -> dict:
    """What the widget and help center show: surge per team, expected waits, active incidents."""
    from kefu.routing import queues

    teams = []
    for state in TeamRoutingState.objects.select_related("team"):
        if not state.surge_active:
            continue
        waiting = state.team.queue_entries.count()
        teams.append({
            "team": state.team.slug, "name": state.team.name, "surge": True, "waiting": waiting,
            "estimated_wait_seconds": queues.wait_estimate(state.team_id).for_position(max(1, waiting)),
            "since": state.surge_since.isoformat() if state.surge_since else None,
        })
    incidents = [
        {"id": i.pk, "title": i.title, "notice": i.notice(language), "since": i.created_at.isoformat()}
        for i in Incident.objects.filter(is_active=True)
    ]
    waits = [t["estimated_wait_seconds"] for t in teams if t["estimated_wait_seconds"] is not None]
    return {
        "surge": bool(teams), "estimated_wait_seconds": max(waits) if waits else None, "teams": teams,
        "incidents": incidents, "generated_at": timezone.now().isoformat(),
    }
