"""Reading an inbound email: headers, bodies, quoted replies, signatures, attachments, auto-replies.

Pure functions over bytes, no database: `parse_email(raw)` returns a `ParsedEmail`. Chinese mail is
common here, so charsets are read leniently: GB2312 and GBK labels are decoded as GB18030 (their
superset, which is what clients really send under those labels) and RFC 2047 headers are decoded per
encoded word.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from kefu.channels.base import InboundFile

CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                   "gb_2312-80": "gb18030", "euc-cn": "gb18030", "ascii": "utf-8", "us-ascii": "utf-8"}
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")
CONVERSATION_TOKEN_RE = re.compile(r"\[#(\d{4,18})\]")
REPLY_PREFIX_RE = re.compile(r"^\s*((re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)


@dataclass
class ParsedEmail:
    message_id: str
    subject: str
    from_name: str
    from_address: str
    to_addresses: list[str]
    in_reply_to: list[str]
    references: list[str]
    body: str  # the new text only: quoted replies and signature stripped
    full_text: str  # the whole text body (HTML sanitized to text), before stripping
    attachments: list[InboundFile] = field(default_factory=list)
    auto_reason: str = ""  # why this is an auto-reply or bounce; empty for mail a person wrote

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this email answers, nearest first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))

    @property
    def conversation_number(self) -> int | None:
        match = CONVERSATION_TOKEN_RE.search(self.subject)
        return int(match.group(1)) if match else None

    @property
    def clean_subject(self) -> str:
        """The subject without Re:/Fwd:/回复: prefixes and the [#number] token."""
        return REPLY_PREFIX_RE.sub("", CONVERSATION_TOKEN_RE.sub("", self.subject)).strip()


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Bytes in a declared charset to text; wrong or unknown labels never raise."""
    name = (charset or "utf-8").strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    for candidate in (name, "utf-8", "gb18030"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def decode_header_value(value: str | None) -> str:
    """An RFC 2047 header (=?GB2312?B?...?=, =?UTF-8?Q?...?=) to text."""
    if not value:
        return ""
    parts = []
    for chunk, charset in decode_header(str(value)):
        parts.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


class _TextExtractor(HTMLParser):
    """HTML to plain text: keeps the words and line breaks, drops tags, scripts, styles and quotes."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr"}
    SKIP = {"script", "style", "head", "title", "blockquote"}
    QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_stack: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        quoted = any(name in (attributes.get("class") or "") for name in self.QUOTE_CLASSES)
        if self.skip_stack or tag in self.SKIP or quoted or attributes.get("id") == "divRplyFwdMsg":
            if tag not in {"br", "hr", "img", "meta", "link", "input"}:
                self.skip_stack.append(tag)
            return
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if self.skip_stack:
            if tag == self.skip_stack[-1]:
                self.skip_stack.pop()
            return
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_stack:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> str:
    """Sanitize HTML to text: no markup, scripts, styles or quoted history survive."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [line.strip() for line in "".join(extractor.parts).replace("\xa0", " ").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# A line where the quoted earlier message starts; everything from it on is history.
QUOTE_HEADERS = [
    re.compile(r"^On\s.{1,300}\swrote:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^在.{1,300}写道\s*[:：]\s*$", re.DOTALL),
    re.compile(r"^-{2,}\s*原始邮件\s*-{2,}\s*$"),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*Forwarded message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^(From|发件人)\s*[:：].+", re.IGNORECASE),
]
SIGNATURE_LINES = [
    re.compile(r"^--\s?$"),
    re.compile(r"^(Sent from my|Get Outlook for)\b.*", re.IGNORECASE),
    re.compile(r"^(发自我的|来自我的|从我的).{0,30}$"),
]


def _starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    joined = f"{line} {lines[index + 1].strip()}" if index + 1 < len(lines) else line
    for pattern in QUOTE_HEADERS:
        if pattern.match(line):
            if pattern.pattern.startswith("^(From"):
                # Outlook's header block: From: then Sent:/Date:/发送时间: within the next lines.
                following = " ".join(lines[index + 1:index + 4])
                return bool(re.search(r"(Sent|Date|发送时间|时间|日期)\s*[:：]", following))
            return True
        if pattern.pattern.startswith(("^On", "^在")) and pattern.match(joined):
            return True  # the "On ... wrote:" line wrapped in two
    return False


def strip_quoted_reply(text: str) -> str:
    """Keep what the sender wrote now: cut the quoted history, ">" lines and the signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _starts_quote(lines, index):
            break
        if any(pattern.match(line.strip()) for pattern in SIGNATURE_LINES):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return result or text.strip()


def _auto_reason(message: Message, from_address: str, subject: str) -> str:
    auto_submitted = (message.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto-submitted"
    if (message.get("Precedence") or "").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return "precedence"
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("X-Auto-Reply"):
        return "autoreply-header"
    if "all" in (message.get("X-Auto-Response-Suppress") or "").lower():
        return "autoreply-header"
    if message.get_content_type() == "multipart/report":
        return "bounce"
    local = from_address.split("@")[0].lower()
    if local in {"mailer-daemon", "postmaster"}:
        return "bounce"
    if local in {"noreply", "no-reply", "donotreply", "do-not-reply"}:
        return "no-reply-sender"
    if (message.get("Return-Path") or "").strip() == "<>":
        return "bounce"
    if re.match(r"^\s*(auto(matic)?\s*reply|out of (the )?office|自动回复|自动答复)", subject, re.IGNORECASE):
        return "auto-reply-subject"
    return ""


def _bodies_and_files(message: Message) -> tuple[str, str, list[InboundFile]]:
    plain, html, files = [], [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = decode_header_value(part.get_filename()) if part.get_filename() else ""
        payload = part.get_payload(decode=True) or b""
        content_type = part.get_content_type()
        if disposition == "attachment" or filename or not content_type.startswith("text/"):
            if payload and content_type != "message/delivery-status":
                files.append(InboundFile(filename or f"attachment{len(files) + 1}", payload, content_type))
            continue
        text = decode_bytes(payload, part.get_content_charset())
        (html if content_type == "text/html" else plain).append(text)
    return "\n".join(plain), "\n".join(html), files


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one RFC 5322 message (as received over SMTP or fetched over IMAP)."""
    message = email.message_from_bytes(raw)
    subject = decode_header_value(message.get("Subject"))
    from_name, from_address = parseaddr(decode_header_value(message.get("From")))
    to_addresses = [addr.lower() for _name, addr in getaddresses(message.get_all("To", []) + message.get_all(
        "Cc", [])) if addr]
    message_id = (MESSAGE_ID_RE.findall(message.get("Message-ID") or "") or [""])[0]
    if not message_id:
        # Without a Message-ID the content itself is the identity, so a redelivery still matches.
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    plain, html, files = _bodies_and_files(message)
    full_text = plain.strip() or html_to_text(html)
    return ParsedEmail(
        message_id=message_id, subject=subject, from_name=from_name, from_address=from_address.lower(),
        to_addresses=to_addresses,
        in_reply_to=MESSAGE_ID_RE.findall(message.get("In-Reply-To") or ""),
        references=MESSAGE_ID_RE.findall(" ".join(message.get_all("References", []))),
        body=strip_quoted_reply(full_text), full_text=full_text, attachments=files,
        auto_reason=_auto_reason(message, from_address.lower(), subject),
    )
