from __future__ import annotations

from django import template

from kefu.channels.models import OUTBOUND_KINDS, Delivery

register = template.Library()


@register.simple_tag
def delivery_for(message, conversation):
    """The message's outbound delivery; one query per conversation render, not one per message."""
    if conversation.inbox.kind not in OUTBOUND_KINDS or message.internal or message.author_type == "customer":
        return None
    cache = getattr(conversation, "_kefu_deliveries", None)
    if cache is None:
        cache = {d.message_id: d for d in Delivery.objects.filter(message__conversation=conversation)}
        conversation._kefu_deliveries = cache
    return cache.get(message.pk)
