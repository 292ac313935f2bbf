"""The email channel: inbound mail (SMTP receiver or IMAP) into conversations, replies out by SMTP.

Inbox settings (`Inbox.config`, all optional; KEFU_SMTP_* settings fill the gaps):
  address             the support address mail arrives at (routes SMTP recipients to this inbox)
  from_address        From: of replies (default: address)
  smtp_host, smtp_port, smtp_user, smtp_password, smtp_starttls, smtp_ssl   outbound server
  imap_host, imap_port, imap_user, imap_password, imap_ssl, imap_folder     mailbox to poll
"""

from __future__ import annotations

import html
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels.base import (
    ChannelAdapter,
    DeliveryError,
    InboundMessage,
    Received,
    receive,
    record_ignored,
)
from kefu.channels.email_parsing import ParsedEmail, parse_email
from kefu.channels.models import ChannelKind, Delivery, InboundEvent, Inbox
from kefu.contacts.models import ContactIdentity
from kefu.conversations.models import Conversation, Message
from kefu.conversations.taxonomy import AuthorType
from kefu.core.i18n import language_of_text

log = logging.getLogger(__name__)
IDENTITY = "email"


def inbox_address(inbox: Inbox) -> str:
    return str(inbox.setting("address", "")).strip().lower()


def inbox_for_address(address: str) -> Inbox | None:
    """The active email inbox whose address this is; an inbox without an address takes any recipient."""
    address = (address or "").strip().lower()
    inboxes = list(Inbox.objects.filter(kind=ChannelKind.EMAIL, is_active=True).order_by("pk"))
    for inbox in inboxes:
        if inbox_address(inbox) == address:
            return inbox
    return next((inbox for inbox in inboxes if not inbox_address(inbox)), None)


def _threaded_conversations(inbox: Inbox, parsed: ParsedEmail) -> list[Conversation]:
    """Conversations this email continues: by the Message-IDs it answers, then by [#number] in the subject."""
    found: list[Conversation] = []
    ids = parsed.thread_ids
    if ids:
        by_id: dict[str, Conversation] = {}
        for event in InboundEvent.objects.filter(inbox=inbox, external_id__in=ids).select_related("conversation"):
            if event.conversation is not None:
                by_id[event.external_id] = event.conversation
        for sent in Delivery.objects.filter(inbox=inbox, external_id__in=ids).select_related("message__conversation"):
            by_id[sent.external_id] = sent.message.conversation
        found += [by_id[i] for i in ids if i in by_id]
    number = parsed.conversation_number
    if number is not None:
        conversation = Conversation.objects.filter(inbox=inbox, number=number).first()
        if conversation is not None:
            found.append(conversation)
    return found


def receive_email(inbox: Inbox, raw: bytes) -> Received:
    """Store one inbound email in `inbox` (from the SMTP receiver or IMAP); idempotent by Message-ID.

    Auto-replies and bounces are recorded as ignored: no conversation, no answer, no mail loop."""
    parsed = parse_email(raw)
    reason = parsed.auto_reason
    if not reason and not parsed.from_address:
        reason = "no-sender"
    if not reason and parsed.from_address in {inbox_address(inbox), str(inbox.setting("from_address", "")).lower()}:
        reason = "own-address"
    if reason:
        if not record_ignored(inbox, parsed.message_id, reason):
            return receive(inbox, InboundMessage(parsed.message_id, IDENTITY, parsed.from_address))
        log.info("inbox %s: ignored inbound email (%s)", inbox.pk, reason)
        return Received(None, None, False, reason)
    return receive(inbox, InboundMessage(
        external_id=parsed.message_id, identity_kind=IDENTITY, identifier=parsed.from_address,
        body=parsed.body, name=parsed.from_name, email=parsed.from_address, subject=parsed.clean_subject,
        language=language_of_text(parsed.body), attachments=parsed.attachments,
        thread_conversations=_threaded_conversations(inbox, parsed), continue_open_conversation=False,
    ))


# --- outbound ---------------------------------------------------------------------------------

def smtp_settings(inbox: Inbox) -> dict:
    """Outbound SMTP settings of an inbox, each falling back to the KEFU_SMTP_* setting."""
    return {
        "host": inbox.setting("smtp_host", settings.KEFU_SMTP_HOST),
        "port": int(inbox.setting("smtp_port", settings.KEFU_SMTP_PORT_OUT)),
        "user": inbox.setting("smtp_user", settings.KEFU_SMTP_USER),
        "password": inbox.setting("smtp_password", settings.KEFU_SMTP_PASSWORD),
        "starttls": bool(inbox.setting("smtp_starttls", settings.KEFU_SMTP_STARTTLS)),
        "ssl": bool(inbox.setting("smtp_ssl", settings.KEFU_SMTP_SSL)),
        "from": inbox.setting("from_address", inbox.setting("address", settings.KEFU_SMTP_FROM)),
    }


def recipient_address(message: Message) -> str:
    conversation = message.conversation
    identity = ContactIdentity.objects.filter(
        contact_id=conversation.contact_id, inbox_id=conversation.inbox_id, kind=IDENTITY).order_by("-pk").first()
    return identity.identifier if identity else (conversation.contact.email or "")


