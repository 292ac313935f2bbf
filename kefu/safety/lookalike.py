"""Is this official? Compare a URL, email address, phone number or handle with the official ones.

Pure functions. `check(value, official)` classifies what a customer typed and answers with a verdict:
OFFICIAL, IMPERSONATION (a look-alike of a named official channel: homoglyphs incl. Cyrillic and Greek,
digit swaps 0/o 1/l, extra characters or hyphens, another top-level domain, the official name inside
someone else's domain, punycode) or UNKNOWN (not ours, and not imitating ours either).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

OFFICIAL = "official"
IMPERSONATION = "impersonation"
UNKNOWN = "unknown"
INVALID = "invalid"

DOMAIN = "domain"
EMAIL = "email"
PHONE = "phone"
TELEGRAM = "telegram"
X = "x"
HANDLE = "handle"  # "@name" without saying where: compared with Telegram and X

# Latin look-alikes (Cyrillic, Greek, full-width, and the digit/letter swaps scammers use).
_CONFUSABLE = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "γ": "y", "ω": "w", "μ": "u", "ɑ": "a", "ɡ": "g", "ı": "i", "ł": "l", "ŀ": "l",
    "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "|": "l", "!": "l",
}
_MULTI = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("nn", "m"))
_TWO_LEVEL = {"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"}
_FREEMAIL = {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "qq.com", "163.com", "126.com", "proton.me",
             "protonmail.com", "icloud.com", "mail.ru", "yandex.ru", "foxmail.com", "sina.com", "aol.com"}


@dataclass(frozen=True)
class Official:
    """One official channel: kind (domain/email/phone/telegram/x) and its value, normalized."""

    kind: str
    value: str


@dataclass
class Verdict:
    verdict: str
    kind: str
    value: str
    imitates: list[str] = field(default_factory=list)
    reason: str = ""


def skeleton(text: str) -> str:
    """A form where look-alikes collapse to the same string: "bіnance-0fficial" -> "binanceofficial"."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(_CONFUSABLE.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z]", "", text)
    for many, one in _MULTI:
        text = text.replace(many, one)
    return text


def edit_distance(a: str, b: str) -> int:
    """Damerau–Levenshtein (optimal string alignment) distance."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def decode_host(host: str) -> str:
    """Lower-case host, punycode labels (xn--) shown as the Unicode they stand for."""
    labels = []
    for label in host.strip().strip(".").lower().split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        labels.append(label)
    return ".".join(labels)


def registrable(host: str) -> tuple[str, str]:
    """(name label, public suffix) of a host: "support.okx.com.cn" -> ("okx", "com.cn")."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _TWO_LEVEL and len(labels[-1]) == 2:
        return labels[-3], ".".join(labels[-2:])
    if len(labels) >= 2:
        return labels[-2], labels[-1]
    return host, ""


def _similar(candidate: str, official: str) -> bool:
    """Does a name label or handle imitate an official one?"""
    if not candidate or not official or candidate == official:
        return candidate == official and bool(candidate)
    sk_c, sk_o = skeleton(candidate), skeleton(official)
    if len(sk_o) < 3:
        return False
    if sk_c == sk_o or (len(sk_o) >= 4 and sk_o in sk_c):
        return True
    limit = 1 if len(sk_o) < 9 else 2
    return len(sk_o) >= 5 and edit_distance(sk_c, sk_o) <= limit


