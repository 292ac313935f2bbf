"""Email end to end over loopback: smtplib -> kefu's SMTP receiver -> conversation -> agent reply ->
background task -> SMTP -> a real aiosmtpd sink. The task worker is django-tasks-db's own, run in-process."""

from __future__ import annotations

import base64
import smtplib
from email.header import Header
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from kefu.channels.models import ChannelKind, Delivery, DeliveryStatus, InboundEvent, Inbox
from kefu.channels.smtpd import SmtpReceiver
from kefu.conversations.models import Attachment, Conversation, Message
from kefu.conversations.services import Actor, post_message
from kefu.core.liveserver import free_port
from tests.channels.conftest import delivery_of
from tests.channels.mail_sink import MailSink

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sink():
    with MailSink() as running:
        yield running


@pytest.fixture
def email_inbox(team, sink) -> Inbox:
    return Inbox.objects.create(name="Support mail", kind=ChannelKind.EMAIL, default_team=team, config={
        "address": "support@exchange.test", "from_address": "support@exchange.test",
        "smtp_host": "127.0.0.1", "smtp_port": sink.port,
    })


@pytest.fixture
def receiver(email_inbox):
    running = SmtpReceiver("127.0.0.1", free_port())
    running.start()
    yield running
    running.stop()


def customer_mail(body: str, subject: str = "Deposit missing", sender: str = "wang@example.org",
                  **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Wang Lei <{sender}>"
    mail["To"] = "support@exchange.test"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.org")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def send(receiver: SmtpReceiver, mail: EmailMessage | bytes, to: str = "support@exchange.test") -> None:
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        if isinstance(mail, bytes):
            client.sendmail("wang@example.org", [to], mail)
        else:
            client.send_message(mail, to_addrs=[to])


def test_customer_mail_agent_reply_and_threaded_answer(receiver, sink, agent, published, worker, fast_retries):
    first = customer_mail("My USDT deposit has not arrived.\n\n-- \nWang Lei\nTrader")
    send(receiver, first)
    conversation = Conversation.objects.get()
    assert conversation.inbox.kind == ChannelKind.EMAIL
    assert conversation.subject == "Deposit missing"
    assert conversation.contact.email == "wang@example.org"
    assert conversation.messages.get().body == "My USDT deposit has not arrived."
    assert [e["conversation"]["id"] for e in published.of_type("conversation.created")] == [conversation.pk]

    reply, _created = post_message(conversation, Actor.for_agent(agent), "We found it; it is credited now.")
    assert delivery_of(reply).status == DeliveryStatus.PENDING
    worker()
    [out] = sink.wait_for(1)
    delivery = delivery_of(reply)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert out["To"] == "wang@example.org"
    assert out["Subject"] == f"Re: Deposit missing [#{conversation.number}]"
    assert out["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in out["References"]
    assert out["Message-ID"] == delivery.external_id
    assert "Auto-Submitted" not in out
    kinds = {part.get_content_type() for part in out.walk()}
    assert {"text/plain", "text/html"} <= kinds
    text = out.get_body(("plain",)).get_content()
    assert "We found it; it is credited now." in text and "Alice" in text

    # The customer answers our mail: threading by In-Reply-To puts it in the same conversation.
    answer = customer_mail("Thanks, I see it.\n\nOn Mon, 23 Nov 2026 Alice <support@exchange.test> wrote:\n> credited",
                           subject=f"Re: Deposit missing [#{conversation.number}]",
                           In_Reply_To=out["Message-ID"], References=f"{first['Message-ID']} {out['Message-ID']}")
    send(receiver, answer)
    assert Conversation.objects.count() == 1
    assert conversation.messages.order_by("seq").last().body == "Thanks, I see it."


def test_subject_token_threads_without_headers_but_only_for_the_same_sender(receiver):
    send(receiver, customer_mail("first"))
    conversation = Conversation.objects.get()
    send(receiver, customer_mail("second, from another client", subject=f"Re: hi [#{conversation.number}]"))
    assert Conversation.objects.count() == 1 and conversation.messages.count() == 2
    send(receiver, customer_mail("a stranger guessing numbers", subject=f"[#{conversation.number}]",
                                 sender="mallory@example.net"))
    assert Conversation.objects.count() == 2
    assert conversation.messages.count() == 2


def test_redelivered_mail_is_stored_once(receiver):
    mail = customer_mail("Please check my withdrawal.")
    send(receiver, mail)
    send(receiver, mail)
    assert Message.objects.count() == 1
    assert InboundEvent.objects.filter(external_id=mail["Message-ID"]).count() == 1


def test_auto_replies_and_bounces_create_nothing(receiver, sink, worker):
    send(receiver, customer_mail("I am out of office until Monday.", Auto_Submitted="auto-replied"))
    send(receiver, customer_mail("Away", subject="自动回复: 充值问题"))
    send(receiver, customer_mail("vacation", Precedence="bulk"))
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@mx.example.org"
    bounce["To"] = "support@exchange.test"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = make_msgid()
    bounce.set_content("The mail system could not deliver your message.")
    send(receiver, bounce)
    assert Conversation.objects.count() == 0
    assert sorted(InboundEvent.objects.values_list("ignored_reason", flat=True)) == [
        "auto-reply-subject", "auto-submitted", "bounce", "precedence"]
    worker()
    assert sink.messages == []


def test_chinese_gb2312_mail_with_attachment(receiver):
    raw = (
        f"From: {Header('王磊', 'gb2312').encode()} <wang@example.org>\r\n"
        "To: support@exchange.test\r\n"
        f"Subject: {Header('充值没有到账', 'gb2312').encode()}\r\n"
        "Message-ID: <gb-1@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\n"
        "Content-Type: text/plain; charset=gb2312\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes("充值没有到账，请帮忙查一下。\n\n在 2026年11月23日，客服 写道：\n> 您好".encode(
        "gb18030")) + (
        b"\r\n--b1\r\n"
        b'Content-Type: image/png; name="proof.png"\r\n'
        b'Content-Disposition: attachment; filename="proof.png"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
    ) + base64.encodebytes(PNG) + b"\r\n--b1--\r\n"
    send(receiver, raw)
    conversation = Conversation.objects.get()
    assert conversation.subject == "充值没有到账"
    assert conversation.contact.name == "王磊"
    assert conversation.language == "zh-hans"
    message = conversation.messages.get()
    assert message.body == "充值没有到账，请帮忙查一下。"
    attachment = Attachment.objects.get(message=message)
    assert attachment.content_type == "image/png" and attachment.filename == "proof.png"


def test_unknown_recipient_is_refused_at_rcpt(receiver):
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(receiver, customer_mail("hello"), to="nobody@elsewhere.test")
    assert Conversation.objects.count() == 0


def test_relay_down_delays_but_loses_nothing(receiver, sink, agent, worker, fast_retries):
    send(receiver, customer_mail("Where is my BTC?"))
    conversation = Conversation.objects.get()
    sink.refuse_with = "451 4.3.0 Try again later"
    reply, _ = post_message(conversation, Actor.for_agent(agent), "Checking now.")
    worker(max_tasks=1)
    delivery = delivery_of(reply)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "451" in delivery.last_error
    message_id = delivery.external_id
    sink.refuse_with = ""
    worker()
    [out] = sink.wait_for(1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert out["Message-ID"] == message_id  # the same email, not a new one


def test_unreachable_relay_then_failed_then_manual_retry(receiver, agent, worker, fast_retries, settings):
    from kefu.channels.delivery import retry_delivery

    settings.KEFU_CHANNEL_MAX_ATTEMPTS = 2
    send(receiver, customer_mail("Help"))
    conversation = Conversation.objects.get()
    inbox = conversation.inbox
    closed_port = free_port()
    inbox.config = {**inbox.config, "smtp_port": closed_port}
    inbox.save()
    reply, _ = post_message(conversation, Actor.for_agent(agent), "Answer")
    worker()
    delivery = delivery_of(reply)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    assert "unreachable" in delivery.last_error
    with MailSink() as later:
        inbox.config = {**inbox.config, "smtp_port": later.port}
        inbox.save()
        retry_delivery(delivery)
        worker()
        later.wait_for(1)
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


def test_internal_notes_and_customer_messages_are_not_sent(receiver, agent, worker):
    send(receiver, customer_mail("Hi"))
    conversation = Conversation.objects.get()
    note, _ = post_message(conversation, Actor.for_agent(agent), "internal only", internal=True)
    assert not Delivery.objects.exists()
    assert note.pk


def test_anti_phishing_code_on_top_of_text_and_html(receiver, sink, agent, worker):
    send(receiver, customer_mail("Is this email from you?"))
    conversation = Conversation.objects.get()
    contact = conversation.contact
    contact.anti_phishing_code = "TIGER-42"
    contact.save()
    post_message(conversation, Actor.for_agent(agent), "Yes, this is us.")
    worker()
    [out] = sink.wait_for(1)
    text = out.get_body(("plain",)).get_content()
    html = out.get_body(("html",)).get_content()
    assert "TIGER-42" in text.split("Yes, this is us.")[0]  # above the reply, not in a footer
    assert text.index("TIGER-42") < 120
    assert "TIGER-42" in html.split("Yes, this is us.")[0]
    assert "anti-phishing code" in text


def test_anti_phishing_code_in_chinese_for_chinese_contacts(receiver, sink, agent, worker):
    send(receiver, customer_mail("你好"))
    conversation = Conversation.objects.get()
    conversation.contact.anti_phishing_code = "老虎42"
    conversation.contact.language = "zh-hans"
    conversation.contact.save()
    post_message(conversation, Actor.for_agent(agent), "您好，我们已收到。")
    worker()
    [out] = sink.wait_for(1)
    text = out.get_body(("plain",)).get_content()
    assert "您的防钓鱼码: 老虎42" in text


def test_console_shows_failed_delivery_and_retry_button(receiver, agent, worker, client, settings):
    settings.KEFU_CHANNEL_MAX_ATTEMPTS = 1
    send(receiver, customer_mail("Help"))
    conversation = Conversation.objects.get()
    inbox = conversation.inbox
    inbox.config = {**inbox.config, "smtp_port": free_port()}  # nothing listens there
    inbox.save()
    reply, _ = post_message(conversation, Actor.for_agent(agent), "Answer")
    worker()
    client.force_login(agent)
    page = client.get(f"/console/c/{conversation.pk}/").content.decode()
    assert 'data-status="failed"' in page and "Retry" in page
    delivery = delivery_of(reply)
    response = client.post(f"/channels/deliveries/{delivery.pk}/retry")
    assert response.status_code == 200 and 'data-status="pending"' in response.content.decode()
    assert client.post(f"/channels/deliveries/{delivery.pk}/retry").status_code == 409  # not failed now


def test_refused_mail_bounces_with_the_reason(receiver, refusing_filter):
    with pytest.raises(smtplib.SMTPDataError) as error:
        send(receiver, customer_mail("my SEED PHRASE is apple banana"))
    assert error.value.smtp_code == 550 and b"seed phrase" in error.value.smtp_error
    assert not Conversation.objects.exists()
