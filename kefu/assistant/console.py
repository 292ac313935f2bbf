"""The assistant in the agent console and the widget: side panel, message extra, content-gap page,
widget plug-in and its texts. Registered from AssistantConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.assistant.models import AssistantTurn
from kefu.web import extensions

EDITOR_ROLES = {"supervisor", "admin"}


def panel_context(request, conversation) -> dict | None:
    """What the bot tried in this conversation, for the agent who takes over (None: the bot did nothing)."""
    turns = list(AssistantTurn.objects.filter(conversation=conversation).order_by("pk"))
    if not turns:
        return None
    state = getattr(conversation, "assistant", None)
    return {"turns": turns, "state": state}


def widget_strings(language: str) -> dict[str, str]:
    return {
        "assistant.solved": gettext("Did this solve it?"),
        "assistant.yes": gettext("Yes, thanks"),
        "assistant.no": gettext("No"),
        "assistant.thanks": gettext("Thanks for the feedback."),
        "assistant.human": gettext("Talk to a person"),
        "assistant.suggestions": gettext("These articles may answer your question:"),
        "assistant.read": gettext("Read"),
    }


def register() -> None:
    extensions.register_conversation_panel("assistant/panel.html", context=panel_context, order=20)
    extensions.register_message_extra("assistant/message_extra.html", order=20)
    extensions.register_console_nav(_("Content gaps"), "assistant:gaps", roles=EDITOR_ROLES, order=30)
    extensions.register_console_nav(_("Help center"), "help:root", order=31)
    extensions.register_widget_plugin("assistant/widget-assistant.js", order=20)
    extensions.register_widget_strings(widget_strings)
