"""Console panels, message extras, nav links and widget plug-ins that apps register."""

from __future__ import annotations

import pytest
from django.template import engines

from kefu.web import extensions


@pytest.fixture
def registries(monkeypatch, settings, tmp_path):
    for name in ("conversation_panels", "message_extras", "console_nav", "widget_plugins",
                 "widget_string_providers"):
        monkeypatch.setattr(extensions, name, [])
    # Templates and a static file that only this test knows.
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "panel.html").write_text('<p data-testid="panel">{{ panel.text }}</p>')
    (tmp_path / "templates" / "extra.html").write_text('<em data-testid="extra">{{ message.meta.kind }}</em>')
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "plugin.js").write_text("window.__pluginLoaded = true;")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]
    settings.STATICFILES_DIRS = [tmp_path / "static"]
    engines._engines = {}
    engines.__dict__.pop("templates", None)
    yield extensions
    engines._engines = {}
    engines.__dict__.pop("templates", None)


@pytest.fixture
def logged_in(client, agent):
    client.force_login(agent)
    return client


def test_panels_extras_and_nav_render_in_the_console(registries, logged_in, conversation, agent):
    from kefu.conversations import services

    services.post_message(conversation, services.Actor.for_agent(agent), "hello", meta={"kind": "answer"})
    registries.register_conversation_panel("panel.html", context=lambda request, conv: {"text": f"#{conv.number}"})
    registries.register_message_extra("extra.html")
    registries.register_console_nav("Queues", "web:console")
    html = logged_in.get(f"/console/c/{conversation.pk}/").content.decode()
    assert f'<p data-testid="panel">#{conversation.number}</p>' in html
    assert '<em data-testid="extra">answer</em>' in html
    assert ">Queues</a>" in html


def test_a_panel_can_hide_itself(registries, logged_in, conversation):
    registries.register_conversation_panel("panel.html", context=lambda request, conv: None)
    html = logged_in.get(f"/console/c/{conversation.pk}/").content.decode()
    assert 'data-testid="panel"' not in html


def test_widget_script_serves_plugins_before_the_widget(registries, client):
    registries.register_widget_plugin("plugin.js")
    source = client.get("/widget.js").content.decode()
    assert source.index("window.__pluginLoaded = true;") < source.index("kefu chat widget")


def test_widget_strings_from_apps(registries, client, webchat_inbox):
    from django.utils.translation import gettext

    registries.register_widget_strings(lambda language: {"demo.yes": gettext("Yes")})
    data = client.get("/widget/api/config", {"inbox": webchat_inbox.public_key, "lang": "zh-hans"}).json()
    assert data["strings"]["demo.yes"] == "是"
