"""Safety verbs: redact secrets from inbound text, warn and escalate, block outbound requests for secrets.

The message filters in kefu.safety.wiring call these; nothing here is specific to one channel.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent, Team
from kefu.conversations.models import Conversation
from kefu.conversations.taxonomy import AuthorType, Priority
from kefu.core.i18n import normalize_language
from kefu.safety import detectors, outbound
from kefu.safety.errors import SecretRequestBlocked
from kefu.safety.models import BlockedMessage

log = logging.getLogger(__name__)

SECURITY_TEAM_SLUG = "security"
# Kinds whose leak gives the customer's coins away at once: the conversation goes to the security team.
ESCALATING_KINDS = {detectors.SEED_PHRASE, detectors.PRIVATE_KEY}


def _kind_label(kind: str) -> str:
    labels = {
        detectors.SEED_PHRASE: _("seed phrase"),
        detectors.PRIVATE_KEY: _("private key"),
        detectors.API_SECRET: _("API secret"),
        detectors.OTP_CODE: _("2FA code"),
        detectors.PASSWORD: _("password"),
        outbound.REMOTE_ACCESS: _("remote-access software"),
        outbound.FUND_TRANSFER: _("a transfer of funds"),
    }
    return labels.get(kind, kind)


def message_language(text: str, fallback: str | None) -> str:
    """The language to answer in: the one the customer wrote in (Chinese characters, else Latin words),
    else their setting."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text or ""):
        return "zh-hans"
    if len(re.findall(r"[A-Za-z]", text or "")) >= 3:
        return "en"
    return normalize_language(fallback)


def marker(kind: str, language: str) -> str:
    """What replaces a secret in the stored text: "[redacted: seed phrase]" / "[已隐去：助记词]"."""
    with translation.override(language):
        return _("[redacted: %(what)s]") % {"what": _kind_label(kind)}


@dataclass
class Redaction:
    text: str
    kinds: list[str] = field(default_factory=list)
    language: str = "en"

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def redact(text: str, language: str | None = None) -> Redaction:
    """Replace every secret in `text` by a marker naming its kind; returns the new text and the kinds.

    Pure apart from translation; never logs the text."""
    findings = detectors.find_secrets(text or "")
    if not findings:
        return Redaction(text or "")
    # Decide the language on what is left around the secrets (an English seed says nothing about it).
    rest, last = [], 0
    for finding in findings:
        rest.append(text[last:finding.start])
        last = finding.end
    rest.append(text[last:])
    language = message_language(" ".join(rest), language)
    parts, last = [], 0
    for finding in findings:
        parts += [text[last:finding.start], marker(finding.kind, language)]
        last = finding.end
    parts.append(text[last:])
    kinds = [k for k in detectors.KINDS if k in {f.kind for f in findings}]
    return Redaction("".join(parts), kinds, language)


def warning_text(kinds: list[str], language: str) -> str:
    """The reply a customer gets at once after sharing a secret, in their language."""
    with translation.override(language):
        what = ", ".join(_kind_label(k) for k in kinds)
        text = _("For your safety we removed what looked like your %(what)s from this chat. "
                 "Support never needs it and will never ask for it.") % {"what": what}
        advice = []
        if detectors.SEED_PHRASE in kinds or detectors.PRIVATE_KEY in kinds:
            advice.append(_("If you shared it here or anywhere else, treat the wallet as compromised: create a new "
                            "wallet now and move your funds to it. Our security team has been alerted."))
        if detectors.PASSWORD in kinds or detectors.API_SECRET in kinds:
            advice.append(_("Change your password or delete that API key now."))
        if detectors.OTP_CODE in kinds:
            advice.append(_("Never give a 2FA code to anyone; if you did, change your password and reset 2FA."))
        return " ".join([text, *advice])


def security_team() -> Team:
    """The team that handles leaked secrets and impersonation; created on first need if an admin has not."""
    team, _created = Team.objects.get_or_create(
        slug=SECURITY_TEAM_SLUG, defaults={"name": "Security", "description": "Leaked secrets, phishing, freezes"})
    return team


def escalate_to_security(conversation: Conversation, reason: str = "") -> Conversation:
    """Move a conversation to the security team at urgent priority (audited, with events)."""
    from kefu.conversations.services import Actor, Changes, update_conversation

    changes = Changes(priority=Priority.URGENT, team=security_team())
    conversation = update_conversation(conversation, Actor.system(), changes)
    log.info("conversation %s escalated to security (%s)", conversation.pk, reason)
    return conversation


def warn_and_escalate(conversation: Conversation, kinds: list[str], language: str) -> None:
    """After a customer shared secrets: answer at once, and raise seeds/keys to the security team."""
    from kefu.conversations.services import Actor, post_message

    if conversation.is_closed:
        return
    post_message(conversation, Actor.system(), warning_text(kinds, language), author_type=AuthorType.SYSTEM)
    if ESCALATING_KINDS & set(kinds):
        escalate_to_security(conversation, ",".join(kinds))


def check_outbound(body: str) -> list[str]:
    """The kinds of forbidden request in an outgoing message (empty when it may be sent)."""
    return outbound.request_kinds(body)


def blocked_error(kinds: list[str], language: str | None = None) -> SecretRequestBlocked:
    """The domain error shown to the agent (422 problem body in the API, error in the console composer)."""
    with translation.override(normalize_language(language)):
        what = ", ".join(_kind_label(k) for k in kinds)
        detail = _("Not sent: this message asks the customer for %(what)s. Support never asks for that; "
                   "scammers do. Rephrase it (for example, ask for the TxID or a screenshot).") % {"what": what}
    return SecretRequestBlocked(detail, kinds=kinds)


def record_blocked(body: str, kinds: list[str], *, conversation: Conversation | None, agent: Agent | None,
                   author_type: str, source: str = "message") -> BlockedMessage:
    """Keep a blocked attempt for supervisors.

    The refusal may roll back the caller's transaction (create_conversation is atomic); a record written
    inside one is remembered and written again once the request has finished if the rollback took it."""
    record = BlockedMessage.objects.create(
        conversation_id=conversation.pk if conversation else None, agent_id=agent.pk if agent else None,
        author_type=author_type, source=source, kinds=kinds, body=body[:4000])
    if transaction.get_connection().in_atomic_block:
        if not hasattr(_pending, "records"):
            _pending.records = []
        _pending.records.append(record)
    return record


_pending = threading.local()


def forget_pending_blocked() -> None:
    """Drop the records waiting for flush_blocked_records (a test's rolled-back rows must not reach the next)."""
    _pending.records = []


def flush_blocked_records() -> None:
    """Write again the blocked-message records that a rolled-back transaction took away."""
    records = getattr(_pending, "records", [])
    _pending.records = []
    for record in records:
        if not BlockedMessage.objects.filter(pk=record.pk).exists():
            record.pk = None
            record.save()


def guard_outbound(body: str, *, conversation: Conversation | None, agent: Agent | None, author_type: str,
                   source: str = "message", language: str | None = None) -> None:
    """Refuse an agent/bot/macro text that asks for a secret, remote access or a transfer (records it)."""
    kinds = check_outbound(body)
    if not kinds:
        return
    record_blocked(body, kinds, conversation=conversation, agent=agent, author_type=author_type, source=source)
    raise blocked_error(kinds, language or (agent.language if agent else None))
