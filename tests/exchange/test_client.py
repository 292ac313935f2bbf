"""The exchange client against the fake exchange over real HTTP: signatures, look-ups, freeze, errors."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from kefu.exchange import fake_data
from kefu.exchange.client import (
    ACCOUNT_LOOKUP,
    ExchangeClient,
    ExchangeError,
    ExchangeNotConfigured,
    ExchangeNotFound,
    sign,
    verify_signature,
)
from kefu.exchange.explorers import EsploraAdapter, EtherscanAdapter, lookup_on_chain, parse_explorers
from tests.exchange.conftest import SECRET


def test_signature_roundtrip_and_replay_window():
    body = b'{"uid":"100234"}'
    now = int(time.time())
    signature = sign("k", now, body)
    assert signature.startswith("sha256=") and len(signature) == 71
    assert verify_signature("k", str(now), body, signature)
    assert not verify_signature("k", str(now), body + b" ", signature)
    assert not verify_signature("other", str(now), body, signature)
    assert not verify_signature("k", str(now - 301), body, sign("k", now - 301, body))
    assert not verify_signature("k", "not-a-time", body, signature)


def test_account_lookup_by_uid_and_email(fake_exchange):
    client = ExchangeClient.from_settings()
    by_uid = client.lookup_account(uid="100234")
    assert by_uid["account"]["email"] == "chen.demo@example.com" and by_uid["account"]["kyc_level"] == 2
    assert by_uid["deposits"][0]["txid"] == fake_data.CHEN_DEPOSIT_TXID
    by_email = client.lookup_account(email="kenji.demo@example.com")
    assert by_email["account"]["uid"] == "500330" and by_email["security_events"]
    assert fake_exchange.calls[0]["path"] == ACCOUNT_LOOKUP and fake_exchange.calls[0]["request_id"]
    with pytest.raises(ExchangeNotFound):
        client.lookup_account(uid="999999")


def test_unsigned_or_wrongly_signed_requests_are_refused(fake_exchange):
    request = urllib.request.Request(fake_exchange.url + ACCOUNT_LOOKUP, data=b'{"uid":"100234"}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 401
    with pytest.raises(ExchangeError, match="HTTP 401"):
        ExchangeClient(fake_exchange.url, "wrong-secret").lookup_account(uid="100234")


def test_transaction_lookup(fake_exchange):
    client = ExchangeClient.from_settings()
    found = client.lookup_transaction(fake_data.CHEN_BSC_TXID, "BSC")
    assert found["status"] == "unmatched_wrong_network" and found["uid"] == "100234"
    assert client.lookup_transaction("00" * 32) is None


def test_freeze_is_idempotent_per_request_id(fake_exchange):
    client = ExchangeClient.from_settings()
    first = client.freeze_account("200871", reason="test", source="widget", request_id="r-1")
    again = client.freeze_account("200871", reason="test", source="widget", request_id="r-1")
    assert first == again and first["status"] == "frozen"
    other = client.freeze_account("200871", reason="test", source="widget", request_id="r-2")
    assert other["status"] == "already_frozen"
    assert fake_exchange.accounts["200871"]["account"]["status"] == "frozen"


def test_timeouts_unreachable_and_not_configured(fake_exchange):
    fake_exchange.delay = 1.5
    with pytest.raises(ExchangeError, match="did not answer"):
        ExchangeClient(fake_exchange.url, SECRET, timeout=0.3).lookup_account(uid="100234")
    fake_exchange.delay = 0
    from kefu.core.liveserver import free_port
    with pytest.raises(ExchangeError, match="cannot reach"):
        ExchangeClient(f"http://127.0.0.1:{free_port()}", SECRET, timeout=2).lookup_account(uid="1")
    with pytest.raises(ExchangeNotConfigured):
        ExchangeClient("", "")


def test_server_error_is_clear(fake_exchange):
    fake_exchange.fail_freeze = True
    with pytest.raises(ExchangeError, match="HTTP 500.*unavailable"):
        ExchangeClient.from_settings().freeze_account("100234", reason="x", source="form", request_id="r")


def test_esplora_adapter_against_fake_explorer(fake_exchange):
    adapter = EsploraAdapter(fake_exchange.url + "/esplora")
    found = adapter.lookup("BTC", fake_data.DANIEL_BTC_TXID)
    assert found.status == "confirmed" and found.confirmations == 11
    assert found.paid_to(fake_data.EXCHANGE_DEPOSIT["BTC"])[0].amount == "0.0125"
    assert adapter.lookup("BTC", "ab" * 32) is None


def test_etherscan_adapter_decodes_token_transfers(fake_exchange):
    adapter = EtherscanAdapter(fake_exchange.url + "/etherscan?apikey=demo")
    found = adapter.lookup("BSC", fake_data.CHEN_BSC_TXID)
    assert found.status == "confirmed" and found.confirmations == 101
    output = found.paid_to(fake_data.EXCHANGE_DEPOSIT["ETH"])[0]
    assert output.token == fake_data.USDT_CONTRACTS["BSC"] and output.units == str(300 * 10**18)
    failed = adapter.lookup("ETH", fake_data.MARIA_WITHDRAWAL_TXID)
    assert failed.status == "failed" and failed.outputs[0].amount == "1.2"
    assert adapter.lookup("ETH", "0x" + "00" * 32) is None


def test_lookup_on_chain_states(fake_exchange, settings):
    assert lookup_on_chain("BTC", fake_data.DANIEL_BTC_TXID)["state"] == "found"
    assert lookup_on_chain("BTC", "cd" * 32)["state"] == "not_found"
    assert lookup_on_chain("TRON", "cd" * 32)["state"] == "unsupported"
    from kefu.core.liveserver import free_port
    settings.KEFU_EXPLORERS = f"BTC=esplora:http://127.0.0.1:{free_port()}"
    assert lookup_on_chain("BTC", "cd" * 32)["state"] == "unavailable"
    with pytest.raises(ValueError, match="NETWORK=STYLE:URL"):
        parse_explorers("BTC=blockchair:http://x")
    found = lookup_on_chain.__wrapped__ if hasattr(lookup_on_chain, "__wrapped__") else None
    assert found is None
    assert json.dumps(parse_explorers("ETH=etherscan:http://x/api?apikey=1", 1)["ETH"].base_url)
