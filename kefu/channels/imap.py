"""IMAP polling of an email inbox's mailbox: each new message is stored like one the SMTP receiver took.

Inbox settings: imap_host, imap_port (143, or 993 with imap_ssl), imap_user, imap_password, imap_ssl,
imap_folder (INBOX). Progress is kept as the last UID seen (per UIDVALIDITY); a message is marked
\\Seen after it is stored, and storing is idempotent by Message-ID, so a crash mid-way repeats nothing.
"""

from __future__ import annotations

import imaplib
import logging

from django.conf import settings

from kefu.channels.base import record_ignored
from kefu.channels.email import receive_email
from kefu.channels.models import Inbox, PollCursor
from kefu.core.errors import KefuError

log = logging.getLogger(__name__)


class ImapError(Exception):
    """The mailbox could not be read (the message never includes the password)."""


def imap_settings(inbox: Inbox) -> dict:
    ssl = bool(inbox.setting("imap_ssl", False))
    return {
        "host": inbox.setting("imap_host", ""), "port": int(inbox.setting("imap_port", 993 if ssl else 143)),
        "user": inbox.setting("imap_user", inbox.setting("address", "")),
        "password": inbox.setting("imap_password", ""), "ssl": ssl,
        "folder": inbox.setting("imap_folder", "INBOX"),
    }


def _connect(config: dict) -> imaplib.IMAP4:
    client_class = imaplib.IMAP4_SSL if config["ssl"] else imaplib.IMAP4
    client = client_class(config["host"], config["port"], timeout=settings.KEFU_CHANNEL_HTTP_TIMEOUT)
    client.login(config["user"], config["password"])
    return client


def _new_uids(client: imaplib.IMAP4, after: int) -> list[int]:
    status, data = client.uid("SEARCH", None, f"UID {after + 1}:*")
    if status != "OK":
        raise ImapError(f"UID SEARCH failed: {status}")
    # "n:*" always matches the newest message, even when its UID is below n: filter.
    return sorted(uid for uid in (int(x) for x in (data[0] or b"").split()) if uid > after)


def poll_mailbox(inbox: Inbox) -> int:
    """Fetch and store the messages that arrived since the last poll; returns how many were new."""
    config = imap_settings(inbox)
    if not config["host"]:
        raise ImapError(f"inbox {inbox.pk} has no imap_host")
    try:
        client = _connect(config)
    except (TimeoutError, imaplib.IMAP4.error, OSError) as error:
        raise ImapError(f"cannot log in to {config['host']}:{config['port']}: {type(error).__name__}") from error
    stored = 0
    try:
        status, _data = client.select(config["folder"])
        if status != "OK":
            raise ImapError(f"cannot open folder {config['folder']!r}")
        validity = (client.response("UIDVALIDITY")[1] or [b"0"])[0].decode()
        cursor, _created = PollCursor.objects.get_or_create(inbox=inbox, name="imap-uid")
        known_validity, _colon, last = cursor.value.partition(":")
        after = int(last) if known_validity == validity and last else 0
        for uid in _new_uids(client, after):
            status, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((part[1] for part in data or [] if isinstance(part, tuple)), None)
            if status != "OK" or raw is None:
                raise ImapError(f"cannot fetch UID {uid}")
            try:
                if receive_email(inbox, raw).created:
                    stored += 1
            except KefuError as error:
                # Refused by kefu (e.g. a safety filter): remembered, so the mailbox does not stall on it.
                record_ignored(inbox, f"imap:{validity}:{uid}", f"refused:{error.code}")
            client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
            cursor.value = f"{validity}:{uid}"
            cursor.save(update_fields=["value", "updated_at"])
    except (imaplib.IMAP4.error, OSError) as error:
        raise ImapError(f"IMAP error on {config['host']}: {type(error).__name__}: {error}") from error
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    log.info("inbox %s: IMAP poll stored %s new message(s)", inbox.pk, stored)
    return stored
