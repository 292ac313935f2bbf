"""Every text the chat widget shows, translated on the server so both catalogs stay in .po files."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _


def widget_strings(language: str) -> dict[str, str]:
    from kefu.web.extensions import widget_string_providers

    with translation.override(language):
        strings = _core_strings(language)
        for provider in widget_string_providers:
            strings.update(provider(language))
        return strings


def _core_strings(language: str) -> dict[str, str]:
    return {
        "launcher": _("Chat with support"),
        "title": _("Customer support"),
        "subtitle": _("We reply around the clock"),
        "placeholder": _("Type your message…"),
        "send": _("Send"),
        "attach": _("Attach a file"),
        "close": _("Close"),
        "back": _("Back"),
        "connecting": _("Connecting…"),
        "offline": _("Reconnecting… your messages will be sent when the connection is back."),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "read": _("Read"),
        "failed": _("Not sent yet, retrying"),
        "typing": _("Support is typing…"),
        "download_html": _("Download transcript (HTML)"),
        "download_json": _("Download transcript (JSON)"),
        "new_conversation": _("New conversation"),
        "history": _("Past conversations"),
        "empty": _("Ask us anything about your account, deposits, withdrawals or trading."),
        "verified": _("Signed in as a verified user"),
        "anonymous": _("You are chatting as a guest. Sign in on the exchange to see your history "
                       "on every device."),
        "security_notice": _("Support will never ask for your password, seed phrase, private key or "
                             "2FA codes."),
        "you": _("You"),
        "agent": _("Support"),
        "bot": _("Assistant"),
        # The switch names the other language in that language, so it needs no translation.
        "switch_language": "English" if language == "zh-hans" else "中文",
        "upload_failed": _("The file could not be uploaded"),
        "status": _("Status"),
    }
