"""Telegram end to end against a fake Bot API on loopback: updates in (webhook and getUpdates), replies out
(sendMessage/sendPhoto/sendDocument) by django-tasks-db's worker run in-process."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.channels import telegram
from kefu.channels.models import ChannelKind, DeliveryStatus, Inbox
from kefu.conversations.attachments import store_attachment
from kefu.conversations.models import Attachment, Conversation, Message
from kefu.conversations.services import Actor, post_message
from tests.channels.conftest import delivery_of
from tests.channels.fake_telegram import FakeTelegram, text_update

pytestmark = pytest.mark.django_db(transaction=True)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET = "webhook-secret-123"


@pytest.fixture
def bot(settings):
    with FakeTelegram() as fake:
        settings.KEFU_TELEGRAM_API_BASE = fake.base_url
        yield fake


@pytest.fixture
def tg_inbox(team, bot) -> Inbox:
    return Inbox.objects.create(name="Telegram", kind=ChannelKind.TELEGRAM, default_team=team,
                                config={"bot_token": bot.token, "webhook_secret": SECRET})


def deliver(inbox: Inbox, update: dict, secret: str = SECRET):
    return Client().post(f"/channels/telegram/{inbox.public_key}/webhook", json.dumps(update),
                         content_type="application/json", headers={"X-Telegram-Bot-Api-Secret-Token": secret})


def test_chat_in_reply_out_and_same_chat_continues(tg_inbox, bot, agent, published, worker, fast_retries):
    response = deliver(tg_inbox, text_update(1, 555001, "我的提现一直在审核中"))
    assert response.status_code == 200 and response.json() == {"ok": True}
    conversation = Conversation.objects.get()
    assert conversation.inbox == tg_inbox
    assert conversation.contact.name == "Li Wei"
    assert conversation.messages.get().body == "我的提现一直在审核中"
    assert [e["conversation"]["id"] for e in published.of_type("conversation.created")] == [conversation.pk]

    reply, _ = post_message(conversation, Actor.for_agent(agent), "We are checking your withdrawal.")
    worker()
    [(_method, params, _files)] = bot.wait_for("sendMessage")
    assert str(params["chat_id"]) == "555001" and params["text"] == "We are checking your withdrawal."
    delivery = delivery_of(reply)
    assert delivery.status == DeliveryStatus.SENT and delivery.external_id.isdigit()

    deliver(tg_inbox, text_update(2, 555001, "thanks"))
    assert Conversation.objects.count() == 1 and conversation.messages.count() == 3
    deliver(tg_inbox, text_update(3, 777002, "another person"))
    assert Conversation.objects.count() == 2


def test_redelivered_update_is_stored_once(tg_inbox):
    update = text_update(10, 555001, "hello")
    assert deliver(tg_inbox, update).status_code == 200
    assert deliver(tg_inbox, update).status_code == 200
    assert Message.objects.count() == 1


def test_wrong_or_missing_secret_is_refused(tg_inbox):
    response = deliver(tg_inbox, text_update(1, 1, "hi"), secret="guess")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unauthorized"
    assert Client().post(f"/channels/telegram/{tg_inbox.public_key}/webhook", "{}",
                         content_type="application/json").status_code == 401
    assert deliver(tg_inbox, text_update(1, 1, "hi")).status_code == 200
    assert Client().post("/channels/telegram/nope/webhook", "{}", content_type="application/json",
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).status_code == 404


def test_photo_and_document_in(tg_inbox, bot):
    bot.add_file("photo-small", "photos/file_1.jpg", b"small")
    bot.add_file("photo-big", "photos/file_2.png", PNG)
    bot.add_file("doc-1", "documents/file_3.pdf", PDF)
    photo = [{"file_id": "photo-small", "file_unique_id": "a", "width": 90, "height": 90},
             {"file_id": "photo-big", "file_unique_id": "b", "width": 800, "height": 600}]
    assert deliver(tg_inbox, text_update(20, 555001, "", photo=photo, caption="screenshot")).status_code == 200
    document = {"file_id": "doc-1", "file_unique_id": "c", "file_name": "statement.pdf",
                "mime_type": "application/pdf"}
    assert deliver(tg_inbox, text_update(21, 555001, "", document=document)).status_code == 200
    first, second = Message.objects.order_by("pk")
    assert first.body == "screenshot"
    assert [a.content_type for a in first.attachments.all()] == ["image/png"]
    assert [(a.filename, a.content_type) for a in second.attachments.all()] == [("statement.pdf", "application/pdf")]
    assert bot.sent("getFile") and len(bot.sent("getFile")) == 2


def test_file_download_failure_asks_telegram_to_redeliver(tg_inbox, bot):
    update = text_update(30, 555001, "", document={"file_id": "missing", "file_name": "x.pdf"})
    response = deliver(tg_inbox, update)
    assert response.status_code == 503
    assert not Message.objects.exists()
    bot.add_file("missing", "documents/x.pdf", PDF)
    assert deliver(tg_inbox, update).status_code == 200
    assert Attachment.objects.filter(message__isnull=False).count() == 1


def test_photo_and_document_out(tg_inbox, bot, agent, worker):
    deliver(tg_inbox, text_update(1, 555001, "send me the form"))
    conversation = Conversation.objects.get()
    actor = Actor.for_agent(agent)
    image = store_attachment(SimpleUploadedFile("chart.png", PNG, "image/png"), actor)
    form = store_attachment(SimpleUploadedFile("form.pdf", PDF, "application/pdf"), actor)
    reply, _ = post_message(conversation, actor, "Here you are", attachment_ids=[image.pk, form.pk])
    worker()
    bot.wait_for("sendDocument")
    assert [c[0] for c in bot.sent() if c[0].startswith("send")] == ["sendMessage", "sendPhoto", "sendDocument"]
    _m, params, files = bot.sent("sendPhoto")[0]
    assert params["chat_id"] == "555001" and files["photo"][1] == PNG
    assert bot.sent("sendDocument")[0][2]["document"][0] == "form.pdf"
    assert delivery_of(reply).parts_sent == 3


def test_start_is_answered_in_the_users_language(tg_inbox, bot, worker):
    tg_inbox.greeting_zh_hans = "您好！请直接在这里留言。"
    tg_inbox.save()
    deliver(tg_inbox, text_update(1, 555001, "/start", language="zh-hans"))
    deliver(tg_inbox, text_update(2, 555002, "/start", language="en"))
    worker()
    texts = {params["chat_id"]: params["text"] for _m, params, _f in bot.wait_for("sendMessage", 2)}
    assert texts["555001"] == "您好！请直接在这里留言。"
    assert texts["555002"].startswith("Hello!")
    assert not Conversation.objects.exists()


def test_bot_api_down_delays_reply_but_loses_nothing(tg_inbox, bot, agent, worker, fast_retries, published):
    deliver(tg_inbox, text_update(1, 555001, "hello?"))
    conversation = Conversation.objects.get()
    bot.fail_status = 502
    reply, _ = post_message(conversation, Actor.for_agent(agent), "Sorry for the wait.")
    worker(max_tasks=1)
    delivery = delivery_of(reply)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and "Bad Gateway" in delivery.last_error
    assert bot.token not in delivery.last_error
    bot.fail_status = 0
    worker()
    assert bot.wait_for("sendMessage")[0][1]["text"] == "Sorry for the wait."
    assert delivery_of(reply).status == DeliveryStatus.SENT
    # The console redraws the conversation when the delivery line changes (first failure, then sent).
    changes = [e["delivery"] for e in published.of_type("conversation.updated") if e["changed"] == ["delivery"]]
    assert [(c["status"], c["attempts"]) for c in changes] == [("pending", 1), ("sent", 2)]


def test_blocked_bot_fails_permanently(tg_inbox, bot, agent, worker):
    deliver(tg_inbox, text_update(1, 555001, "hello?"))
    conversation = Conversation.objects.get()
    bot.fail_status = 403
    reply, _ = post_message(conversation, Actor.for_agent(agent), "Hi")
    worker()
    delivery = delivery_of(reply)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1


def test_long_polling_stores_updates_once(tg_inbox, bot):
    bot.updates = [text_update(40, 555001, "first"), text_update(41, 555001, "second")]
    assert telegram.poll_once(tg_inbox, timeout=0) == 2
    assert telegram.poll_once(tg_inbox, timeout=0) == 0  # offset moved past them
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == ["first", "second"]
    bot.updates.append(text_update(42, 555001, "third"))
    assert telegram.poll_once(tg_inbox, timeout=0) == 1
    assert Conversation.objects.count() == 1


def test_set_webhook_sends_url_and_secret(tg_inbox, bot):
    url = telegram.set_webhook(tg_inbox, "https://support.exchange.test/")
    assert url == f"https://support.exchange.test/channels/telegram/{tg_inbox.public_key}/webhook"
    assert bot.webhook["url"] == url and bot.webhook["secret_token"] == SECRET


def test_refused_message_is_explained_in_the_chat_and_not_retried(tg_inbox, bot, worker, refusing_filter):
    update = text_update(50, 555001, "my SEED PHRASE is apple banana")
    assert deliver(tg_inbox, update).status_code == 200
    assert deliver(tg_inbox, update).status_code == 200
    worker()
    [(_m, params, _f)] = bot.wait_for("sendMessage")
    assert "seed phrase" in params["text"]
    assert not Message.objects.exists()
