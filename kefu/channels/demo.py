"""Demo data of the channels: an email, a Telegram and an app (signed webhook) inbox, each with a customer
conversation that arrived through the channel's own inbound path. Idempotent: the inbound events have
fixed ids, so a second run stores nothing."""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage

from kefu.accounts.models import Team
from kefu.channels import telegram
from kefu.channels.base import InboundMessage, receive
from kefu.channels.email import receive_email
from kefu.channels.models import ChannelKind, Inbox


def _inbox(key: str, name: str, kind: str, config: dict) -> Inbox:
    team = Team.objects.order_by("pk").first()
    inbox, _created = Inbox.objects.get_or_create(public_key=key, defaults={
        "name": name, "kind": kind, "config": config, "default_team": team})
    return inbox


def _demo_email() -> bytes:
    mail = EmailMessage()
    mail["From"] = f"{Header('刘洋', 'gbk').encode()} <liu.yang@example.org>"
    mail["To"] = "support@demo-exchange.test"
    mail["Subject"] = Header("提币一直显示处理中", "gbk").encode()
    mail["Message-ID"] = "<demo-email-1@example.org>"
    mail.set_content("你好，我昨天提了 500 USDT 到 TRC20 地址，到现在还显示处理中，麻烦帮忙看一下。\n\n"
                     "-- \n刘洋", charset="gbk")
    return mail.as_bytes()


def load(stdout) -> None:
    email_inbox = _inbox("demo-email", "Support email", ChannelKind.EMAIL, {
        "address": "support@demo-exchange.test", "from_address": "support@demo-exchange.test"})
    receive_email(email_inbox, _demo_email())
    tg_inbox = _inbox("demo-telegram", "Telegram bot", ChannelKind.TELEGRAM, {
        "bot_token": "", "webhook_secret": "demo-telegram-secret"})
    telegram.handle_update(tg_inbox, {"update_id": 1, "message": {
        "message_id": 1, "date": 1795440000, "chat": {"id": 700100, "type": "private"},
        "from": {"id": 700100, "is_bot": False, "first_name": "Kenji", "language_code": "en"},
        "text": "Hi, my 2FA phone is lost. How can I reset Google Authenticator?"}})
    app_inbox = _inbox("demo-app", "Exchange app", ChannelKind.WEBHOOK, {"callback_url": ""})
    receive(app_inbox, InboundMessage(
        external_id="event:demo-app-1", identity_kind="webhook", identifier="app:demo-user-1",
        body="The P2P seller has not released my USDT after I paid 30 minutes ago.", name="Maria",
        language="en"))
    stdout.write("  Channels:         demo email, Telegram and app inboxes with one conversation each\n")
