"""One HTTP POST of a signed body to a receiver: time-limited, http/https only, no off-host redirects.

Standard library only (http.client), so what happens on the wire is explicit: the body is sent
exactly as signed, nothing is retried here (retries are the delivery task's job), and a redirect is
followed only to the same host (an http -> https upgrade included), re-posting the same body.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext as _

ALLOWED_SCHEMES = ("http", "https")
MAX_REDIRECTS = 3
MAX_RESPONSE_BYTES = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
USER_AGENT = "kefu-webhooks/1"
# One attempt may take at most this many times the per-operation timeout in total.
OVERALL_LIMIT_FACTOR = 3


@dataclass(frozen=True)
class Outcome:
    """What one attempt achieved. ``permanent`` failures are not worth retrying automatically."""

    ok: bool
    status_code: int | None = None
    error: str = ""
    permanent: bool = False


def check_url(url: str) -> str | None:
    """Why this URL cannot receive webhooks, or None if it can (http/https with a host)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return _("the URL is not valid")
    if parts.scheme not in ALLOWED_SCHEMES:
        return _("only http and https URLs can receive webhooks")
    if not parts.hostname:
        return _("the URL needs a host name")
    if parts.username or parts.password:
        return _("put credentials in your receiver's checks, not in the URL")
    return None


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS[parts.scheme]


def same_host(current: str, target: str) -> bool:
    """A redirect we follow: same host and port, or the same host upgraded from http to https."""
    if check_url(target) is not None:
        return False
    scheme, host, port = _origin(current)
    new_scheme, new_host, new_port = _origin(target)
    if new_host != host:
        return False
    if (scheme, new_scheme) == ("http", "https"):
        return new_port == 443 or new_port == port
    return new_scheme == scheme and new_port == port


class AttemptTooSlow(TimeoutError):
    """The whole attempt (connect, send, answer) took longer than its overall limit."""


def _send_once(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str, bytes]:
    scheme, host, port = _origin(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    # `timeout` bounds each socket operation; a receiver trickling its answer byte by byte would
    # still hold the worker, so a watchdog cuts the connection once the whole attempt is too long.
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout * OVERALL_LIMIT_FACTOR, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
        response = connection.getresponse()
        content = response.read(MAX_RESPONSE_BYTES)
        if expired.is_set():
            raise AttemptTooSlow()
        return response.status, response.getheader("Location") or "", content
    except (OSError, http.client.HTTPException) as error:
        if expired.is_set():
            raise AttemptTooSlow() from error
        raise
    finally:
        watchdog.cancel()
        connection.close()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body`` to ``url``; any 2xx is success. Network errors and other statuses are failures."""
    problem = check_url(url)
    if problem:
        return Outcome(False, None, problem, permanent=True)
    for _attempt in range(MAX_REDIRECTS + 1):
        try:
            status, location, content = _send_once(url, body, headers, timeout)
        except (OSError, http.client.HTTPException) as error:
            return Outcome(False, None, _describe(error))
        if 200 <= status < 300:
            return Outcome(True, status)
        if status in (301, 302, 303, 307, 308) and location:
            target = urljoin(url, location)
            if not same_host(url, target):
                return Outcome(False, status, f"refused to follow a redirect to another host: {target[:200]}",
                               permanent=True)
            url = target
            continue
        snippet = content[:300].decode("utf-8", errors="replace").strip()
        return Outcome(False, status, f"HTTP {status}" + (f": {snippet}" if snippet else ""),
                       permanent=status == 410)
    return Outcome(False, None, f"more than {MAX_REDIRECTS} redirects", permanent=True)


def _describe(error: BaseException) -> str:
    if isinstance(error, AttemptTooSlow):
        return "timed out (the whole attempt took too long)"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]
