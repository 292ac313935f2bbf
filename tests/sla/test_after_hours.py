"""After-hours auto-reply: outside the inbox's hours, once per conversation per day, in the right language."""

from __future__ import annotations

from datetime import datetime

import pytest

from kefu.contacts.models import Contact
from kefu.conversations import services
from kefu.conversations.models import Message
from kefu.sla.models import ContactTimeZone, InboxHours

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def office_inbox(webchat_inbox, shanghai_office):
    InboxHours.objects.create(inbox=webchat_inbox, calendar=shanghai_office)
    return webchat_inbox


def bot_replies(conversation) -> list[Message]:
    return list(Message.objects.filter(conversation=conversation, author_type="bot").order_by("seq"))


def write(conversation, contact, body="还在吗？"):
    services.post_message(conversation, services.Actor.for_customer(contact), body)


def test_saturday_message_gets_one_reply_per_day_naming_monday(clock, office_inbox, contact, shanghai_office):
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=shanghai_office.zone))  # Saturday
    conversation, _ = services.create_conversation(office_inbox, contact, services.Actor.for_customer(contact),
                                                   body="提现一直没到账")
    replies = bot_replies(conversation)
    assert len(replies) == 1
    assert replies[0].body.startswith("感谢您的留言。客服团队目前不在工作时间")
    assert "2026年11月30日" in replies[0].body and "9:00" in replies[0].body  # Monday 09:00 Shanghai
    assert "Asia/Shanghai" in replies[0].body
    clock.advance(hours=3)
    write(conversation, contact)
    assert len(bot_replies(conversation)) == 1  # same day: no second auto-reply
    clock.advance(days=1)  # Sunday
    write(conversation, contact)
    assert len(bot_replies(conversation)) == 2
    assert conversation.messages.filter(author_type="customer").count() == 3  # nothing lost


def test_no_reply_during_working_hours_or_when_switched_off(clock, office_inbox, contact, shanghai_office):
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=shanghai_office.zone))  # Monday 10:00
    conversation, _ = services.create_conversation(office_inbox, contact, services.Actor.for_customer(contact),
                                                   body="hello")
    assert bot_replies(conversation) == []
    clock.set(datetime(2026, 11, 30, 12, 30, tzinfo=shanghai_office.zone))  # lunch break
    InboxHours.objects.filter(inbox=office_inbox).update(after_hours_reply=False)
    write(conversation, contact)
    assert bot_replies(conversation) == []


def test_english_reply_in_the_customers_own_time_zone(clock, office_inbox, shanghai_office):
    customer = Contact.objects.create(name="Sam", language="en")
    ContactTimeZone.objects.create(contact=customer, time_zone="Europe/London")
    clock.set(datetime(2026, 11, 30, 19, 0, tzinfo=shanghai_office.zone))  # Monday evening in Shanghai
    conversation, _ = services.create_conversation(office_inbox, customer, services.Actor.for_customer(customer),
                                                   body="is anyone there?")
    (reply,) = bot_replies(conversation)
    # Tuesday 09:00 in Shanghai is Tuesday 01:00 in London.
    assert reply.body.startswith("Thanks for your message.")
    assert "Dec. 1, 2026, 1 a.m. (Europe/London)" in reply.body


def test_custom_text_with_next_placeholder(clock, office_inbox, contact, shanghai_office):
    InboxHours.objects.filter(inbox=office_inbox).update(message_zh_hans="客服将于 {next} 上线。")
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=shanghai_office.zone))
    conversation, _ = services.create_conversation(office_inbox, contact, services.Actor.for_customer(contact),
                                                   body="在吗")
    (reply,) = bot_replies(conversation)
    assert reply.body.startswith("客服将于 2026年11月30日") and reply.body.endswith("上线。")
