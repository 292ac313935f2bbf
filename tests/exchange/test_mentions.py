"""TxIDs and addresses in customer messages get their networks and explorer links in message meta."""

from __future__ import annotations

from django.test import Client

from kefu.conversations import services
from kefu.exchange import fake_data
from kefu.exchange.mentions import find_references


def test_find_references():
    text = (f"TxID {fake_data.CHEN_BSC_TXID} to {fake_data.EXCHANGE_DEPOSIT['ETH']}, "
            f"also TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t and order 1234567890")
    refs = find_references(text)
    assert [r["kind"] for r in refs] == ["txid", "address", "address"]
    assert refs[0]["networks"] == ["ETH", "BSC", "POLYGON", "ARBITRUM"]
    assert refs[0]["links"]["BSC"] == f"https://bscscan.com/tx/{fake_data.CHEN_BSC_TXID}"
    assert refs[2]["networks"] == ["TRON"]
    assert find_references("order 1234567890, amount 500") == []
    assert find_references("0x" + "g" * 40) == []


def test_customer_message_meta_and_console(conversation, contact, supervisor):
    message, _ = services.post_message(conversation, services.Actor.for_customer(contact),
                                       f"我的 TxID 是 {fake_data.CHEN_DEPOSIT_TXID}")
    message.refresh_from_db()
    ref = message.meta["exchange"]["refs"][0]
    assert ref["kind"] == "txid" and "TRON" in ref["networks"]
    assert message.body.endswith(fake_data.CHEN_DEPOSIT_TXID)  # the body is never changed
    agent_note, _ = services.post_message(conversation, services.Actor.for_agent(supervisor),
                                          f"checking {fake_data.CHEN_DEPOSIT_TXID}", internal=True)
    assert "exchange" not in agent_note.meta
    client = Client()
    client.force_login(supervisor)
    html = client.get(f"/console/c/{conversation.pk}/").content.decode()
    assert f"https://tronscan.org/#/transaction/{fake_data.CHEN_DEPOSIT_TXID}" in html
