"""Fixtures: a fake exchange over real HTTP on loopback, and a real SMTP sink (aiosmtpd)."""

from __future__ import annotations

import threading
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from kefu.accounts.models import Role, Team
from kefu.accounts.services import create_agent
from kefu.core.liveserver import free_port
from kefu.core.mailers import smtp_settings
from kefu.exchange.fake import FakeExchange

SECRET = "test-exchange-secret"


@pytest.fixture
def fake_exchange(settings):
    fake = FakeExchange(SECRET).start()
    settings.KEFU_EXCHANGE_URL = fake.url
    settings.KEFU_EXCHANGE_SECRET = SECRET
    settings.KEFU_EXCHANGE_TIMEOUT = 3
    settings.KEFU_EXPLORERS = (f"BTC=esplora:{fake.url}/esplora,ETH=etherscan:{fake.url}/etherscan,"
                               f"BSC=etherscan:{fake.url}/etherscan")
    yield fake
    fake.stop()


class Sink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        self.arrived.set()
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 10) -> list[Message]:
        assert self.arrived.wait(timeout), "no email arrived"
        assert len(self.messages) >= count
        return self.messages

    @staticmethod
    def text(message: Message) -> str:
        part = message.get_payload(decode=True) if not message.is_multipart() else \
            message.get_payload(0).get_payload(decode=True)
        return part.decode(message.get_content_charset() or "utf-8")


@pytest.fixture
def smtp_sink(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    for name, value in smtp_settings("127.0.0.1", controller.port).items():
        setattr(settings, name, value)
    yield sink
    controller.stop()


@pytest.fixture
def second_agent(db, team):
    return create_agent("bob", "correct-horse-battery", role=Role.AGENT, display_name="Bob", teams=["general"])


@pytest.fixture
def security_team(db):
    return Team.objects.create(name="Security (24/7)", slug="security")
