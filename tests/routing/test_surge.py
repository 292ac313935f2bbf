"""Surge mode (automatic and by hand), low-risk topics, incidents, and the public status endpoint."""

from __future__ import annotations

from django.test import Client

from kefu.conversations.models import Message
from kefu.routing import surge
from kefu.routing.models import QueueEntry, RoutedConversation


def test_supervisor_switches_surge_on_and_off(team):
    assert not surge.surge_active(team)
    surge.set_surge(team, True)
    assert surge.surge_active(team) and surge.surge_active()
    surge.set_surge(team, False)
    assert not surge.surge_active(team)


def test_surge_switches_on_above_the_rate_and_off_below(team, new_conversation):
    team.surge_rate_per_minute = 2
    team.surge_window_minutes = 1
    team.save()
    new_conversation()
    new_conversation()
    assert surge.evaluate_surge() == [] and not surge.surge_active(team)
    new_conversation()  # 3 per minute > 2
    assert surge.evaluate_surge() == ["general"]
    assert surge.surge_active(team)
    team.surge_rate_per_minute = 10
    team.save()
    assert surge.evaluate_surge() == ["general"]
    assert not surge.surge_active(team)


def test_low_risk_topics_relax_only_in_surge(team):
    assert "account.password_reset" in surge.low_risk_topics()
    assert not surge.relaxed_topic("account.password_reset", team)
    surge.set_surge(team, True)
    assert surge.relaxed_topic("account.password_reset", team)
    assert not surge.relaxed_topic("security.compromised", team)


def test_incident_tags_groups_and_tells_the_customer(team, new_conversation):
    incident = surge.announce_incident(
        "BTC withdrawals delayed", ["btc withdrawal", "比特币提现"],
        "Bitcoin withdrawals are delayed by a network upgrade; your funds are safe.",
        "比特币提现因网络升级而延迟，您的资产安全。",
    )
    en = new_conversation("My BTC withdrawal is stuck for 2 hours")
    zh = new_conversation("我的比特币提现一直没到", language="zh-hans")
    other = new_conversation("How do I change my email?")
    for conv in (en, zh):
        assert incident.tag in conv.tags.values_list("name", flat=True)
        assert RoutedConversation.objects.get(conversation=conv).incident == incident
        assert QueueEntry.objects.get(conversation=conv).incident == incident
    assert Message.objects.filter(conversation=en, author_type="system", body__startswith="Bitcoin").count() == 1
    assert Message.objects.filter(conversation=zh, author_type="system", body__startswith="比特币").count() == 1
    assert not other.tags.exists()
    assert not Message.objects.filter(conversation=other, author_type="system").exists()
    surge.resolve_incident(incident)
    later = new_conversation("BTC withdrawal still pending")
    assert not later.tags.exists()


def test_public_status_shows_surge_wait_and_incidents(team, new_conversation):
    new_conversation()
    surge.set_surge(team, True)
    surge.announce_incident("Login slow", ["login"], "Logins are slow; we are on it.", "登录较慢，我们正在处理。")
    data = Client().get("/routing/status.json?lang=zh-hans").json()
    assert data["surge"] is True
    assert data["teams"][0]["team"] == "general" and data["teams"][0]["waiting"] == 1
    assert data["incidents"][0]["notice"] == "登录较慢，我们正在处理。"
    response = Client().get("/routing/status.json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["incidents"][0]["notice"] == "Logins are slow; we are on it."