def thread_headers(message: Message) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for a reply: the customer's latest email, and the thread so far."""
    conversation = message.conversation
    inbound = list(InboundEvent.objects.filter(conversation=conversation, message__isnull=False)
                   .order_by("message__seq").values_list("external_id", "message__seq"))
    sent = list(Delivery.objects.filter(message__conversation=conversation, message__seq__lt=message.seq)
                .exclude(external_id="").values_list("external_id", "message__seq"))
    chain = [mid for mid, _seq in sorted(inbound + sent, key=lambda pair: pair[1]) if mid.startswith("<")]
    in_reply_to = next((mid for mid, _seq in reversed(inbound) if mid.startswith("<")), "")
    return in_reply_to, chain[-20:]


def anti_phishing_code(message: Message) -> str:
    return (getattr(message.conversation.contact, "anti_phishing_code", "") or "").strip()


def _subject(conversation: Conversation) -> str:
    base = conversation.subject or _("Your support request")
    return f"Re: {base} [#{conversation.number}]"


def _html_body(message: Message, code: str, author: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>"
                         for p in message.body.split("\n\n") if p.strip())
    banner = ""
    if code:
        banner = (
            '<div style="border:2px solid #0a7d32;background:#eafbea;padding:12px;margin-bottom:16px;'
            'font-family:sans-serif"><strong>' + html.escape(_("Your anti-phishing code")) + ': '
            '<span style="font-size:20px;letter-spacing:2px">' + html.escape(code) + "</span></strong><br>"
            + html.escape(_("Genuine support emails always show this code. If it is missing or wrong, "
                            "do not click any link and do not reply.")) + "</div>"
        )
    number = html.escape(_("Conversation #%(number)s") % {"number": message.conversation.number})
    return (f'<!doctype html><html><body style="font-family:sans-serif">{banner}{paragraphs}'
            f'<p style="color:#555">{html.escape(author)}</p>'
            f'<hr><p style="color:#888;font-size:12px">{number}</p></body></html>')


def _text_body(message: Message, code: str, author: str) -> str:
    lines = []
    if code:
        lines += [
            "=" * 40,
            f"{_('Your anti-phishing code')}: {code}",
            _("Genuine support emails always show this code. If it is missing or wrong, "
              "do not click any link and do not reply."),
            "=" * 40, "",
        ]
    lines += [message.body, "", f"-- {author}", _("Conversation #%(number)s") % {
        "number": message.conversation.number}]
    return "\n".join(lines)


def build_reply(message: Message, message_id: str, sender: str) -> EmailMessage:
    """The email for an agent's or bot's reply: threaded, text + HTML, anti-phishing code on top."""
    conversation = message.conversation
    code = anti_phishing_code(message)
    author = message.author_agent.public_name if message.author_agent else _("Support")
    with translation.override(conversation.contact.language or "en"):
        mail = EmailMessage()
        mail["Subject"] = _subject(conversation)
        mail["From"] = formataddr((str(settings.KEFU_SMTP_FROM_NAME), sender))
        mail["To"] = recipient_address(message)
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id
        in_reply_to, references = thread_headers(message)
        if in_reply_to:
            mail["In-Reply-To"] = in_reply_to
        if references:
            mail["References"] = " ".join(references)
        if message.author_type == AuthorType.BOT:
            mail["Auto-Submitted"] = "auto-replied"  # so the customer's own autoresponder stays quiet
        mail["X-Kefu-Conversation"] = str(conversation.number)
        mail.set_content(_text_body(message, code, author))
        mail.add_alternative(_html_body(message, code, author), subtype="html")
    for attachment in message.attachments.all():
        maintype, _slash, subtype = attachment.content_type.partition("/")
        with attachment.file.open("rb") as handle:
            mail.add_attachment(handle.read(), maintype=maintype, subtype=subtype or "octet-stream",
                                filename=attachment.filename)
    return mail


def _smtp_send(config: dict, mail: EmailMessage) -> None:
    if not config["host"]:
        raise DeliveryError("no SMTP server configured (inbox smtp_host or KEFU_SMTP_HOST)", permanent=True)
    client_class = smtplib.SMTP_SSL if config["ssl"] else smtplib.SMTP
    try:
        with client_class(config["host"], config["port"], timeout=settings.KEFU_CHANNEL_HTTP_TIMEOUT) as client:
            if config["starttls"] and not config["ssl"]:
                client.starttls()
            if config["user"]:
                client.login(config["user"], config["password"])
            client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _msg in error.recipients.values()]
        raise DeliveryError(f"recipient refused ({codes})", permanent=all(c >= 500 for c in codes)) from error
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(f"SMTP server answered {error.smtp_code}", permanent=error.smtp_code >= 500) from error
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP server unreachable: {type(error).__name__}") from error


class EmailAdapter(ChannelAdapter):
    kind = ChannelKind.EMAIL

    def send(self, delivery: Delivery) -> None:
        message = delivery.message
        config = smtp_settings(delivery.inbox)
        if not recipient_address(message):
            raise DeliveryError("the contact has no email address", permanent=True)
        if not delivery.external_id:
            # Chosen once, so a retried send is the same email to the recipient's client.
            domain = (config["from"] or "kefu.invalid").rpartition("@")[2] or "kefu.invalid"
            delivery.external_id = make_msgid(idstring=f"kefu.{message.conversation.number}", domain=domain)
            delivery.save(update_fields=["external_id", "updated_at"])
        _smtp_send(config, build_reply(message, delivery.external_id, config["from"] or "support@kefu.invalid"))
