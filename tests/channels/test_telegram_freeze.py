"""`/freeze` in the Telegram bot: a linked account is frozen at once; any other chat confirms by email."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kefu.channels.models import ChannelKind, Inbox
from kefu.contacts.models import Contact, ContactIdentity
from kefu.conversations.models import Conversation
from kefu.core.mailers import smtp_settings
from kefu.exchange.fake import FakeExchange
from kefu.exchange.models import FreezeRequest
from tests.channels.fake_telegram import FakeTelegram, text_update
from tests.exchange.conftest import Sink

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "webhook-secret-123"
EXCHANGE_SECRET = "test-exchange-secret"


@pytest.fixture
def bot(settings):
    with FakeTelegram() as fake:
        settings.KEFU_TELEGRAM_API_BASE = fake.base_url
        yield fake


@pytest.fixture
def exchange(settings):
    fake = FakeExchange(EXCHANGE_SECRET).start()
    settings.KEFU_EXCHANGE_URL, settings.KEFU_EXCHANGE_SECRET = fake.url, EXCHANGE_SECRET
    settings.KEFU_EXCHANGE_TIMEOUT = 3
    yield fake
    fake.stop()


@pytest.fixture
def mail(settings):
    from aiosmtpd.controller import Controller

    from kefu.core.liveserver import free_port

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    for name, value in smtp_settings("127.0.0.1", controller.port).items():
        setattr(settings, name, value)
    yield sink
    controller.stop()


@pytest.fixture
def tg_inbox(team, bot) -> Inbox:
    return Inbox.objects.create(name="Telegram", kind=ChannelKind.TELEGRAM, default_team=team,
                                config={"bot_token": bot.token, "webhook_secret": SECRET})


def deliver(inbox: Inbox, update: dict):
    response = Client().post(f"/channels/telegram/{inbox.public_key}/webhook", json.dumps(update),
                             content_type="application/json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 200, response.content


def replies(bot, worker, count: int = 1) -> list[str]:
    worker()
    return [params["text"] for _method, params, _files in bot.wait_for("sendMessage", count)]


def test_a_linked_chat_freezes_the_account_at_once(tg_inbox, bot, exchange, worker):
    contact = Contact.objects.create(name="陈女士", external_id="100234", language="zh-hans")
    ContactIdentity.objects.create(contact=contact, inbox=tg_inbox, kind="telegram", identifier="777001")
    deliver(tg_inbox, text_update(1, 777001, "/freeze", language="zh-hans"))
    (text,) = replies(bot, worker)
    assert "冻结" in text
    request = FreezeRequest.objects.get(contact=contact)
    assert (request.source, request.status) == ("telegram", "frozen")
    assert exchange.accounts["100234"]["account"]["status"] == "frozen"
    # The urgent security case that request_freeze opens is covered by tests/exchange/test_freeze.py.
    assert not Conversation.objects.filter(contact=contact, subject__startswith="/freeze").exists()


def test_an_unlinked_chat_is_told_how_and_confirms_through_email(tg_inbox, bot, exchange, mail, worker):
    deliver(tg_inbox, text_update(1, 777002, "/freeze"))
    assert "UID" in replies(bot, worker)[0]
    assert not FreezeRequest.objects.exists()
    account = exchange.accounts["100234"]["account"]
    deliver(tg_inbox, text_update(2, 777002, f"/freeze {account['email']}"))
    texts = replies(bot, worker, 2)
    assert "confirmation" in texts[-1]
    assert FreezeRequest.objects.get().status == "awaiting_confirmation"
    assert account["status"] != "frozen"  # nothing is frozen before the email is confirmed
    assert mail.wait(1)[0]["To"] == account["email"]
