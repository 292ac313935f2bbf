"""The console side: the SLA panel on a conversation and the live SLA page."""

from __future__ import annotations

import pytest

from kefu.conversations import services
from kefu.sla import services as sla_services

pytestmark = pytest.mark.django_db(transaction=True)


def test_conversation_panel_shows_deadlines_and_time_left(clock, make_policy, client, conversation, supervisor):
    make_policy("Standard", first=60, resolution=8 * 60)
    sla_services.refresh_sla(conversation.pk)
    clock.advance(minutes=15)
    client.force_login(supervisor)
    page = client.get(f"/console/c/{conversation.pk}/").content.decode()
    assert 'data-testid="sla-panel"' in page and "Standard" in page
    assert 'data-target="first_response" data-state="running"' in page
    assert "45 min left" in page
    assert "7 h 45 min left" in page


def test_breached_deadline_is_highlighted(clock, make_policy, client, conversation, supervisor):
    make_policy("Standard", first=60)
    sla_services.refresh_sla(conversation.pk)
    clock.advance(minutes=75)
    sla_services.sweep()
    client.force_login(supervisor)
    page = client.get(f"/console/c/{conversation.pk}/").content.decode()
    assert 'data-target="first_response" data-state="breached"' in page
    assert "overdue by 15 min" in page


def test_sla_page_lists_breached_and_at_risk_for_who_may_see_them(clock, make_policy, client, supervisor,
                                                                  webchat_inbox, contact, agent, other_team):
    make_policy("Standard", first=60)
    late, _ = services.create_conversation(webchat_inbox, contact, services.Actor.for_customer(contact),
                                           body="first question")
    clock.advance(minutes=45)
    soon, _ = services.create_conversation(webchat_inbox, contact, services.Actor.for_customer(contact),
                                           body="second question")
    hidden, _ = services.create_conversation(webchat_inbox, contact, services.Actor.for_customer(contact),
                                             body="security question")
    services.update_conversation(hidden, services.Actor.system(), services.Changes(team=other_team))
    clock.advance(minutes=40)  # late: 85 min (breached), soon/hidden: 40 min (20 left: at risk)
    client.force_login(supervisor)
    page = client.get("/console/sla/").content.decode()
    assert 'hx-trigger="every 15s"' in page
    assert 'href="/console/sla/"' in page  # the nav link
    rows = client.get("/console/sla/rows").content.decode()
    breached_part, risk_part = rows.split('data-testid="sla-at-risk"')
    assert f'data-conversation="{late.pk}"' in breached_part and "overdue by 25 min" in breached_part
    assert f'data-conversation="{soon.pk}"' in risk_part and "20 min left" in risk_part
    assert f'data-conversation="{hidden.pk}"' in risk_part
    client.force_login(agent)  # an agent of General does not see the Security team's conversation
    rows = client.get("/console/sla/rows").content.decode()
    assert f'data-conversation="{soon.pk}"' in rows and f'data-conversation="{hidden.pk}"' not in rows


def test_sla_page_needs_login(client):
    response = client.get("/console/sla/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_panel_refreshes_itself_and_respects_visibility(clock, make_policy, client, conversation, agent,
                                                        other_team):
    make_policy("Standard", first=60)
    sla_services.refresh_sla(conversation.pk)
    client.force_login(agent)
    clock.advance(minutes=20)
    fragment = client.get(f"/console/sla/panel/{conversation.pk}").content.decode()
    assert "40 min left" in fragment and f'hx-get="/console/sla/panel/{conversation.pk}"' in fragment
    services.update_conversation(conversation, services.Actor.system(), services.Changes(team=other_team))
    assert client.get(f"/console/sla/panel/{conversation.pk}").status_code == 404
