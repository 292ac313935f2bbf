"""The after-hours auto-reply: outside an inbox's business hours, tell the customer when a human answers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kefu.conversations import services as conversation_services
from kefu.conversations.models import Conversation, Message
from kefu.conversations.taxonomy import AuthorType
from kefu.sla import config
from kefu.sla.business_time import is_working, next_working_instant
from kefu.sla.calendars import inbox_hours
from kefu.sla.models import AfterHoursReply, ContactTimeZone, InboxHours


def customer_zone(conversation: Conversation, hours: InboxHours) -> ZoneInfo:
    """The customer's own time zone when known, else the inbox calendar's."""
    known = ContactTimeZone.objects.filter(contact_id=conversation.contact_id).values_list("time_zone", flat=True)
    name = known.first()
    return ZoneInfo(name) if name else hours.calendar.zone


def format_next(when: datetime | None, zone: ZoneInfo, language: str) -> str:
    """'Nov. 24, 2026, 9 a.m. (Asia/Shanghai)' / '2026年11月24日 09:00 (Asia/Shanghai)' in that language."""
    with translation.override(language):
        if when is None:
            return _("as soon as possible")
        local = timezone.localtime(when, zone)
        return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone.key})"


def reply_text(hours: InboxHours, language: str, next_text: str) -> str:
    custom = hours.message_zh_hans if language == "zh-hans" else hours.message_en
    if custom.strip():
        return custom.replace("{next}", next_text)
    with translation.override(language):
        return _(
            "Thanks for your message. Our support team is away right now; a person will answer from %(next)s. "
            "Your message is saved and waiting in the queue, so there is no need to send it again."
        ) % {"next": next_text}


def send_after_hours_reply(message: Message, now: datetime | None = None) -> Message | None:
    """Answer a customer's message outside the inbox's hours, at most once per conversation per local day.

    The reply is a bot message in the conversation's language naming the next working time in the
    customer's time zone (else the calendar's). Returns the reply, or None when none was due.
    """
    if message.author_type != AuthorType.CUSTOMER or message.internal:
        return None
    conversation = message.conversation
    hours = inbox_hours(conversation.inbox_id)
    if hours is None or not hours.after_hours_reply:
        return None
    now = now or timezone.now()
    schedule = config.current().schedule(hours.calendar_id)  # parsed once per configuration version
    if is_working(schedule, now):
        return None
    local_date = timezone.localtime(now, hours.calendar.zone).date()
    language = "zh-hans" if conversation.language == "zh-hans" else "en"
    body = reply_text(hours, language, format_next(next_working_instant(schedule, now),
                                                   customer_zone(conversation, hours), language))
    try:
        with transaction.atomic():
            record = AfterHoursReply.objects.create(conversation=conversation, local_date=local_date)
            reply, _created = conversation_services.post_message(
                conversation, conversation_services.Actor.system(), body, author_type=AuthorType.BOT,
                client_id=f"after-hours-{local_date.isoformat()}",
            )
            record.message = reply
            record.save(update_fields=["message"])
    except IntegrityError:
        return None  # already answered today
    return reply
