"""The one HTTP interface kefu calls at the exchange: account look-up, transaction look-up, freeze.

Every request is a JSON POST signed with HMAC-SHA256 over "<timestamp>." + body using the shared secret
(KEFU_EXCHANGE_SECRET), sent in these headers (docs/exchange.md has examples):

    X-Kefu-Timestamp: 1767312000
    X-Kefu-Signature: sha256=<hex>
    X-Kefu-Request-Id: <uuid, the same on a retry>
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.conf import settings

from kefu.core.errors import KefuError

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE = 300
ACCOUNT_LOOKUP = "/kefu/v1/accounts/lookup"
TRANSACTION_LOOKUP = "/kefu/v1/transactions/lookup"
FREEZE = "/kefu/v1/accounts/freeze"


class ExchangeError(KefuError):
    """The exchange could not be reached or answered with an error."""

    status = 502
    code = "exchange-error"
    title = "Exchange integration error"


class ExchangeNotConfigured(ExchangeError):
    status = 503
    code = "exchange-not-configured"
    title = "Exchange integration not configured"


class ExchangeNotFound(ExchangeError):
    status = 404
    code = "exchange-not-found"
    title = "Not found at the exchange"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Kefu-Signature value for a body sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
                     tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """What the exchange does with a request from kefu (and the fake exchange does in tests)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    if age > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


class ExchangeClient:
    """Calls the exchange's kefu endpoints with signed JSON requests, a timeout and clear errors."""

    def __init__(self, base_url: str, secret: str, timeout: float = 5.0) -> None:
        if not base_url or not secret:
            raise ExchangeNotConfigured("set KEFU_EXCHANGE_URL and KEFU_EXCHANGE_SECRET to reach the exchange")
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> ExchangeClient:
        return cls(settings.KEFU_EXCHANGE_URL, settings.KEFU_EXCHANGE_SECRET, settings.KEFU_EXCHANGE_TIMEOUT)

    def post(self, path: str, payload: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        """Send one signed request; the decoded JSON answer, or an ExchangeError saying what went wrong."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(self.base_url + path, data=body, method="POST", headers={
            "Content-Type": "application/json", "Accept": "application/json",
            "X-Kefu-Timestamp": timestamp, "X-Kefu-Signature": sign(self.secret, timestamp, body),
            "X-Kefu-Request-Id": request_id or str(uuid.uuid4()), "User-Agent": "kefu",
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return self._decode(response.read(), path)
        except urllib.error.HTTPError as error:
            detail = self._error_detail(error)
            if error.code == 404:
                raise ExchangeNotFound(detail or "not found at the exchange") from error
            log.warning("exchange %s answered HTTP %s", path, error.code)
            raise ExchangeError(f"the exchange answered HTTP {error.code} to {path}: {detail}") from error
        except TimeoutError as error:
            raise ExchangeError(f"the exchange did not answer {path} within {self.timeout:g} s") from error
        except urllib.error.URLError as error:
            raise ExchangeError(f"cannot reach the exchange at {self.base_url}: {error.reason}") from error

    @staticmethod
    def _decode(raw: bytes, path: str) -> dict[str, Any]:
        try:
            data = json.loads(raw or b"{}")
        except ValueError as error:
            raise ExchangeError(f"the exchange answered {path} with something that is not JSON") from error
        if not isinstance(data, dict):
            raise ExchangeError(f"the exchange answered {path} with JSON that is not an object")
        return data

    @staticmethod
    def _error_detail(error: urllib.error.HTTPError) -> str:
        try:
            data = json.loads(error.read() or b"{}")
        except ValueError:
            return ""
        return str(data.get("detail") or data.get("error") or "")[:200] if isinstance(data, dict) else ""

    def lookup_account(self, *, uid: str | None = None, email: str | None = None) -> dict[str, Any]:
        """The account with its KYC level, status, recent deposits/withdrawals and security events."""
        if not uid and not email:
            raise ExchangeError("an account look-up needs a UID or an email address")
        payload = {"uid": str(uid)} if uid else {"email": email}
        data = self.post(ACCOUNT_LOOKUP, payload)
        if not isinstance(data.get("account"), dict):
            raise ExchangeError("the exchange's account answer has no 'account' object")
        return data

    def lookup_transaction(self, txid: str, network: str = "") -> dict[str, Any] | None:
        """What the exchange knows about a transaction (credited, pending, unmatched), or None."""
        try:
            data = self.post(TRANSACTION_LOOKUP, {"txid": txid, "network": network})
        except ExchangeNotFound:
            return None
        return data.get("transaction") if isinstance(data.get("transaction"), dict) else None

    def freeze_account(self, uid: str, *, reason: str, source: str, request_id: str) -> dict[str, Any]:
        """Ask the exchange to freeze the account now (idempotent per request_id)."""
        data = self.post(FREEZE, {"uid": str(uid), "reason": reason, "source": source, "request_id": request_id},
                         request_id=request_id)
        if data.get("status") not in ("frozen", "already_frozen"):
            raise ExchangeError(f"the exchange did not confirm the freeze (status {data.get('status')!r})")
        return data
