"""Where routing hangs off the rest of kefu: conversation hooks, rule cache, console sockets."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def on_message_created(conversation, message, **kwargs) -> None:
    """After commit of a new conversation's first message: apply the rules, queue it, wake the assigner.

    (Routing hangs off the first message rather than `conversation_created` so the rules get the
    message, its text and the assistant's topic in `meta`, without reading them back.)"""
    from kefu.routing import notify, services

    if message.seq != 1:
        return
    entry = services.route_conversation(conversation, message)
    if entry is not None:
        notify.wake_assigner(frozenset({entry.team_id}), freed=False)


def on_messages_created(pairs) -> None:
    """Batch form of `on_message_created`: the new conversations among these are routed together."""
    from kefu.routing import notify, services

    firsts = [(conversation, message) for conversation, message in pairs if message.seq == 1]
    if not firsts:
        return
    entries = services.route_conversations(firsts)
    if entries:
        notify.wake_assigner(frozenset(e.team_id for e in entries), freed=False)


def on_conversation_updated(conversation, changed=None, before=None, **kwargs) -> None:
    """After commit of a change: solved/unassigned frees capacity, reopen goes back to agent or queue."""
    from kefu.routing import notify, services

    if services.routing_in_progress.get():
        return
    changed = list(changed or [])
    if not ({"status", "assignee", "team", "priority"} & set(changed)):
        return
    wake = services.follow_update(conversation, changed, before)
    if wake is not None:
        notify.wake_assigner(wake.teams, freed=wake.freed)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from kefu.routing import services
    from kefu.routing.models import RoutingRule

    for signal in (post_save, post_delete):
        signal.connect(lambda **kwargs: services.forget_rules(), sender=RoutingRule, weak=False,
                       dispatch_uid=f"kefu-routing-rules-{signal is post_save}")
    from kefu.channels.models import Inbox

    for signal in (post_save, post_delete):
        signal.connect(lambda instance, **kwargs: services.forget_inbox(instance.pk), sender=Inbox, weak=False,
                       dispatch_uid=f"kefu-routing-inbox-{signal is post_save}")

    from kefu.conversations import hooks
    from kefu.web import consumers

    hooks.on_message_created(on_message_created, many=on_messages_created)
    hooks.on_conversation_updated(on_conversation_updated)
    consumers.console_socket_opened.connect(on_console_opened, dispatch_uid="kefu-routing-presence-open")
    consumers.console_socket_closed.connect(on_console_closed, dispatch_uid="kefu-routing-presence-close")


def on_console_opened(sender, agent_id: int, channel_name: str, **kwargs) -> None:
    from kefu.routing import services

    services.console_connected(agent_id, channel_name)


def on_console_closed(sender, agent_id: int, channel_name: str, **kwargs) -> None:
    from kefu.routing import services

    services.console_disconnected(agent_id, channel_name)