def classify(raw: str) -> tuple[str, str]:
    """What kind of thing the customer typed, and its normalized value (kind INVALID if nothing usable)."""
    value = unicodedata.normalize("NFKC", (raw or "").strip())
    if not value:
        return INVALID, ""
    lower = value.lower()
    tg = re.match(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?([^/?#\s]+(?:/[^?#\s]*)?)",
                  lower)
    if tg:
        return TELEGRAM, tg.group(1).strip("/")
    xm = re.match(r"^(?:https?://)?(?:www\.|mobile\.)?(?:x\.com|twitter\.com)/@?([^/?#\s]+)", lower)
    if xm:
        return X, xm.group(1)
    if re.fullmatch(r"@[\w.]{2,64}", value):
        return HANDLE, lower[1:]
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) and "/" not in value:
        local, domain = lower.rsplit("@", 1)
        return EMAIL, f"{local}@{decode_host(domain)}"
    if re.fullmatch(r"\+?[\d\s().-]{6,24}", value):
        return PHONE, re.sub(r"[^\d+]", "", value)
    host = _host_of(lower)
    if host:
        return DOMAIN, host
    return INVALID, value


def _host_of(value: str) -> str:
    candidate = value if "://" in value else "http://" + value
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return ""
    host = parts.hostname or ""
    if not re.fullmatch(r"[^\s/]+\.[^\s/.]{2,}", host):
        return ""
    return decode_host(host)


def _check_domain(host: str, officials: list[Official]) -> Verdict:
    domains = [o.value for o in officials if o.kind == DOMAIN]
    for official in domains:
        if host == official or host.endswith("." + official):
            return Verdict(OFFICIAL, DOMAIN, host, [official])
    if host.isascii() is False and any(skeleton(host) == skeleton(o) for o in domains):
        return Verdict(IMPERSONATION, DOMAIN, host, [o for o in domains if skeleton(host) == skeleton(o)], "homoglyph")
    name, _suffix = registrable(host)
    imitated = []
    for official in domains:
        official_name, _ = registrable(official)
        labels = host.split(".")
        # Subdomain trick: official.com.evil.io carries the official name in a label that is not the owner's.
        if official_name in labels[:-2] or official_name in re.split(r"[-_]", name) or _similar(name, official_name) \
                or any(_similar(label, official_name) for label in labels[:-2] if len(label) >= 4):
            imitated.append(official)
    if imitated:
        return Verdict(IMPERSONATION, DOMAIN, host, imitated, "look-alike")
    return Verdict(UNKNOWN, DOMAIN, host)


def _check_email(address: str, officials: list[Official]) -> Verdict:
    local, domain = address.rsplit("@", 1)
    if any(o.kind == EMAIL and o.value == address for o in officials):
        return Verdict(OFFICIAL, EMAIL, address, [address])
    by_domain = _check_domain(domain, officials)
    if by_domain.verdict != UNKNOWN:
        return Verdict(by_domain.verdict, EMAIL, address, by_domain.imitates, by_domain.reason)
    if domain in _FREEMAIL:
        brands = [o.value for o in officials if o.kind == DOMAIN
                  if _similar(re.split(r"[._+-]", local)[0], registrable(o.value)[0])
                  or registrable(o.value)[0] in skeleton(local)]
        if brands:
            return Verdict(IMPERSONATION, EMAIL, address, brands, "brand at a free mail provider")
    return Verdict(UNKNOWN, EMAIL, address)


def _check_handle(kind: str, handle: str, officials: list[Official]) -> Verdict:
    kinds = {TELEGRAM, X} if kind == HANDLE else {kind}
    handles = [o for o in officials if o.kind in kinds]
    for official in handles:
        if handle == official.value:
            return Verdict(OFFICIAL, official.kind, handle, [official.value])
    # Handles imitate the official handles, and the exchange's domain name too ("@okx_support_desk").
    names = [(o.value, o.value) for o in handles]
    names += [(registrable(o.value)[0], o.value) for o in officials if o.kind == DOMAIN]
    first = re.split(r"[/?]", handle)[0]
    imitated = sorted({label for name, label in names if _similar(first, name)})
    if imitated:
        return Verdict(IMPERSONATION, kind, handle, imitated, "look-alike")
    return Verdict(UNKNOWN, kind, handle)


def _userinfo_trick(raw: str, officials: list[Official]) -> Verdict | None:
    """https://official.com@evil.io/ goes to evil.io; the part before @ is only decoration."""
    match = re.match(r"^(?:https?://)?([^/@\s]+)@([^/\s]+)/", raw.strip().lower() + "/")
    if not match or "://" not in raw:
        return None
    decoy = _host_of(match.group(1))
    if decoy and _check_domain(decoy, officials).verdict != UNKNOWN:
        real = _host_of(match.group(2))
        if real and _check_domain(real, officials).verdict != OFFICIAL:
            imitated = [o.value for o in officials if o.kind == DOMAIN
                        and (decoy == o.value or decoy.endswith("." + o.value)
                             or _similar(registrable(decoy)[0], registrable(o.value)[0]))]
            return Verdict(IMPERSONATION, DOMAIN, real, imitated, "official name before @ in the link")
    return None


def check(raw: str, officials: list[Official]) -> Verdict:
    """The verdict for what a customer typed, against the list of official channels."""
    trick = _userinfo_trick(raw, officials)
    if trick is not None:
        return trick
    kind, value = classify(raw)
    if kind == INVALID:
        return Verdict(INVALID, INVALID, value)
    if kind == DOMAIN:
        return _check_domain(value, officials)
    if kind == EMAIL:
        return _check_email(value, officials)
    if kind == PHONE:
        digits = value.lstrip("+")
        match = [o.value for o in officials if o.kind == PHONE and o.value.lstrip("+") == digits]
        return Verdict(OFFICIAL if match else UNKNOWN, PHONE, value, match)
    return _check_handle(kind, value, officials)


_LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。）)]+|(?<![@\w.])(?:[a-z0-9-]+\.)+[a-z]{2,24}(?:/[^\s<>\"'，。）)]*)?",
                   re.IGNORECASE)


def lookalike_links(text: str, officials: list[Official]) -> list[Verdict]:
    """Links in a message that imitate an official domain (for the inbound flag)."""
    if not any(o.kind == DOMAIN for o in officials):
        return []
    found, seen = [], set()
    for m in _LINK.finditer(text or ""):
        host = _host_of(m.group().lower())
        if not host or host in seen:
            continue
        seen.add(host)
        verdict = _check_domain(host, officials)
        if verdict.verdict == IMPERSONATION:
            found.append(verdict)
    return found


def has_link(text: str) -> bool:
    """Cheap pre-check: does the text hold anything that looks like a link or domain?"""
    return bool(_LINK.search(text or ""))
