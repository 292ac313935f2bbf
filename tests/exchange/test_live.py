"""A real `kefu serve` with its task worker, the fake exchange and a real SMTP sink: the background chain
look-up of a new case, and the cannot-log-in freeze through the account's email, over HTTP."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from aiosmtpd.controller import Controller

from kefu.core.liveserver import LiveSite, free_port
from kefu.exchange import fake_data
from kefu.exchange.fake import FakeExchange
from tests.exchange.conftest import Sink

pytestmark = pytest.mark.live
SECRET = "live-exchange-secret"


@pytest.fixture(scope="module")
def live_exchange():
    fake = FakeExchange(SECRET).start()
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    site = LiveSite()
    plain_env = site.env
    site.env = lambda **extra: plain_env(
        KEFU_EXCHANGE_URL=fake.url, KEFU_EXCHANGE_SECRET=SECRET, KEFU_SMTP_HOST="127.0.0.1",
        KEFU_SMTP_PORT=str(smtp.port), KEFU_EXPLORERS=f"BSC=etherscan:{fake.url}/etherscan", **extra)
    try:
        site.kefu("demo")
        site.token = site.create_token("live exchange", agent="alice")
        site.server = site.start_server(worker=True)
        yield site, fake, sink
    finally:
        site.close()
        smtp.stop()
        fake.stop()


def _wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_new_case_is_looked_up_in_the_background(live_exchange):
    site, fake, _sink = live_exchange
    api = httpx.Client(base_url=f"{site.server.url}/api/v1", headers={"Authorization": f"Bearer {site.token}"},
                       timeout=10)
    conversation = api.get("/conversations", params={"q": "100234"}).json()["items"][0]
    made = api.post("/cases", json={"conversation_id": conversation["id"], "kind": "wrong_network", "asset": "USDT",
                                    "network": "BEP20", "address": fake_data.EXCHANGE_DEPOSIT["ETH"],
                                    "txid": fake_data.CHEN_BSC_TXID, "amount": "300"})
    assert made.status_code == 201, made.text

    def looked_up():
        case = api.get(f"/cases/{made.json()['id']}").json()
        return case if case["status"] == "verifying" else None

    case = _wait_for(looked_up)
    assert case["chain_lookup"]["exchange"]["status"] == "unmatched_wrong_network"
    assert case["chain_lookup"]["chain"]["state"] == "found"
    assert any(call["payload"].get("txid") == fake_data.CHEN_BSC_TXID for call in fake.calls)


def test_freeze_when_the_customer_cannot_log_in(live_exchange):
    site, fake, sink = live_exchange
    web = httpx.Client(base_url=site.server.url, timeout=10)
    form = web.get("/exchange/freeze/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    sent = web.post("/exchange/freeze/", data={"identifier": "kenji.demo@example.com", "csrfmiddlewaretoken": token})
    assert sent.status_code == 200
    mail = sink.wait()[-1]
    assert mail["To"] == "kenji.demo@example.com"
    link = re.search(r"http://\S+(/exchange/freeze/confirm/\S+)", sink.text(mail)).group(1)
    page = web.get(link)
    assert "500330" not in fake.freezes and page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = web.post(link, data={"csrfmiddlewaretoken": token})
    assert done.status_code == 200
    assert fake.freeze_received.wait(10)
    assert fake.accounts["500330"]["account"]["status"] == "frozen"
