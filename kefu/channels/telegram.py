"""The Telegram channel: a bot's updates (webhook or long polling) in, Bot API sends out.

Inbox settings (`Inbox.config`): bot_token (from @BotFather), webhook_secret (the secret_token given to
setWebhook; Telegram echoes it in X-Telegram-Bot-Api-Secret-Token). The API base URL is
KEFU_TELEGRAM_API_BASE. One chat is one thread: a chat's messages continue its open conversation.
"""

from __future__ import annotations

import hmac
import json
import logging
from pathlib import PurePosixPath

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels.base import (
    ChannelAdapter,
    DeliveryError,
    InboundFile,
    InboundMessage,
    Received,
    receive,
    record_ignored,
)
from kefu.channels.http import Unreachable, multipart, request
from kefu.channels.models import ChannelKind, Delivery, InboundEvent, Inbox, PollCursor
from kefu.channels.telegram_freeze import handle_freeze, is_freeze_command
from kefu.contacts.models import ContactIdentity
from kefu.core.errors import KefuError, NotFound, Unauthorized
from kefu.core.i18n import normalize_language

log = logging.getLogger(__name__)
IDENTITY = "telegram"


class TelegramError(Exception):
    def __init__(self, detail: str, status: int = 0) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.status == 0 or self.status >= 500 or self.status in {408, 429}


def _token(inbox: Inbox) -> str:
    token = str(inbox.setting("bot_token", ""))
    if not token:
        raise TelegramError("the inbox has no bot_token", status=400)
    return token


def call(inbox: Inbox, method: str, params: dict | None = None,
         files: dict[str, tuple[str, bytes, str]] | None = None, timeout: float | None = None):
    """Call a Bot API method; returns its `result` or raises TelegramError (the token never in errors)."""
    url = f"{settings.KEFU_TELEGRAM_API_BASE}/bot{_token(inbox)}/{method}"
    if files:
        body, content_type = multipart({k: str(v) for k, v in (params or {}).items()}, files)
    else:
        body, content_type = json.dumps(params or {}).encode(), "application/json"
    try:
        result = request("POST", url, body, {"Content-Type": content_type}, timeout=timeout)
    except Unreachable as error:
        raise TelegramError(f"{method}: Bot API unreachable ({str(error).split(':')[0]})") from error
    data = result.json()
    if result.status != 200 or not data.get("ok"):
        description = str(data.get("description") or f"HTTP {result.status}")[:200]
        raise TelegramError(f"{method}: {description}", status=result.status or 500)
    return data.get("result")


def download_file(inbox: Inbox, file_id: str) -> tuple[str, bytes]:
    """getFile, then fetch the file; returns (file_path, content)."""
    info = call(inbox, "getFile", {"file_id": file_id})
    path = str(info.get("file_path") or "")
    try:
        result = request("GET", f"{settings.KEFU_TELEGRAM_API_BASE}/file/bot{_token(inbox)}/{path}")
    except Unreachable as error:
        raise TelegramError("file download: Bot API unreachable") from error
    if result.status != 200:
        raise TelegramError(f"file download: HTTP {result.status}", status=result.status)
    return path, result.body


def _files(inbox: Inbox, message: dict) -> list[InboundFile]:
    files: list[InboundFile] = []
    if message.get("photo"):
        largest = max(message["photo"], key=lambda size: size.get("width", 0) * size.get("height", 0))
        path, content = download_file(inbox, largest["file_id"])
        files.append(InboundFile(PurePosixPath(path).name or "photo.jpg", content, "image/jpeg"))
    document = message.get("document")
    if document:
        path, content = download_file(inbox, document["file_id"])
        files.append(InboundFile(document.get("file_name") or PurePosixPath(path).name, content,
                                 document.get("mime_type") or "application/octet-stream"))
    return files


def _display_name(user: dict) -> str:
    name = " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)
    return name or (f"@{user['username']}" if user.get("username") else "")


def handle_update(inbox: Inbox, update: dict) -> Received:
    """Store one Update (from the webhook or getUpdates); idempotent by update_id.

    /start is answered with a greeting in the user's language and stores no message; /freeze asks for an
    emergency account freeze (telegram_freeze.py). Raises
    TelegramError when a file could not be fetched (the update is then retried, not lost)."""
    external_id = f"update:{update.get('update_id')}"
    if InboundEvent.objects.filter(inbox=inbox, external_id=external_id).exists():
        return receive(inbox, InboundMessage(external_id, IDENTITY, ""))  # the stored first copy
    message = update.get("message")
    if not isinstance(message, dict):
        record_ignored(inbox, external_id, "unsupported-update")
        return Received(None, None, False, "unsupported-update")
    chat_id = str(message.get("chat", {}).get("id", ""))
    user = message.get("from") or {}
    language = normalize_language(user.get("language_code") or "en")
    text = str(message.get("text") or message.get("caption") or "")
    if text.strip().split(" ")[0].split("@")[0] == "/start":
        if record_ignored(inbox, external_id, "start-command"):
            from kefu.channels.tasks import send_telegram_text

            send_telegram_text.enqueue(inbox.pk, chat_id, greeting_text(inbox, language))
        return Received(None, None, False, "start-command")
    if is_freeze_command(text):
        # An emergency: never stored as chat text, answered at once (kefu/channels/telegram_freeze.py).
        if record_ignored(inbox, external_id, "freeze-command"):
            from kefu.channels.tasks import send_telegram_text

            send_telegram_text.enqueue(inbox.pk, chat_id, handle_freeze(inbox, chat_id, text, language))
        return Received(None, None, False, "freeze-command")
    inbound = InboundMessage(
        external_id=external_id, identity_kind=IDENTITY, identifier=chat_id, body=text,
        name=_display_name(user), language=language, attachments=_files(inbox, message),
    )
    try:
        return receive(inbox, inbound)
    except KefuError as error:
        # Refused by kefu (e.g. a safety filter): remembered, and the user is told why in the chat.
        if record_ignored(inbox, external_id, f"refused:{error.code}"):
            from kefu.channels.tasks import send_telegram_text

            send_telegram_text.enqueue(inbox.pk, chat_id, error.detail)
        return Received(None, None, False, "refused")


