"""Chain validators: addresses per chain with real checksums, memo rules, TxIDs, amounts, mismatches."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from django.utils import translation

from kefu.exchange import chains
from kefu.exchange.encoding import (
    RIPPLE_ALPHABET,
    b58check_decode,
    b58check_encode,
    b58encode,
    crc16_xmodem,
    segwit_encode,
)

# Published addresses and test vectors (BIP-173/350, EIP-55, well-known contracts and accounts).
VALID = {
    "BTC": [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    ],
    "ETH": [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ],
    "TRON": ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"],
    "SOL": ["TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "11111111111111111111111111111111"],
    "XRP": ["rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"],
    "EOS": ["eosio.token", "lantingdepo1", "a"],
    "TON": ["EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N",
            "0:83dfd552e63729b472fcbcc8c45ebcc6691702558b68ec7527e1ba403a0f31a8"],
    "LTC": ["LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1"],
}

INVALID = {
    "BTC": ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # last character changed: checksum
            "bc1qw508d6qejxtdg4c5r3zarvary0c5xw7kv8f3t4",  # one character changed
            "BC1QW508d6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",  # mixed case
            "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"],
    "ETH": ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # wrong checksum case
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",  # 39 hex digits
            "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"],
    "TRON": ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "T123"],
    "SOL": ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "abc", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0"],
    "XRP": ["rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTj", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"],
    "EOS": ["EOSIO", "thirteenchars", "eos.", "has6digit"],
    "TON": ["EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2M", "EQCD39VS5jcptHL8vMjEXrz"],
    "LTC": ["LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc2", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"],
}


@pytest.mark.parametrize(("network", "address"), [(n, a) for n, items in VALID.items() for a in items])
def test_valid_addresses(network, address):
    assert chains.validate_address(network, address).valid, (network, address)


@pytest.mark.parametrize(("network", "address"), [(n, a) for n, items in INVALID.items() for a in items])
def test_invalid_addresses(network, address):
    assert not chains.validate_address(network, address).valid, (network, address)


def test_eip55_checksum_and_unchecked_lowercase():
    lower = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    check = chains.validate_address("ETH", lower)
    assert check.valid and check.problem == "no-checksum"
    assert check.normalized == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert chains.validate_address("ETH", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").problem == "checksum"


def test_generated_segwit_and_litecoin_addresses():
    program = bytes(range(20))
    assert chains.validate_address("BTC", segwit_encode("bc", 0, program)).valid
    assert chains.validate_address("LTC", segwit_encode("ltc", 0, program)).valid
    assert not chains.validate_address("BTC", segwit_encode("ltc", 0, program)).valid
    # A version-1 program encoded with bech32 (not bech32m) is invalid after BIP-350.
    from kefu.exchange.encoding import bech32_encode, convertbits
    wrong_spec = bech32_encode("bc", [1, *convertbits(bytes(range(32)), 8, 5)], "bech32")
    assert not chains.validate_address("BTC", wrong_spec).valid
    legacy_ltc = b58check_encode(b"\x30" + program)
    assert legacy_ltc.startswith("L") and chains.validate_address("LTC", legacy_ltc).valid
    assert not chains.validate_address("BTC", legacy_ltc).valid


def test_tron_address_is_version_0x41():
    payload = b58check_decode("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert payload[0] == 0x41 and len(payload) == 21
    not_tron = b58check_encode(b"\x42" + payload[1:])
    assert not chains.validate_address("TRON", not_tron).valid


def test_solana_needs_32_bytes():
    assert chains.validate_address("SOL", b58encode(bytes([7]) * 32)).valid
    assert not chains.validate_address("SOL", b58encode(bytes([7]) * 33)).valid


def test_xrp_x_address_carries_its_tag():
    account = b58check_decode("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", RIPPLE_ALPHABET)[1:]
    x_address = b58check_encode(b"\x05\x44" + account + b"\x01" + (12345).to_bytes(8, "little"), RIPPLE_ALPHABET)
    check = chains.validate_address("XRP", x_address)
    assert check.valid and check.embedded_tag == 12345
    result = chains.check_transfer(asset="XRP", network="XRP", address=x_address)
    assert "missing_memo" not in result.codes() and result.memo == "12345"


def test_ton_flags_and_testnet():
    body = bytes([0x11, 0x00]) + bytes(range(32))
    good = base64.urlsafe_b64encode(body + crc16_xmodem(body).to_bytes(2, "big")).decode()
    assert chains.validate_address("TON", good).valid
    testnet = bytes([0x91, 0x00]) + bytes(range(32))
    bad = base64.urlsafe_b64encode(testnet + crc16_xmodem(testnet).to_bytes(2, "big")).decode()
    assert chains.validate_address("TON", bad).problem == "testnet"


def test_networks_for_address():
    assert chains.networks_for_address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") == ["TRON"]
    assert chains.networks_for_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") == [
        "ETH", "BSC", "POLYGON", "ARBITRUM"]
    assert chains.networks_for_address("not an address") == []


@pytest.mark.parametrize(("text", "code"), [
    ("ERC20", "ETH"), ("erc-20", "ETH"), ("Ethereum", "ETH"), ("TRC20", "TRON"), ("trc-20", "TRON"),
    ("BEP20", "BSC"), ("BNB Smart Chain (BEP20)", "BSC"), ("Solana", "SOL"), ("ripple", "XRP"),
    ("ton", "TON"), ("Bitcoin", "BTC"), ("Litecoin", "LTC"), ("eos", "EOS"), ("Arbitrum One", "ARBITRUM"),
])
def test_network_names(text, code):
    assert chains.get_network(text).code == code


def test_unknown_network():
    assert chains.get_network("Dogechain") is None
    assert chains.get_network("") is None


def test_memo_rules():
    assert chains.validate_memo("XRP", "") == "missing"
    assert chains.validate_memo("XRP", "123456") == ""
    assert chains.validate_memo("XRP", "abc") == "format"
    assert chains.validate_memo("XRP", str(2**32)) == "format"
    assert chains.validate_memo("EOS", "") == "missing"
    assert chains.validate_memo("EOS", "100234") == ""
    assert chains.validate_memo("EOS", "x" * 257) == "length"
    assert chains.validate_memo("TON", "") == "missing"
    assert chains.validate_memo("TON", "100234") == ""
    assert chains.validate_memo("ETH", "") == ""
    assert chains.validate_memo("BTC", "anything") == ""
    assert [c for c, n in chains.NETWORKS.items() if n.needs_memo] == ["XRP", "EOS", "TON"]


HEX = "a3" * 32


def test_txid_formats():
    assert chains.validate_txid("ETH", "0x" + HEX.upper()) == "0x" + HEX
    assert chains.validate_txid("ETH", HEX) == ""
    assert chains.validate_txid("BSC", "0x" + HEX) == "0x" + HEX
    assert chains.validate_txid("BTC", HEX.upper()) == HEX
    assert chains.validate_txid("BTC", "0x" + HEX) == ""
    assert chains.validate_txid("TRON", HEX) == HEX
    assert chains.validate_txid("XRP", HEX) == HEX.upper()
    assert chains.validate_txid("EOS", HEX) == HEX
    signature = b58encode(bytes(range(1, 65)))
    assert chains.validate_txid("SOL", signature) == signature
    assert chains.validate_txid("SOL", HEX) == ""
    assert chains.validate_txid("TON", HEX) == HEX
    assert chains.validate_txid("TON", base64.urlsafe_b64encode(bytes(32)).decode()) != ""
    assert chains.validate_txid("BTC", HEX[:-2]) == ""
    assert chains.networks_for_txid("0x" + HEX) == ["ETH", "BSC", "POLYGON", "ARBITRUM"]


@pytest.mark.parametrize(("text", "asset", "value"), [
    ("500", "USDT", Decimal("500")), ("1,250.5", "USDT", Decimal("1250.5")), ("500 USDT", "USDT", Decimal("500")),
    ("５００", "USDT", Decimal("500")), ("0.00012345", "BTC", Decimal("0.00012345")), (Decimal("2"), "", Decimal(2)),
])
def test_amounts(text, asset, value):
    assert chains.parse_amount(text, asset) == value


@pytest.mark.parametrize(("text", "asset", "reason"), [
    ("-5", "USDT", "not-a-number"), ("0", "USDT", "not-positive"), ("abc", "", "not-a-number"),
    ("0.000000001", "BTC", "too-many-decimals"), ("1,2,3", "", "not-a-number"), ("1e5", "", "not-a-number"),
])
def test_bad_amounts(text, asset, reason):
    with pytest.raises(ValueError, match=reason):
        chains.parse_amount(text, asset)


def test_explorer_links():
    assert chains.NETWORKS["ETH"].tx_url("0xabc") == "https://etherscan.io/tx/0xabc"
    assert chains.NETWORKS["TRON"].tx_url("abc") == "https://tronscan.org/#/transaction/abc"
    assert chains.NETWORKS["BTC"].address_url("bc1x") == "https://mempool.space/address/bc1x"
    for network in chains.NETWORKS.values():
        assert network.tx_url("T").startswith("https://") and network.tx_url("T").endswith("T")
        assert network.address_url("A").startswith("https://")
    result = chains.check_transfer(asset="USDT", network="TRC20", address="TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                                   txid=HEX)
    assert result.explorer_links() == {
        "tx": f"https://tronscan.org/#/transaction/{HEX}",
        "address": "https://tronscan.org/#/address/TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    }


# --- mismatch detection ---------------------------------------------------------------------------

def test_tron_address_given_as_erc20():
    result = chains.check_transfer(asset="USDT", network="ERC20", address="TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert result.codes() == ["address_other_network"]
    assert not result.ok
    assert "TRON" in result.findings[0].message and "Ethereum" in result.findings[0].message


def test_mismatch_explained_in_chinese():
    with translation.override("zh-hans"):
        result = chains.check_transfer(asset="USDT", network="ERC20",
                                       address="TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert "TRON" in result.findings[0].message
    assert "网络" in result.findings[0].message


def test_evm_address_explains_same_address_on_every_evm_chain():
    result = chains.check_transfer(asset="USDT", network="BEP20", address=VALID["ETH"][0], txid="0x" + HEX)
    assert result.ok and result.codes() == ["evm_same_address"]
    assert "BNB Smart Chain" in result.findings[0].message and "Ethereum" in result.findings[0].message


def test_missing_memo_on_memo_chains():
    for network, address in (("XRP", VALID["XRP"][0]), ("EOS", "lantingdepo1"), ("TON", VALID["TON"][0])):
        result = chains.check_transfer(asset=network, network=network, address=address)
        assert result.codes() == ["missing_memo"], network
        assert result.findings[0].severity == "warning"
    ok = chains.check_transfer(asset="XRP", network="XRP", address=VALID["XRP"][0], memo="100234")
    assert ok.codes() == [] and ok.memo == "100234"
    bad = chains.check_transfer(asset="XRP", network="XRP", address=VALID["XRP"][0], memo="my uid")
    assert bad.codes() == ["invalid_memo"]


def test_memo_on_a_chain_without_memo_is_noted():
    result = chains.check_transfer(asset="BTC", network="BTC", address=VALID["BTC"][0], memo="123")
    assert result.codes() == ["memo_not_needed"] and result.ok


def test_txid_of_another_chain():
    result = chains.check_transfer(asset="USDT", network="TRC20", txid="0x" + HEX)
    assert result.codes() == ["txid_other_network"]
    assert "Ethereum" in result.findings[0].message
    assert chains.check_transfer(asset="USDT", network="ERC20", txid="zz").codes() == ["invalid_txid"]


def test_asset_not_on_network_is_a_recovery_warning():
    result = chains.check_transfer(asset="USDT", network="LTC", address=VALID["LTC"][0])
    assert result.codes() == ["asset_not_on_network"] and result.ok
    assert chains.check_transfer(asset="DOGE", network="ETH").codes() == ["unknown_asset"]
    assert chains.check_transfer(asset="USDT", network="Dogechain").codes() == ["unknown_network"]


def test_address_typo_and_required_fields():
    result = chains.check_transfer(asset="BTC", network="BTC", address=INVALID["BTC"][0])
    assert result.codes() == ["address_checksum"]
    missing = chains.check_transfer(asset="USDT", required=("asset", "network", "txid", "amount"))
    assert missing.codes() == ["missing_network", "missing_txid", "missing_amount"]
    amount = chains.check_transfer(asset="USDT", network="TRC20", amount="-1")
    assert amount.codes() == ["invalid_amount"]
