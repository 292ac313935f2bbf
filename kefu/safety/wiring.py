"""How safety plugs into kefu: message filters, console extensions. Called from SafetyConfig.ready()."""

from __future__ import annotations

import logging

from django.core.signals import request_finished
from django.utils.translation import gettext_lazy as _

from kefu.conversations import hooks
from kefu.conversations.taxonomy import AuthorType

log = logging.getLogger(__name__)


def inbound_guard(draft: hooks.MessageDraft) -> None:
    """Redact secrets before anything is stored; customers get a warning and seeds/keys go to security."""
    from kefu.safety import official, services

    if draft.subject:
        subject = services.redact(draft.subject, draft.language)
        if subject.changed:
            draft.subject = subject.text
    redaction = services.redact(draft.body, draft.language)
    if redaction.changed:
        draft.body = redaction.text
        draft.meta.setdefault("safety", {})["redacted"] = redaction.kinds
        if draft.is_customer:
            draft.flags.add("secret_redacted")
            language = redaction.language
            kinds = redaction.kinds
            draft.after_commit.append(lambda message: services.warn_and_escalate(message.conversation, kinds, language))
    if draft.is_customer:
        links = official.lookalike_links_in(draft.body)
        if links:
            draft.meta.setdefault("safety", {})["lookalike_links"] = links
            language = services.message_language(draft.body, draft.language)
            draft.after_commit.append(lambda message: official.warn_about_links(message.conversation, links, language))


def outbound_guard(draft: hooks.MessageDraft) -> None:
    """Refuse public agent and bot messages that ask for a secret, remote access or a transfer of funds."""
    from kefu.safety import services

    if draft.internal or draft.author_type not in (AuthorType.AGENT, AuthorType.BOT):
        return
    if draft.author_type == AuthorType.BOT and _quotes_the_help_center(draft.meta):
        return
    services.guard_outbound(draft.body, conversation=draft.conversation, agent=draft.actor.agent,
                            author_type=draft.author_type, source="message")


def _quotes_the_help_center(meta: dict) -> bool:
    """The bot quoting published articles (an answer's short answer and link, or article titles as
    choices): the exchange's own reviewed help content, which tells customers to enter codes in the app
    or move funds between their own accounts; the guard would take those instructions for requests.
    Generated answers (the optional LLM mode) are checked like everything else."""
    assistant = (meta or {}).get("assistant") or {}
    return assistant.get("kind") in {"answer", "clarify"} and not assistant.get("generated")


def _flush_blocked(**_kwargs) -> None:
    from kefu.safety import services

    try:
        services.flush_blocked_records()
    except Exception:  # never break a response over the review log
        log.exception("could not store blocked-message records")


def connect() -> None:
    from kefu.web import extensions

    hooks.register_message_filter(inbound_guard, order=10)
    hooks.register_message_filter(outbound_guard, order=20)
    request_finished.connect(_flush_blocked, dispatch_uid="kefu.safety.flush_blocked")
    extensions.register_message_extra("safety/message_extra.html")
    extensions.register_console_nav(_("Blocked messages"), "safety:blocked", roles={"supervisor", "admin"})
    extensions.register_widget_plugin("safety/widget-safety.js")
    extensions.register_widget_strings(widget_strings)


def widget_strings(language: str) -> dict[str, str]:
    """Texts of the safety widget plug-in, in the widget's language."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        return {
            "safety.redacted": gettext("We removed a secret from this message for your safety. "
                                       "Support never needs it."),
            "safety.lookalike": gettext("Warning: {host} is not ours; it imitates {real}."),
            "safety.verify": gettext("Is this official? Check a link or account"),
        }
