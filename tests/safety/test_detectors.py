"""Secret detectors, the outbound request guard and the look-alike checks: pure functions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from mnemonic import Mnemonic

from kefu.safety import detectors, lookalike, outbound
from kefu.safety.keys import (
    b58check_encode,
    is_extended_private_key,
    is_wif,
    mnemonic_checksum_ok,
    mnemonic_from_entropy,
)

ENTROPY = hashlib.sha256(b"kefu-test").digest()
EN12 = mnemonic_from_entropy(ENTROPY[:16], "english")
EN24 = mnemonic_from_entropy(ENTROPY, "english")
ZH12 = mnemonic_from_entropy(ENTROPY[:16], "chinese_simplified")
HEX = hashlib.sha256(b"key").hexdigest()


def kinds(text: str) -> list[str]:
    return detectors.secret_kinds(text)


def bad(words: list[str], language: str) -> list[str]:
    wordlist = Mnemonic(language).wordlist
    changed = list(words)
    changed[-1] = wordlist[(wordlist.index(changed[-1]) + 1) % 2048]
    return changed


def test_generated_mnemonics_pass_the_checksum_and_altered_ones_fail():
    assert mnemonic_checksum_ok(EN12, "english") and mnemonic_checksum_ok(EN24, "english")
    assert mnemonic_checksum_ok(ZH12, "chinese_simplified")
    assert Mnemonic("english").check(" ".join(EN12))
    assert not mnemonic_checksum_ok(bad(EN12, "english"), "english")
    assert not mnemonic_checksum_ok(bad(ZH12, "chinese_simplified"), "chinese_simplified")


@pytest.mark.parametrize("text", [
    " ".join(EN12), "my seed: " + ", ".join(EN24), "\n".join(f"{i}. {w}" for i, w in enumerate(EN12, 1)),
    "助记词：" + " ".join(ZH12), "我的助记词是" + "".join(ZH12),
    "\n".join(f"{i}) {w}" for i, w in enumerate(ZH12, 1)),
])
def test_checksum_valid_seed_phrases_are_found_in_both_languages(text):
    findings = detectors.find_seed_phrases(text)
    assert [f.kind for f in findings] == ["seed_phrase"]
    assert findings[0].detail.endswith(":checksum")


def test_a_twelve_word_run_with_a_bad_checksum_is_still_treated_as_a_seed():
    findings = detectors.find_seed_phrases(" ".join(bad(EN12, "english")))
    assert findings and findings[0].detail.endswith(":unverified")
    assert detectors.find_seed_phrases("助记词 " + " ".join(bad(ZH12, "chinese_simplified")))


def test_unseparated_chinese_needs_context_and_checksum():
    assert kinds("".join(ZH12)) == []  # ordinary-looking prose without any mention of a seed
    assert kinds("我的助记词是" + "".join(bad(ZH12, "chinese_simplified"))) == []
    assert kinds("我今天下午在平台上买了一些比特币但是到现在还没有看到任何记录请问这是什么原因") == []


def test_short_word_lists_need_seed_context():
    assert kinds(" ".join(EN12[:7])) == []
    assert kinds("the first words of my recovery phrase: " + " ".join(EN12[:7])) == ["seed_phrase"]


def test_private_key_formats():
    wif = b58check_encode(b"\x80" + bytes(range(1, 33)) + b"\x01")
    assert is_wif(wif) and not is_wif(wif[:-1] + ("a" if wif[-1] != "a" else "b"))
    xprv = Mnemonic.to_hd_master_key(Mnemonic("english").to_seed(" ".join(EN12)))
    assert is_extended_private_key(xprv)
    tprv = Mnemonic.to_hd_master_key(Mnemonic("english").to_seed(" ".join(EN12)), testnet=True)
    for text in (wif, f"key {xprv}", tprv, f"my private key is {HEX}", f"私钥：0x{HEX}",
                 "[" + ",".join(str(b) for b in range(64)) + "]"):
        assert kinds(text) == ["private_key"], text


@pytest.mark.parametrize("text", [
    HEX, f"0x{HEX}", f"txid {HEX}", f"交易哈希 0x{HEX}", f"https://etherscan.io/tx/0x{HEX}",
    f"my private key is safe, the deposit tx hash is {HEX}", "0x52908400098527886E0F7030069857D2E4169EE7",
    "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "order 202405120001234",
    "UID 12345678", "I sent 0.5 BTC", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8"
    "YtGqsefD265TMg7usUDFdp6W1EGMcet8",
])
def test_near_misses_are_not_secrets(text):
    assert kinds(text) == []


def test_api_secrets_otp_and_passwords_in_context():
    assert kinds("my api secret is aB3dE5fG7hJ9kL1mN3pQ") == ["api_secret"]
    assert kinds("API密钥 aB3dE5fG7hJ9kL1mN3pQ") == ["api_secret"]
    assert kinds("my 2fa code is 123 456") == ["otp_code"]
    assert kinds("谷歌验证码654321") == ["otp_code"]
    assert kinds("my password is Hunter2!") == ["password"]
    assert kinds("密码是abc12345") == ["password"]
    assert kinds("pass is 'lambo2moon' btw") == ["password"]
    for text in ("I never got the 2FA code", "my password is wrong", "密码忘了", "API key settings page",
                 "verification code expired at 10:45", "promo code 123456", "the 2FA reset ticket number is 552190",
                 "验证码问题的工单号 552190"):
        assert kinds(text) == [], text


def test_solana_secret_key_named_key_but_not_a_transaction_signature():
    from kefu.safety.keys import BASE58_ALPHABET

    number, encoded = int.from_bytes(bytes(range(7, 71)), "big"), ""
    while number:
        number, rem = divmod(number, 58)
        encoded = BASE58_ALPHABET[rem] + encoded
    assert kinds(f"exported from phantom, key: {encoded}") == ["private_key"]
    assert kinds(f"transaction signature {encoded}") == []
    assert kinds(encoded) == []


def test_outbound_requests_are_found_and_warnings_are_not():
    assert outbound.request_kinds("Kindly share the six digit code we just texted you.") == ["otp_code"]
    assert outbound.request_kinds("A refundable deposit of 50 USDT is needed to unfreeze your withdrawal.") == [
        "fund_transfer"]
    assert outbound.request_kinds("The deposit of 50 USDT was credited after we unfroze your account.") == []
    assert outbound.request_kinds("Your deposit of 50 USDT is under verification.") == []
    assert outbound.request_kinds("Please send me your seed phrase.") == ["seed_phrase"]
    assert outbound.request_kinds("请把验证码发给我") == ["otp_code"]
    assert outbound.request_kinds("Install AnyDesk and give me the ID") == ["remote_access"]
    assert outbound.request_kinds("Send 0.1 BTC to verify your wallet.") == ["fund_transfer"]
    assert outbound.request_kinds("需要转账验证，请先转 0.05 BTC") == ["fund_transfer"]
    for text in ("Never share your seed phrase.", "We will never ask for your password.", "Please send the TxID.",
                 "请勿向任何人透露助记词。", "If anyone asks you to install AnyDesk, it's a scam."):
        assert outbound.request_kinds(text) == [], text


OFFICIAL = [lookalike.Official("domain", "kefu-exchange.com"), lookalike.Official("telegram", "kefu_support"),
            lookalike.Official("x", "kefuexchange"), lookalike.Official("phone", "+85212345678")]


@pytest.mark.parametrize("value,verdict", [
    ("https://kefu-exchange.com/login", "official"), ("help.kefu-exchange.com", "official"),
    ("kefu-exchange.io", "impersonation"), ("kefu-exchаnge.com", "impersonation"),  # Cyrillic а
    ("kefu-εxchange.com", "impersonation"), ("kefu-excha1nge.com", "impersonation"),
    ("kefu-exchange.com.evil.io", "impersonation"), ("xn--kefu-exchnge-6nh.com", "impersonation"),
    ("kefu--exchange.com", "impersonation"), ("https://kefu-exchange.com@evil.io/", "impersonation"),
    ("google.com", "unknown"), ("t.me/kefu_support", "official"), ("@kefu_supp0rt", "impersonation"),
    ("x.com/kefuexchange", "official"), ("twitter.com/kefu_exchange_help", "impersonation"),
    ("+852 1234 5678", "official"), ("+852 0000 0000", "unknown"), ("help@kefu-exchange.co", "impersonation"),
    ("???", "invalid"),
])
def test_lookalikes(value, verdict):
    result = lookalike.check(value, OFFICIAL)
    assert result.verdict == verdict, result
    if verdict == "impersonation":
        assert result.imitates


def test_labelled_set_has_no_false_positives_on_txids_addresses_and_order_ids():
    path = Path(__file__).resolve().parents[2] / "bench" / "data" / "safety_labelled.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 300
    strict = [r for r in records if r["group"] in ("near_miss:txid", "near_miss:address", "near_miss:order_id")]
    assert len(strict) >= 60
    assert [r["text"] for r in strict if detectors.secret_kinds(r["text"])] == []
    assert [r["text"] for r in strict if outbound.request_kinds(r["text"])] == []