def greeting_text(inbox: Inbox, language: str) -> str:
    with translation.override(language):
        return inbox.greeting(language) or _(
            "Hello! Write your question here and our support team will answer you in this chat.")


def send_text(inbox_id: int, chat_id: str, text: str) -> None:
    """Send a service text (the /start greeting, a refusal notice); called by the send_telegram_text task."""
    inbox = Inbox.objects.get(pk=inbox_id)
    call(inbox, "sendMessage", {"chat_id": chat_id, "text": text})


def check_webhook_secret(inbox: Inbox, given: str | None) -> None:
    """Raise Unauthorized unless the request carries this inbox's secret token."""
    expected = str(inbox.setting("webhook_secret", ""))
    if not expected or not hmac.compare_digest(expected.encode(), (given or "").encode()):
        raise Unauthorized(_("Missing or wrong X-Telegram-Bot-Api-Secret-Token."))


def telegram_inbox(public_key: str) -> Inbox:
    inbox = Inbox.objects.filter(public_key=public_key, kind=ChannelKind.TELEGRAM, is_active=True).first()
    if inbox is None:
        raise NotFound(_("No active Telegram inbox has this key."))
    return inbox


def poll_once(inbox: Inbox, timeout: int = 25) -> int:
    """One getUpdates long poll from the stored offset; stores what came. Returns updates handled."""
    cursor, _created = PollCursor.objects.get_or_create(inbox=inbox, name="telegram-offset")
    params = {"timeout": timeout, "allowed_updates": ["message"]}
    if cursor.value:
        params["offset"] = int(cursor.value)
    updates = call(inbox, "getUpdates", params, timeout=timeout + 10) or []
    for update in updates:
        handle_update(inbox, update)
        # Confirmed only after it is stored: a crash before this line means the update comes again.
        cursor.value = str(int(update["update_id"]) + 1)
        cursor.save(update_fields=["value", "updated_at"])
    return len(updates)


def set_webhook(inbox: Inbox, public_url: str) -> str:
    """Point the bot at kefu's webhook endpoint, with the inbox's secret token. Returns the URL."""
    url = f"{public_url.rstrip('/')}/channels/telegram/{inbox.public_key}/webhook"
    call(inbox, "setWebhook", {"url": url, "secret_token": inbox.setting("webhook_secret", ""),
                               "allowed_updates": ["message"]})
    return url


class TelegramAdapter(ChannelAdapter):
    kind = ChannelKind.TELEGRAM

    def send(self, delivery: Delivery) -> None:
        message = delivery.message
        conversation = message.conversation
        identity = ContactIdentity.objects.filter(
            contact_id=conversation.contact_id, inbox_id=delivery.inbox_id, kind=IDENTITY).order_by("-pk").first()
        if identity is None:
            raise DeliveryError("the contact has no Telegram chat in this inbox", permanent=True)
        parts: list = ([("text", message.body)] if message.body else []) + [
            ("file", attachment) for attachment in message.attachments.all()]
        for index, (kind, part) in enumerate(parts):
            if index < delivery.parts_sent:
                continue  # went out on an earlier attempt
            try:
                sent = self._send_part(delivery.inbox, identity.identifier, kind, part)
            except TelegramError as error:
                raise DeliveryError(error.detail, permanent=not error.retryable) from error
            delivery.parts_sent = index + 1
            delivery.external_id = str((sent or {}).get("message_id", ""))
            delivery.save(update_fields=["parts_sent", "external_id", "updated_at"])

    def _send_part(self, inbox: Inbox, chat_id: str, kind: str, part):
        if kind == "text":
            return call(inbox, "sendMessage", {"chat_id": chat_id, "text": part})
        method, field = ("sendPhoto", "photo") if part.is_image else ("sendDocument", "document")
        with part.file.open("rb") as handle:
            content = handle.read()
        return call(inbox, method, {"chat_id": chat_id}, files={field: (part.filename, content, part.content_type)})
