"""Key formats: Base58Check decoding and the BIP-39 checksum, on the standard library alone.

The wordlists come from the `mnemonic` package (Trezor's reference implementation of BIP-39), which
ships them as files; nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
from functools import cache

from mnemonic import Mnemonic

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(BASE58_ALPHABET)}
MNEMONIC_LENGTHS = (12, 15, 18, 21, 24)


def b58decode(text: str) -> bytes | None:
    """Plain Base58 (Bitcoin alphabet) to bytes, or None if a character is outside the alphabet."""
    number = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            return None
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading = len(text) - len(text.lstrip("1"))
    return b"\x00" * leading + body


def b58check_decode(text: str) -> bytes | None:
    """The payload of a Base58Check string whose 4-byte double-SHA256 checksum matches, else None."""
    raw = b58decode(text)
    if raw is None or len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


def b58check_encode(payload: bytes) -> str:
    """Base58Check-encode `payload` (used by tests and the labelled-set generator)."""
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(raw, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = BASE58_ALPHABET[rem] + out
    leading = len(raw) - len(raw.lstrip(b"\x00"))
    return "1" * leading + out


def is_wif(text: str) -> bool:
    """A Wallet Import Format private key (mainnet 0x80 or testnet 0xef, compressed or not)."""
    payload = b58check_decode(text)
    if payload is None or payload[0] not in (0x80, 0xEF):
        return False
    return len(payload) == 33 or (len(payload) == 34 and payload[-1] == 0x01)


# BIP-32 / SLIP-132 version bytes of *private* extended keys (xprv, tprv, yprv, zprv, Yprv, Zprv, uprv, vprv).
EXTENDED_PRIVATE_VERSIONS = {
    0x0488ADE4, 0x04358394, 0x049D7878, 0x04B2430C, 0x0295B005, 0x02AA7A99, 0x044A4E28, 0x045F18BC,
}


def is_extended_private_key(text: str) -> bool:
    """A BIP-32 extended private key: 78-byte Base58Check payload with a private version and a 0x00 key prefix."""
    payload = b58check_decode(text)
    if payload is None or len(payload) != 78:
        return False
    return int.from_bytes(payload[:4], "big") in EXTENDED_PRIVATE_VERSIONS and payload[45] == 0


@cache
def wordlist(language: str) -> tuple[str, ...]:
    """The 2048 BIP-39 words of `language` ("english" or "chinese_simplified")."""
    return tuple(Mnemonic(language).wordlist)


@cache
def word_index(language: str) -> dict[str, int]:
    return {word: i for i, word in enumerate(wordlist(language))}


def mnemonic_checksum_ok(words: list[str], language: str) -> bool:
    """True if `words` (12/15/18/21/24 wordlist words) carry a valid BIP-39 checksum."""
    if len(words) not in MNEMONIC_LENGTHS:
        return False
    index = word_index(language)
    try:
        bits = "".join(format(index[w], "011b") for w in words)
    except KeyError:
        return False
    checksum_len = len(bits) // 33
    entropy_bits, checksum = bits[:-checksum_len], bits[-checksum_len:]
    entropy = int(entropy_bits, 2).to_bytes(len(entropy_bits) // 8, "big")
    digest = format(hashlib.sha256(entropy).digest()[0], "08b")
    return digest[:checksum_len] == checksum


def mnemonic_from_entropy(entropy: bytes, language: str) -> list[str]:
    """The BIP-39 words for `entropy` (16..32 bytes); used to generate test and benchmark data."""
    return Mnemonic(language).to_mnemonic(entropy).split()
