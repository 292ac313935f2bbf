"""The byte encodings blockchain addresses use: base58(check), bech32/bech32m, CRC16, Keccak-256.

Pure functions on the standard library (plus pycryptodome's Keccak), small enough to read whole. The
bech32 part follows BIP-173 and BIP-350; base58check follows Bitcoin's double-SHA-256 checksum.
"""

from __future__ import annotations

import hashlib

from Crypto.Hash import keccak

BITCOIN_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RIPPLE_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"


class DecodeError(ValueError):
    """The text is not a valid encoding (bad character, bad checksum, bad length)."""


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


# --- base58 -------------------------------------------------------------------------------------

def b58decode(text: str, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    number = 0
    for char in text:
        index = alphabet.find(char)
        if index < 0:
            raise DecodeError(f"character {char!r} is not base58")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading = len(text) - len(text.lstrip(alphabet[0]))
    return b"\x00" * leading + body


def b58encode(data: bytes, alphabet: str = BITCOIN_ALPHABET) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(alphabet[rest])
    leading = len(data) - len(data.lstrip(b"\x00"))
    return alphabet[0] * leading + "".join(reversed(out))


def b58check_decode(text: str, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    """The payload (version byte(s) included) of a base58check string, or DecodeError."""
    raw = b58decode(text, alphabet)
    if len(raw) < 5:
        raise DecodeError("too short for base58check")
    payload, checksum = raw[:-4], raw[-4:]
    if sha256d(payload)[:4] != checksum:
        raise DecodeError("checksum does not match")
    return payload


def b58check_encode(payload: bytes, alphabet: str = BITCOIN_ALPHABET) -> str:
    return b58encode(payload + sha256d(payload)[:4], alphabet)


# --- bech32 / bech32m (BIP-173, BIP-350) ---------------------------------------------------------

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3


def _polymod(values: list[int]) -> int:
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            checksum ^= generator[i] if ((top >> i) & 1) else 0
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_decode(text: str) -> tuple[str, list[int], str]:
    """(hrp, data words without checksum, "bech32" | "bech32m"), or DecodeError."""
    if text.lower() != text and text.upper() != text:
        raise DecodeError("mixed upper and lower case")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or len(text) > 90:
        raise DecodeError("bad separator position or length")
    hrp, data_part = text[:pos], text[pos + 1:]
    if any(ord(c) < 33 or ord(c) > 126 for c in hrp):
        raise DecodeError("bad human-readable part")
    try:
        data = [BECH32_CHARSET.index(c) for c in data_part]
    except ValueError as error:
        raise DecodeError("character outside the bech32 alphabet") from error
    const = _polymod(_hrp_expand(hrp) + data)
    if const == BECH32_CONST:
        return hrp, data[:-6], "bech32"
    if const == BECH32M_CONST:
        return hrp, data[:-6], "bech32m"
    raise DecodeError("checksum does not match")


def bech32_encode(hrp: str, data: list[int], spec: str = "bech32") -> str:
    const = BECH32M_CONST if spec == "bech32m" else BECH32_CONST
    polymod = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[d] for d in data + checksum)


def convertbits(data: list[int] | bytes, from_bits: int, to_bits: int, pad: bool = True) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            raise DecodeError("value out of range")
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & maxv)
    elif bits >= from_bits or ((acc << (to_bits - bits)) & maxv):
        raise DecodeError("invalid padding")
    return out


def segwit_decode(hrp: str, address: str) -> tuple[int, bytes]:
    """(witness version, witness program) of a segwit address with this hrp, or DecodeError."""
    found_hrp, data, spec = bech32_decode(address)
    if found_hrp != hrp:
        raise DecodeError(f"prefix is {found_hrp!r}, expected {hrp!r}")
    if not data:
        raise DecodeError("empty data")
    version = data[0]
    program = bytes(convertbits(data[1:], 5, 8, pad=False))
    if version > 16 or not 2 <= len(program) <= 40:
        raise DecodeError("bad witness version or program length")
    if version == 0 and len(program) not in (20, 32):
        raise DecodeError("version 0 programs are 20 or 32 bytes")
    if (version == 0) != (spec == "bech32"):
        raise DecodeError("version 0 uses bech32, later versions bech32m")
    return version, program


def segwit_encode(hrp: str, version: int, program: bytes) -> str:
    spec = "bech32" if version == 0 else "bech32m"
    return bech32_encode(hrp, [version, *convertbits(program, 8, 5)], spec)


# --- CRC16 (XMODEM), used by TON user-friendly addresses ----------------------------------------

def crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc
