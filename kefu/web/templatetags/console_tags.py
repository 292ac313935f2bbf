"""Template filters for the agent console."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from kefu.conversations import payloads
from kefu.conversations.taxonomy import AuthorType, Category, Priority, Status

register = template.Library()

# Field names as the audit trail stores them, as the console shows them.
AUDIT_FIELDS = {
    "status": _("status"),
    "priority": _("priority"),
    "category": _("category"),
    "subject": _("subject"),
    "assignee": _("assignee"),
    "team": _("team"),
    "tags": _("tags"),
}
# Fields whose stored values are choice codes that have translated labels.
AUDIT_CHOICES = {"status": Status, "priority": Priority, "category": Category}


@register.filter
def attachment_url(attachment) -> str:
    """The signed download link of an attachment."""
    return payloads.attachment_url(attachment)


@register.filter
def author_label(message) -> str:
    """Who wrote a message: the agent's public name, the contact's name, or "Bot"/"System"."""
    return payloads.author_name(message) or message.get_author_type_display()


@register.filter
def event_actor(event) -> str:
    """Who made an audit-trail change: the stored label, or the translated actor type for system/bot."""
    if event.actor_type in (AuthorType.SYSTEM, AuthorType.BOT) or not event.actor_label:
        return event.get_actor_type_display()
    return event.actor_label


@register.filter
def audit_field(field: str) -> str:
    return str(AUDIT_FIELDS.get(field, field))


@register.filter
def audit_value(value: str, field: str) -> str:
    """A stored audit value as a label: status/priority/category codes become their translated names."""
    if not value:
        return ""
    choices = AUDIT_CHOICES.get(field)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return value


@register.filter
def age(value) -> str:
    """How long ago, in its largest unit only ("3 hours"), translated; "" for no date."""
    if not value:
        return ""
    return timesince(value, depth=1)


@register.filter
def is_recent(value) -> bool:
    """True when a date is within the last minute (the list shows "just now")."""
    return bool(value) and (timezone.now() - value).total_seconds() < 60


@register.filter
def as_str(value) -> str:
    """For comparing a primary key with a filter value that came from the query string."""
    return "" if value is None else str(value)


@register.simple_tag(takes_context=True)
def console_nav_links(context) -> list:
    """Links that other apps add to the console's top bar (kefu.web.extensions)."""
    from kefu.web.extensions import nav_for

    request = context.get("request")
    return nav_for(getattr(request, "user", None))
