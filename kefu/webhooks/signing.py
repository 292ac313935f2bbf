"""The signature every delivery carries, and how a receiver checks it.

    X-Kefu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>

The timestamp is signed with the body so a captured request cannot be replayed later than the
receiver's tolerance. Several v1 values may appear (comma separated) while a secret is rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Kefu-Signature"
DELIVERY_HEADER = "X-Kefu-Delivery"
EVENT_HEADER = "X-Kefu-Event"
DEFAULT_TOLERANCE = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale, or does not match the body."""


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` under the subscription secret."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of X-Kefu-Signature for this body, signed now unless ``timestamp`` is given."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={ts},v1={compute_signature(secret, ts, body)}"


def parse_signature_header(header: str) -> tuple[int, list[str]]:
    """Split ``t=...,v1=...`` into the timestamp and the v1 signatures."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise SignatureError("the signature header needs t=<timestamp> and v1=<signature>")
    return timestamp, signatures


def verify_signature(secret: str, body: bytes, header: str, *, tolerance: int = DEFAULT_TOLERANCE,
                     now: float | None = None) -> int:
    """Check a received delivery; returns its timestamp or raises SignatureError.

    This is what a receiver written in Python runs (docs/webhooks.md shows the same in Node).
    """
    timestamp, signatures = parse_signature_header(header)
    current = time.time() if now is None else now
    if tolerance and abs(current - timestamp) > tolerance:
        raise SignatureError("the signature timestamp is outside the tolerance (replayed or clock skew)")
    expected = compute_signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("the signature does not match the body")
    return timestamp
