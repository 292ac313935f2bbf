"""Shared fixtures: factories for the domain, an API client with a token, media in a temp dir."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kefu.accounts.models import Role, Team
from kefu.accounts.services import create_agent, create_api_token
from kefu.channels.models import ChannelKind, Inbox
from kefu.contacts.models import Contact
from kefu.conversations import services


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def assistant_off_by_default(settings):
    """The assistant (issue 3) answers every customer message; tests that count messages or events would
    see its replies. It is off unless a test asks for it (tests/assistant/kb_fixtures.py: demo_kb)."""
    settings.KEFU_ASSISTANT_DEFAULT_ENABLED = False


@pytest.fixture(autouse=True)
def fresh_config_caches():
    """Rarely-changing configuration is cached per process for a few seconds (SLA configuration, inbox
    hours, assistant settings, whether a webhook subscription is active, the help-center matcher), and
    the assistant remembers which conversations it handed off, blocked-message records wait for the end
    of a request; rows a test made and rolled back must not reach the next test (SQLite may give a
    rolled-back id again)."""
    yield
    from kefu.assistant import knowledge_index
    from kefu.assistant.conversation import forget_handoffs, forget_settings
    from kefu.safety.services import forget_pending_blocked
    from kefu.sla import calendars, config
    from kefu.webhooks.handlers import forget_listening

    config.clear()
    calendars.forget_inbox_hours()
    forget_settings()
    forget_handoffs()
    forget_listening()
    knowledge_index.clear()
    forget_pending_blocked()


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name="General", slug="general")


@pytest.fixture
def other_team(db) -> Team:
    return Team.objects.create(name="Security", slug="security")


@pytest.fixture
def agent(db, team):
    return create_agent("alice", "correct-horse-battery", role=Role.AGENT, display_name="Alice", teams=["general"])


@pytest.fixture
def supervisor(db):
    return create_agent("lin", "correct-horse-battery", role=Role.SUPERVISOR, display_name="Lin")


@pytest.fixture
def webchat_inbox(db, team) -> Inbox:
    return Inbox.objects.create(name="Web", kind=ChannelKind.WEBCHAT, public_key="test-web",
                                hmac_secret="s3cret", default_team=team)


@pytest.fixture
def api_inbox(db, team) -> Inbox:
    return Inbox.objects.create(name="API", kind=ChannelKind.API, is_default_api_inbox=True, default_team=team)


@pytest.fixture
def contact(db) -> Contact:
    return Contact.objects.create(name="陈女士", email="chen@example.com", external_id="100234", language="zh-hans")


@pytest.fixture
def conversation(webchat_inbox, contact):
    conv, _ = services.create_conversation(
        webchat_inbox, contact, services.Actor.for_customer(contact), body="充值没有到账", client_id="first",
    )
    return conv


class ApiClient:
    """Django's test client with a bearer token and JSON helpers."""

    def __init__(self, raw_token: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw_token}"}

    def _call(self, method: str, path: str, body=None, raw: str | None = None, headers=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return getattr(self.client, method)(f"/api/v1{path}", data, headers={**self.headers, **(headers or {})},
                                            **kwargs)

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path, body=None, raw=None, headers=None):
        return self._call("post", path, body, raw, headers)

    def patch(self, path, body=None, raw=None):
        return self._call("patch", path, body, raw)


@pytest.fixture
def api(db, api_inbox) -> ApiClient:
    _, raw = create_api_token("tests")
    return ApiClient(raw)


@pytest.fixture
def agent_api(db, api_inbox, agent) -> ApiClient:
    _, raw = create_api_token("alice's token", agent)
    return ApiClient(raw)
