"""Invented accounts and transfers for the fake exchange; the UIDs match the demo contacts (kefu/web/demo.py).

Addresses are generated from fixed seeds so they pass the real checksums; none belongs to anyone.
"""

from __future__ import annotations

import hashlib

from kefu.exchange.chains import to_checksum_address
from kefu.exchange.encoding import RIPPLE_ALPHABET, b58check_encode, segwit_encode


def _seed(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def tron_address(seed: str) -> str:
    return b58check_encode(b"\x41" + _seed(seed)[:20])


def evm_address(seed: str) -> str:
    return to_checksum_address("0x" + _seed(seed)[:20].hex())


def btc_address(seed: str) -> str:
    return segwit_encode("bc", 0, _seed(seed)[:20])


def xrp_address(seed: str) -> str:
    return b58check_encode(b"\x00" + _seed(seed)[:20], RIPPLE_ALPHABET)


def txid(seed: str, evm: bool = False) -> str:
    digest = _seed("tx:" + seed).hex()
    return "0x" + digest if evm else digest


# The deposit from the demo conversation of UID 100234 (500 USDT on TRC20, confirmed, not yet credited).
CHEN_DEPOSIT_TXID = "7f3c9a0d2b5e8c14a6f0d93b27c58e1f04a9b6d3c2e7f81a5b0c9d4e6f3a2e41"
# USDT sent by 100234 on BSC to the ETH deposit address: a wrong-network deposit the exchange saw.
CHEN_BSC_TXID = txid("chen-bsc", evm=True)
# A Bitcoin deposit of 200871, credited: the explorer fake knows it too.
DANIEL_BTC_TXID = txid("daniel-btc")
# Maria's (400119) failed ETH withdrawal.
MARIA_WITHDRAWAL_TXID = txid("maria-eth", evm=True)
# Kenji (500330) sent XRP without a destination tag.
KENJI_XRP_TXID = txid("kenji-xrp").upper()

EXCHANGE_DEPOSIT = {
    "TRON": tron_address("lanting-hot-tron"),
    "ETH": evm_address("lanting-hot-eth"),
    "BTC": btc_address("lanting-hot-btc"),
    "XRP": xrp_address("lanting-hot-xrp"),
}

USDT_CONTRACTS = {"ETH": evm_address("usdt-eth"), "BSC": evm_address("usdt-bsc")}


def _account(uid, email, name, kyc, status="active", deposits=(), withdrawals=(), security=()):
    return {
        "account": {"uid": uid, "email": email, "name": name, "kyc_level": kyc, "status": status,
                    "created_at": "2024-03-02T08:00:00Z", "country": "—"},
        "deposits": list(deposits), "withdrawals": list(withdrawals), "security_events": list(security),
    }


def demo_accounts() -> dict[str, dict]:
    """A fresh copy of the fake exchange's accounts, keyed by UID."""
    return {a["account"]["uid"]: a for a in [
        _account("100234", "chen.demo@example.com", "陈女士", 2, deposits=[
            {"id": "D-88121", "asset": "USDT", "network": "TRON", "amount": "500", "status": "confirming_credit",
             "address": EXCHANGE_DEPOSIT["TRON"], "memo": "", "txid": CHEN_DEPOSIT_TXID,
             "created_at": "2026-11-23T08:41:00Z"},
            {"id": "D-87002", "asset": "USDT", "network": "TRON", "amount": "1200", "status": "credited",
             "address": EXCHANGE_DEPOSIT["TRON"], "memo": "", "txid": txid("chen-old"),
             "created_at": "2026-10-02T11:15:00Z"},
        ], security=[
            {"type": "login", "at": "2026-11-23T08:30:12Z", "ip": "203.0.113.24", "detail": "Shanghai, web"},
        ]),
        _account("200871", "daniel.demo@example.com", "Daniel Okafor", 1, deposits=[
            {"id": "D-88002", "asset": "BTC", "network": "BTC", "amount": "0.0125", "status": "credited",
             "address": EXCHANGE_DEPOSIT["BTC"], "memo": "", "txid": DANIEL_BTC_TXID,
             "created_at": "2026-11-20T16:02:00Z"},
        ], security=[
            {"type": "2fa_reset_requested", "at": "2026-11-22T19:44:00Z", "ip": "198.51.100.7",
             "detail": "Lost authenticator"},
        ]),
        _account("300552", "liu.demo@example.com", "刘先生", 3),
        _account("400119", "maria.demo@example.com", "Maria Santos", 2, withdrawals=[
            {"id": "W-55310", "asset": "ETH", "network": "ETH", "amount": "1.2", "status": "failed",
             "address": evm_address("maria-wallet"), "txid": MARIA_WITHDRAWAL_TXID,
             "created_at": "2026-11-23T07:10:00Z", "failure": "node out of sync; amount locked"},
        ]),
        _account("500330", "kenji.demo@example.com", "Kenji Watanabe", 2, deposits=[
            {"id": "D-88190", "asset": "XRP", "network": "XRP", "amount": "250", "status": "unmatched_no_tag",
             "address": EXCHANGE_DEPOSIT["XRP"], "memo": "", "txid": KENJI_XRP_TXID,
             "created_at": "2026-11-22T22:03:00Z"},
        ], security=[
            {"type": "phishing_report", "at": "2026-11-23T06:00:00Z", "ip": "", "detail": "Fake Telegram agent"},
            {"type": "login_failed", "at": "2026-11-23T05:58:41Z", "ip": "192.0.2.99", "detail": "wrong password x3"},
        ]),
        _account("600778", "zhao.demo@example.com", "赵女士", 2),
    ]}


def demo_transactions() -> dict[str, dict]:
    """What the exchange's transaction look-up knows, keyed by TxID (lower case)."""
    found = {}
    for account in demo_accounts().values():
        uid = account["account"]["uid"]
        for kind, items in (("deposit", account["deposits"]), ("withdrawal", account["withdrawals"])):
            for item in items:
                found[item["txid"].lower()] = {**item, "direction": kind, "uid": uid}
    found[CHEN_BSC_TXID] = {
        "id": "U-3001", "direction": "deposit", "uid": "100234", "asset": "USDT", "network": "BSC",
        "amount": "300", "status": "unmatched_wrong_network", "address": EXCHANGE_DEPOSIT["ETH"], "memo": "",
        "txid": CHEN_BSC_TXID, "created_at": "2026-11-21T09:00:00Z",
    }
    return found


# What the fake explorers answer: Esplora-style (Bitcoin) and Etherscan-style (EVM) records.
ESPLORA_TIP = 871_000
ESPLORA_TXS = {
    DANIEL_BTC_TXID: {"to": EXCHANGE_DEPOSIT["BTC"], "sats": 1_250_000, "height": 870_990,
                      "time": 1763654520},
}
ETHERSCAN_TIP = 21_000_000
ETHERSCAN_TXS = {
    CHEN_BSC_TXID: {"from": evm_address("chen-wallet"), "token": USDT_CONTRACTS["BSC"], "to": EXCHANGE_DEPOSIT["ETH"],
                    "units": 300 * 10**18, "block": 20_999_900, "status": 1},
    MARIA_WITHDRAWAL_TXID: {"from": EXCHANGE_DEPOSIT["ETH"], "token": None, "to": evm_address("maria-wallet"),
                            "units": 12 * 10**17, "block": 20_999_950, "status": 0},
}
