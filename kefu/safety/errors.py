"""Safety's domain errors (mapped to RFC 9457 problem bodies by the API's one handler for KefuError)."""

from __future__ import annotations

from kefu.core.errors import KefuError


class SecretRequestBlocked(KefuError):
    """An outgoing message asked the customer for a secret, remote access or a transfer; it was not sent."""

    status = 422
    code = "secret-request-blocked"
    title = "Message blocked by the safety guard"
