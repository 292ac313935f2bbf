"""Where routing hangs off the rest of kefu: conversation hooks, rule cache, console sockets."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def on_conversation_created(conversation, **kwargs) -> None:
    """After commit of a new conversation: apply the rules, queue it, wake the assigner."""
    from kefu.routing import notify, services

    services.route_conversation(conversation)
    notify.wake_assigner()


def on_conversation_updated(conversation, changed=None, **kwargs) -> None:
    """After commit of a change: solved/unassigned frees capacity, reopen goes back to agent or queue."""
    from kefu.routing import notify, services

    if services.routing_in_progress.get():
        return
    changed = list(changed or [])
    if not ({"status", "assignee", "team", "priority"} & set(changed)):
        return
    if services.follow_update(conversation, changed):
        notify.wake_assigner()


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from kefu.routing import services
    from kefu.routing.models import RoutingRule

    for signal in (post_save, post_delete):
        signal.connect(lambda **kwargs: services.forget_rules(), sender=RoutingRule, weak=False,
                       dispatch_uid=f"kefu-routing-rules-{signal is post_save}")
    try:
        from kefu.conversations import hooks
    except ImportError:  # the hooks module lands with the extension points
        return
    register = getattr(hooks, "register", None) or getattr(hooks, "on", None)
    if register is None:
        log.warning("kefu.conversations.hooks has no register(); routing hooks not connected")
