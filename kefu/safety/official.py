"""The official-channel registry and what /verify and the inbound link check need from it."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.conversations.taxonomy import AuthorType
from kefu.safety import lookalike
from kefu.safety.models import OfficialChannel

# Keys of an inbox's channel settings (`Inbox.config`, or attributes) that name a public address of the
# exchange: the email channel's "address"/"from_address", a Telegram bot's username.
_INBOX_ATTRIBUTES = {
    "address": lookalike.EMAIL, "from_address": lookalike.EMAIL, "email_address": lookalike.EMAIL,
    "bot_username": lookalike.TELEGRAM, "telegram_username": lookalike.TELEGRAM,
}


def normalize_official(kind: str, value: str) -> str:
    """The form a registry value is stored and compared in."""
    value = (value or "").strip()
    if kind == lookalike.DOMAIN:
        return lookalike.decode_host(lookalike._host_of(value.lower()) or value.lower())
    if kind == lookalike.EMAIL:
        return value.lower()
    if kind == lookalike.PHONE:
        return re.sub(r"[^\d+]", "", value)
    return value.lower().lstrip("@").removeprefix("https://").removeprefix("t.me/").removeprefix("x.com/")


def _from_inboxes() -> list[lookalike.Official]:
    from kefu.channels.models import Inbox

    return channels_of_inboxes(Inbox.objects.filter(is_active=True))


def channels_of_inboxes(inboxes) -> list[lookalike.Official]:
    """The public addresses named in the inboxes' channel settings."""
    found = []
    for inbox in inboxes:
        config = getattr(inbox, "config", None) or {}
        for attribute, kind in _INBOX_ATTRIBUTES.items():
            value = getattr(inbox, attribute, None) or (config.get(attribute) if isinstance(config, dict) else None)
            if isinstance(value, str) and value.strip():
                found.append(lookalike.Official(kind, normalize_official(kind, value)))
                if kind == lookalike.EMAIL and "@" in value:
                    found.append(lookalike.Official(lookalike.DOMAIN, value.rsplit("@", 1)[1].lower()))
    return found


def _from_settings() -> list[lookalike.Official]:
    return [lookalike.Official(lookalike.DOMAIN, normalize_official(lookalike.DOMAIN, d))
            for d in getattr(settings, "KEFU_OFFICIAL_DOMAINS", [])]


def officials() -> list[lookalike.Official]:
    """Every official channel: the admin registry, the inboxes' configuration and KEFU_OFFICIAL_DOMAINS."""
    found = [lookalike.Official(o.kind, o.value) for o in OfficialChannel.objects.filter(active=True)]
    found += _from_inboxes() + _from_settings()
    return list(dict.fromkeys(found))


def check_value(value: str) -> lookalike.Verdict:
    """Is what the customer typed an official channel, an impersonation, or unknown?"""
    return lookalike.check(value, officials())


def lookalike_links_in(text: str) -> list[dict]:
    """Links in a message that imitate an official domain, as Message.meta entries."""
    if not lookalike.has_link(text):
        return []
    return [{"host": v.value, "imitates": v.imitates} for v in lookalike.lookalike_links(text, officials())]


def warn_about_links(conversation, links: list[dict], language: str) -> None:
    """Tell the customer at once that a link in their message is not ours."""
    from kefu.conversations.services import Actor, post_message

    if conversation.is_closed:
        return
    with translation.override(language):
        hosts = ", ".join(link["host"] for link in links)
        real = ", ".join(sorted({o for link in links for o in link["imitates"]}))
        text = _("Careful: %(hosts)s is not an official site of ours; it imitates %(real)s. Do not sign in "
                 "or send anything there. Check any link at /verify.") % {"hosts": hosts, "real": real}
    post_message(conversation, Actor.system(), text, author_type=AuthorType.SYSTEM)


@transaction.atomic
def save_official(kind: str, value: str, note: str = "", active: bool = True,
                  channel: OfficialChannel | None = None) -> OfficialChannel:
    """Add or change an official channel in the registry (admin API and admin site)."""
    from kefu.core.errors import Conflict, InvalidInput

    if kind not in lookalike_kinds():
        raise InvalidInput(_("kind must be one of: %(kinds)s") % {"kinds": ", ".join(lookalike_kinds())})
    normalized = normalize_official(kind, value)
    if not normalized:
        raise InvalidInput(_("value is empty"))
    clash = OfficialChannel.objects.filter(kind=kind, value=normalized)
    if channel is not None:
        clash = clash.exclude(pk=channel.pk)
    if clash.exists():
        raise Conflict(_("%(value)s is already in the registry.") % {"value": normalized})
    channel = channel or OfficialChannel()
    channel.kind, channel.value, channel.note, channel.active = kind, normalized, note[:300], active
    channel.save()
    return channel


def delete_official(channel: OfficialChannel) -> None:
    """Remove a channel from the registry."""
    channel.delete()


def lookalike_kinds() -> list[str]:
    from kefu.safety.models import OfficialKind

    return list(OfficialKind.values)


def _report_inbox():
    from kefu.channels.models import ChannelKind, Inbox

    inbox = Inbox.objects.filter(kind=ChannelKind.API, is_active=True).order_by("-is_default_api_inbox", "pk").first()
    return inbox or Inbox.objects.create(name="API", kind=ChannelKind.API, is_default_api_inbox=True)


def report_impersonator(value: str, *, details: str = "", email: str = "", language: str | None = None):
    """A customer reports an impersonator from /verify: stores the report and opens a conversation for the
    security team (category security.phishing, high priority; urgent when the value imitates us)."""
    from kefu.contacts.models import Contact
    from kefu.conversations.services import Actor, Changes, create_conversation, update_conversation
    from kefu.conversations.taxonomy import Category, Priority
    from kefu.core.errors import InvalidInput
    from kefu.core.i18n import normalize_language
    from kefu.safety.models import ImpersonationReport
    from kefu.safety.services import security_team

    value, details, email = (value or "").strip()[:500], (details or "").strip()[:4000], (email or "").strip()[:254]
    if not value:
        raise InvalidInput(_("Tell us the link, address, number or account you want to report."))
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidInput(_("That email address does not look right."))
    language = normalize_language(language)
    verdict = check_value(value)
    with transaction.atomic():
        # A fresh contact: a self-declared email must never attach the report to someone else's history.
        contact = Contact.objects.create(name=_("Impersonation report"), email=email, language=language)
        with translation.override(language):
            body = _("Impersonation report: %(value)s\nOur check: %(verdict)s%(imitates)s\n%(details)s") % {
                "value": value, "verdict": verdict.verdict,
                "imitates": (" (" + ", ".join(verdict.imitates) + ")") if verdict.imitates else "",
                "details": details}
        priority = Priority.URGENT if verdict.verdict == lookalike.IMPERSONATION else Priority.HIGH
        conversation, _created = create_conversation(
            _report_inbox(), contact, Actor.for_customer(contact), body=body.strip(), language=language,
            category=Category.SECURITY_PHISHING, priority=priority,
            subject=(_("Impersonator reported: %(value)s") % {"value": value})[:200])
        conversation = update_conversation(conversation, Actor.system(), Changes(team=security_team()))
        report = ImpersonationReport.objects.create(
            value=value, kind=verdict.kind, verdict=verdict.verdict, imitates=", ".join(verdict.imitates)[:255],
            details=details, reporter_email=email, conversation=conversation)
    return report
