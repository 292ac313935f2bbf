"""The signed webhook channel: the exchange's own app, and bridges to X, Facebook Messenger, Discord.

Both directions carry JSON signed with HMAC-SHA256 over "<timestamp>.<body>" with the inbox's secret
(`Inbox.config["secret"]`, else the inbox's identity secret), in these headers:

    X-Kefu-Timestamp: 1795000000            (Unix seconds)
    X-Kefu-Signature: sha256=<hex digest>
    X-Kefu-Event-Id:  <unique id of this event; a redelivery repeats it>

Inbound: POST /channels/webhook/<inbox key>/events. Outbound: POST to `Inbox.config["callback_url"]`.
docs/channels.md documents the payloads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext as _

from kefu.channels.base import ChannelAdapter, DeliveryError, InboundFile, InboundMessage, Received, receive
from kefu.channels.http import Unreachable, request
from kefu.channels.models import ChannelKind, Delivery, Inbox
from kefu.contacts.models import ContactIdentity
from kefu.conversations.payloads import author_name
from kefu.core.errors import InvalidInput, NotFound, Unauthorized

IDENTITY = "webhook"
MAX_INLINE_BYTES = 10 * 1024 * 1024  # attachments up to this size travel base64 in the callback


def signing_secret(inbox: Inbox) -> str:
    return str(inbox.setting("secret", inbox.hmac_secret))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Kefu-Signature value for a body sent at `timestamp` (Unix seconds, as a string)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, body: bytes, event_id: str, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json",
        "X-Kefu-Timestamp": timestamp,
        "X-Kefu-Signature": sign(secret, timestamp, body),
        "X-Kefu-Event-Id": event_id,
    }


def verify_signature(inbox: Inbox, timestamp: str | None, signature: str | None, body: bytes,
                     now: float | None = None) -> None:
    """Raise Unauthorized for a missing, stale (replayed) or wrong signature."""
    if not timestamp or not signature:
        raise Unauthorized(_("X-Kefu-Timestamp and X-Kefu-Signature headers are required."))
    try:
        sent_at = int(timestamp)
    except ValueError as error:
        raise Unauthorized(_("X-Kefu-Timestamp must be Unix seconds.")) from error
    current = now if now is not None else time.time()
    if abs(current - sent_at) > settings.KEFU_WEBHOOK_TOLERANCE_SECONDS:
        raise Unauthorized(_("The request timestamp is too old or in the future; check the sender's clock."),
                           tolerance_seconds=settings.KEFU_WEBHOOK_TOLERANCE_SECONDS)
    expected = sign(signing_secret(inbox), timestamp, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise Unauthorized(_("The signature does not match the body; check the secret and sign the raw body."))


def webhook_inbox(public_key: str) -> Inbox:
    inbox = Inbox.objects.filter(public_key=public_key, kind=ChannelKind.WEBHOOK, is_active=True).first()
    if inbox is None:
        raise NotFound(_("No active webhook inbox has this key."))
    return inbox


def _attachments(items: object) -> list[InboundFile]:
    if not isinstance(items, list):
        raise InvalidInput(_("message.attachments must be a list."))
    files = []
    for item in items:
        if not isinstance(item, dict) or not item.get("data_base64"):
            raise InvalidInput(_("Each attachment needs filename, content_type and data_base64."))
        try:
            content = base64.b64decode(item["data_base64"], validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidInput(_("An attachment's data_base64 is not valid base64.")) from error
        files.append(InboundFile(str(item.get("filename") or "file")[:200], content,
                                 str(item.get("content_type") or "application/octet-stream")))
    return files


def parse_inbound(payload: object, event_id: str) -> InboundMessage:
    """Validate an inbound event body and turn it into an InboundMessage (InvalidInput if malformed)."""
    if not isinstance(payload, dict):
        raise InvalidInput(_("The body must be a JSON object."))
    if payload.get("type", "message") != "message":
        raise InvalidInput(_("Unsupported event type %(type)s; send \"message\".") % {"type": payload.get("type")})
    user, message = payload.get("user"), payload.get("message")
    if not isinstance(user, dict) or not str(user.get("id") or "").strip():
        raise InvalidInput(_("user.id is required."))
    if not isinstance(message, dict):
        raise InvalidInput(_("message is required."))
    text = message.get("text") or ""
    if not isinstance(text, str):
        raise InvalidInput(_("message.text must be a string."))
    files = _attachments(message.get("attachments") or [])
    if not text.strip() and not files:
        raise InvalidInput(_("A message needs text or an attachment."))
    source = str(payload.get("source") or "app")[:20]
    return InboundMessage(
        external_id=f"event:{event_id}"[:255], identity_kind=IDENTITY,
        identifier=f"{source}:{str(user['id']).strip()}"[:255], body=text, name=str(user.get("name") or "")[:200],
        email=str(user.get("email") or "")[:254], language=user.get("language"),
        exchange_uid=str(user["exchange_uid"]).strip()[:100] if user.get("exchange_uid") else None,
        attachments=files,
    )


def receive_event(inbox: Inbox, headers: dict[str, str], body: bytes) -> Received:
    """Verify and store one signed inbound event; a repeated X-Kefu-Event-Id is stored once."""
    verify_signature(inbox, headers.get("X-Kefu-Timestamp"), headers.get("X-Kefu-Signature"), body)
    event_id = (headers.get("X-Kefu-Event-Id") or "").strip()
    if not event_id:
        raise InvalidInput(_("X-Kefu-Event-Id is required (a unique id per event, repeated on redelivery)."))
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise InvalidInput(_("The body is not valid JSON.")) from error
    return receive(inbox, parse_inbound(payload, event_id))


def outbound_payload(delivery: Delivery, identifier: str) -> dict:
    message = delivery.message
    conversation = message.conversation
    source, _colon, user_id = identifier.partition(":")
    attachments = []
    for attachment in message.attachments.all():
        item = {"filename": attachment.filename, "content_type": attachment.content_type, "size": attachment.size}
        if attachment.size <= MAX_INLINE_BYTES:
            with attachment.file.open("rb") as handle:
                item["data_base64"] = base64.b64encode(handle.read()).decode()
        attachments.append(item)
    return {
        "type": "message.created",
        "event_id": f"message-{message.pk}",
        "created_at": message.created_at.astimezone(UTC).isoformat(),
        "sent_at": datetime.now(UTC).isoformat(),
        "inbox": delivery.inbox.public_key,
        "source": source,
        "user": {"id": user_id, "exchange_uid": conversation.contact.external_id},
        "conversation": {"id": conversation.pk, "number": conversation.number, "status": conversation.status},
        "message": {
            "id": message.pk, "seq": message.seq, "text": message.body,
            "author": {"type": message.author_type, "name": author_name(message)},
            "attachments": attachments,
        },
    }


class WebhookAdapter(ChannelAdapter):
    kind = ChannelKind.WEBHOOK

    def send(self, delivery: Delivery) -> None:
        inbox = delivery.inbox
        url = str(inbox.setting("callback_url", ""))
        if not url:
            raise DeliveryError("the inbox has no callback_url", permanent=True)
        conversation = delivery.message.conversation
        identity = ContactIdentity.objects.filter(
            contact_id=conversation.contact_id, inbox_id=inbox.pk, kind=IDENTITY).order_by("-pk").first()
        if identity is None:
            raise DeliveryError("the contact has no user id in this webhook inbox", permanent=True)
        payload = outbound_payload(delivery, identity.identifier)
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = signed_headers(signing_secret(inbox), body, payload["event_id"])
        try:
            result = request("POST", url, body, headers)
        except Unreachable as error:
            raise DeliveryError(f"callback unreachable: {error}"[:300]) from error
        if 200 <= result.status < 300:
            delivery.external_id = payload["event_id"]
            return
        permanent = 400 <= result.status < 500 and result.status not in {408, 409, 425, 429}
        raise DeliveryError(f"callback answered HTTP {result.status}", permanent=permanent)
