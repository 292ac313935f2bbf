"""The safety demo data and what the console shows of it."""

from __future__ import annotations

import io

import pytest

from kefu.conversations.models import Conversation
from kefu.safety import demo
from kefu.safety.models import BlockedMessage, OfficialChannel
from kefu.web.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_loads_once_and_the_console_shows_the_flags(client):
    load_demo()
    demo.load(io.StringIO())
    demo.load(io.StringIO())  # idempotent
    assert OfficialChannel.objects.count() == len(demo.OFFICIAL)
    assert BlockedMessage.objects.count() == 1
    conversation = Conversation.objects.get(messages__client_id="demo-safety-1")
    assert conversation.team.slug == "security" and conversation.priority == "urgent"
    bodies = list(conversation.messages.values_list("body", flat=True))
    assert any("[已隐去：助记词]" in b for b in bodies)
    assert any("lanting.example" in b and b.startswith("请注意") for b in bodies)
    from kefu.accounts.models import Agent

    client.force_login(Agent.objects.get(username="lin"))
    html = client.get(f"/console/c/{conversation.pk}/").content.decode()
    assert "Secrets removed" in html or "已删除机密信息" in html
    assert "lantlng.example" in html
    nav = client.get("/console/").content.decode()
    assert "/console/safety/blocked/" in nav


def test_widget_plugin_and_strings_are_served(client, webchat_inbox):
    script = client.get("/widget.js").content.decode()
    assert "kefu-safety-note" in script and script.index("kefu-safety-note") < script.index("KefuWidgetPlugins = {")
    import json

    session = client.post("/widget/api/session", json.dumps({"inbox": "test-web", "language": "zh-CN"}),
                          content_type="application/json").json()
    assert session["strings"]["safety.verify"] == "这是官方渠道吗？查验链接或账号"
    assert "{host}" in session["strings"]["safety.lookalike"]
