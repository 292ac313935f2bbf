"""Console pages, the routing API and the widget's queue endpoint."""

from __future__ import annotations

from django.test import Client

from kefu.accounts.models import Agent, Presence
from kefu.channels import webchat
from kefu.routing.models import Incident, TeamRoutingState


def login(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_queues_page_for_supervisors_only(supervisor, agent, make_agent, new_conversation):
    make_agent("amy", chats=1)
    new_conversation()
    waiting = new_conversation("second question")
    page = login(supervisor).get("/console/queues/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "General" in body and f"#{waiting.number}" in body and "Amy" in body
    panel = login(supervisor).get("/console/queues/panel").content.decode()
    assert "data-waiting>1<" in panel
    assert login(agent).get("/console/queues/").status_code == 403


def test_presence_switch_in_the_console(agent):
    client = login(agent)
    assert "Presence" in client.get("/console/").content.decode()  # the nav link
    client.post("/console/presence/", {"presence": "online"})
    agent.refresh_from_db()
    assert agent.presence == Presence.ONLINE
    response = client.post("/console/presence/", {"presence": "napping"})
    assert response.status_code == 422
    agent.refresh_from_db()
    assert agent.presence == Presence.ONLINE


def test_supervisor_surge_and_incident_forms(supervisor, team):
    client = login(supervisor)
    client.post("/console/queues/teams/general/surge", {"active": "1"})
    assert TeamRoutingState.objects.get(team=team).surge_manual
    client.post("/console/queues/incidents", {
        "title": "ETH deposits slow", "keywords": "eth deposit，以太坊充值",
        "notice_en": "ETH deposits are slow.", "notice_zh_hans": "以太坊充值较慢。"})
    incident = Incident.objects.get()
    assert incident.keywords == ["eth deposit", "以太坊充值"]
    client.post(f"/console/queues/incidents/{incident.pk}/resolve")
    incident.refresh_from_db()
    assert not incident.is_active


def test_api_presence_capacity_queues_and_errors(api, agent_api, agent, supervisor, make_agent, new_conversation):
    response = agent_api.client.put("/api/v1/routing/agents/alice/presence", '{"presence": "online"}',
                                    content_type="application/json", headers=agent_api.headers)
    assert response.status_code == 200 and response.json()["presence"] == "online"
    # An agent's token may not move someone else.
    response = agent_api.client.put("/api/v1/routing/agents/lin/presence", '{"presence": "online"}',
                                    content_type="application/json", headers=agent_api.headers)
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    response = api.client.put("/api/v1/routing/agents/alice/presence", '{"presence": "asleep"}',
                              content_type="application/json", headers=api.headers)
    assert response.status_code == 422
    response = api.client.put("/api/v1/routing/agents/alice/capacity", '{"chat_capacity": 1}',
                              content_type="application/json", headers=api.headers)
    assert response.json()["chat_capacity"] == 1
    assert Agent.objects.get(username="alice").chat_capacity == 1
    new_conversation()
    waiting = new_conversation()
    queues = api.get("/routing/queues").json()
    general = next(q for q in queues if q["team"] == "general")
    assert general["waiting"] == 1 and general["next"] == [waiting.pk]
    assert api.get(f"/routing/conversations/{waiting.pk}/queue").json()["position"] == 1
    response = api.client.put("/api/v1/routing/teams/nope/surge", '{"active": true}',
                              content_type="application/json", headers=api.headers)
    assert response.status_code == 404
    created = api.post("/routing/incidents", {"title": "Slow", "keywords": ["slow"], "notice_en": "Slow."})
    assert created.status_code == 201
    assert api.post("/routing/incidents", {"title": "x", "keywords": [], "notice_en": "y"}).status_code == 422


def test_widget_asks_its_place_in_the_queue(webchat_inbox, new_conversation, make_agent):
    make_agent("amy", chats=0)
    conv = new_conversation()
    session = webchat.start_session(webchat_inbox, visitor_token=None)
    client = Client()
    # Another visitor cannot ask about it.
    other = client.get(f"/routing/widget/queue/{conv.pk}", headers={"X-Kefu-Session": session.token})
    assert other.status_code == 404
    own = webchat.WidgetSession(webchat_inbox, conv.contact, False,
                                webchat._session_token(webchat_inbox, conv.contact, False))
    data = client.get(f"/routing/widget/queue/{conv.pk}", headers={"X-Kefu-Session": own.token}).json()
    assert data["waiting"] is True and data["position"] == 1


def test_routing_texts_exist_in_chinese(client):
    from django.utils import translation

    from kefu.routing.widget import widget_strings

    with translation.override("zh-hans"):
        assert str(Presence.ONLINE.label) == "在线"
        assert widget_strings("zh-hans")["routing.position"] == "您当前排在第 {n} 位。"
    assert widget_strings("en")["routing.position"] == "You are number {n} in the queue."
