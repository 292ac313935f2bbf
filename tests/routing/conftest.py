"""Helpers for routing tests: online agents in a team, conversations created with their hooks run."""

from __future__ import annotations

import itertools

import pytest

from kefu.accounts.models import Presence, Role
from kefu.accounts.services import create_agent
from kefu.contacts.models import Contact
from kefu.conversations import services
from kefu.conversations.models import Conversation

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_routing_caches():
    """Rules, incidents and inbox kinds are cached per process; a rolled-back test must not leave them."""
    from kefu.routing import services, surge

    services.forget_rules()
    surge.forget_incidents()
    services._inbox_kinds.clear()
    yield
    services.forget_rules()
    surge.forget_incidents()
    services._inbox_kinds.clear()


@pytest.fixture
def make_agent(db, team):
    def make(username: str, *, online: bool = True, chats: int = 5, tickets: int = 20, teams=("general",),
             languages=()):
        agent = create_agent(username, "correct-horse-battery", role=Role.AGENT, display_name=username.title(),
                             teams=list(teams))
        agent.presence = Presence.ONLINE if online else Presence.OFFLINE
        agent.chat_capacity, agent.ticket_capacity, agent.skill_languages = chats, tickets, list(languages)
        agent.save()
        return agent
    return make


@pytest.fixture
def new_conversation(db, webchat_inbox, django_capture_on_commit_callbacks):
    """Open a conversation as a new customer and run the after-commit hooks (routing) like a request does."""
    def make(body: str = "Where is my deposit?", *, inbox=None, priority: str = "normal", language: str = "en",
             vip_tier: int = 0, category: str = "") -> Conversation:
        n = next(_numbers)
        contact = Contact.objects.create(name=f"Customer {n}", language=language, vip_tier=vip_tier)
        with django_capture_on_commit_callbacks(execute=True):
            conversation, _ = services.create_conversation(
                inbox or webchat_inbox, contact, services.Actor.for_customer(contact), body=body,
                priority=priority, language=language, category=category,
            )
        conversation.refresh_from_db()
        return conversation
    return make


@pytest.fixture
def change(db, django_capture_on_commit_callbacks):
    """Apply changes through update_conversation with the hooks run."""
    def apply(conversation, actor=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            conv = services.update_conversation(conversation, actor or services.Actor.system(),
                                                services.Changes(**fields))
        conv.refresh_from_db()
        return conv
    return apply
