"""A real SMTP server on loopback that keeps what it receives: stands in for the outbound mail relay."""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from kefu.core.liveserver import free_port


class _Collector:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.sink.refuse_with:
            return self.sink.refuse_with
        with self.sink.condition:
            self.sink.messages.append((envelope.rcpt_tos, envelope.original_content or envelope.content))
            self.sink.condition.notify_all()
        return "250 OK"


class MailSink:
    """Start with `with MailSink() as sink:`; `wait_for(n)` blocks until n mails arrived."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[tuple[list[str], bytes]] = []
        self.condition = threading.Condition()
        self.refuse_with = ""  # e.g. "451 try later" to act like a relay that is in trouble
        self.controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port, decode_data=False)

    def __enter__(self) -> MailSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} mails, got {len(self.messages)}")
            return [message_from_bytes(raw, policy=policy.default) for _rcpt, raw in self.messages]
