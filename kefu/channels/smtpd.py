"""The built-in SMTP receiver (aiosmtpd): mail to an email inbox's address becomes a conversation.

A message is answered "250" only after it is stored, so the sending server keeps (and retries) any
mail kefu could not store: nothing accepted is lost. Unknown recipients get "550" at RCPT time.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from kefu.channels.email import inbox_for_address, receive_email
from kefu.core.errors import KefuError

log = logging.getLogger(__name__)


# The receiver keeps its database connection between emails (reconnecting costs more than storing an
# email); after any error it drops it, so the next email starts on a fresh one.

def _inbox_id_for(address: str) -> int | None:
    try:
        inbox = inbox_for_address(address)
    except Exception:
        connection.close()
        raise
    return inbox.pk if inbox else None


def _store(inbox_ids: list[int], raw: bytes) -> None:
    from kefu.channels.models import Inbox

    try:
        for inbox in Inbox.objects.filter(pk__in=inbox_ids):
            receive_email(inbox, raw)
    except KefuError:
        raise
    except Exception:
        connection.close()
        raise


class InboundMailHandler:
    """aiosmtpd handler: RCPT checks the address, DATA stores the message before answering."""

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        inbox_id = await sync_to_async(_inbox_id_for)(address)
        if inbox_id is None:
            return "550 5.1.1 No support mailbox at this address"
        envelope.rcpt_tos.append(address)
        inbox_ids = getattr(envelope, "kefu_inbox_ids", [])
        envelope.kefu_inbox_ids = [*inbox_ids, inbox_id] if inbox_id not in inbox_ids else inbox_ids
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            await sync_to_async(_store)(getattr(envelope, "kefu_inbox_ids", []), raw)
        except KefuError as error:
            # kefu refuses this message (e.g. a safety filter): a permanent answer, so the sender
            # gets a bounce that says why instead of retrying forever.
            reason = error.detail.encode("ascii", "replace").decode()[:200].replace("\r", " ").replace("\n", " ")
            return f"550 5.7.1 Message refused: {reason}"
        except Exception:
            log.exception("could not store an inbound email; the sender will retry")
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 Message accepted for delivery"


class SmtpReceiver(Controller):
    """The receiver on a host and port; `start()` runs it in a thread, `stop()` ends it."""

    def __init__(self, host: str | None = None, port: int | None = None) -> None:
        super().__init__(
            InboundMailHandler(), hostname=host or settings.KEFU_SMTP_LISTEN_HOST,
            port=port if port is not None else settings.KEFU_SMTP_LISTEN_PORT or 2525,
            data_size_limit=settings.KEFU_SMTP_MAX_BYTES, decode_data=False, ident="kefu ESMTP",
        )

    def stop(self, no_assert: bool = False) -> None:
        # Close the database connection of the thread that stored the emails before the loop goes away.
        if self.loop.is_running():
            from django.db import connections

            future = asyncio.run_coroutine_threadsafe(sync_to_async(connections.close_all)(), self.loop)
            try:
                future.result(timeout=10)
            except Exception:
                log.warning("could not close the SMTP receiver's database connection")
        super().stop(no_assert=no_assert)


def run_forever(host: str | None = None, port: int | None = None, ready: threading.Event | None = None) -> None:
    """Run the receiver until interrupted (SIGINT/SIGTERM)."""
    import signal

    receiver = SmtpReceiver(host, port)
    receiver.start()
    log.info("SMTP receiver listening on %s:%s", receiver.hostname, receiver.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    if ready is not None:
        ready.set()
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
