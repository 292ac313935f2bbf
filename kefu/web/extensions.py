"""Extension points of the agent console and the chat widget, for the other apps.

Register from ``AppConfig.ready()``:

- ``register_conversation_panel(template, context=None, order=100)``: a box in the conversation's side
  column. ``template`` is rendered with the console's context plus ``panel`` (what ``context(request,
  conversation)`` returned, if given). Re-rendered whenever the conversation detail is.
- ``register_message_extra(template, order=100)``: rendered under each message of the timeline, with
  ``message`` (the Message, ``message.meta`` included) and ``conversation`` in the context. Keep it
  cheap: it runs once per message.
- ``register_console_nav(label, url_name, roles=None, order=100)``: a link in the console's top bar
  (``roles``: a set of Agent roles that see it; None = everyone signed in).
- ``register_widget_plugin(static_path, order=100)``: a JavaScript file from the static files, served
  inside ``/widget.js`` before the widget itself. See docs/extending.md for the plug-in API.
- ``register_widget_strings(provider)``: more translated widget texts for the plug-ins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class ConversationPanel:
    template: str
    context: Callable[[HttpRequest, Any], dict] | None
    order: int


@dataclass(frozen=True)
class MessageExtra:
    template: str
    order: int


@dataclass(frozen=True)
class ConsoleNav:
    label: Any  # a lazy translation
    url_name: str
    roles: frozenset[str] | None
    order: int


@dataclass(frozen=True)
class WidgetPlugin:
    static_path: str
    order: int


conversation_panels: list[ConversationPanel] = []
message_extras: list[MessageExtra] = []
console_nav: list[ConsoleNav] = []
widget_plugins: list[WidgetPlugin] = []
widget_string_providers: list[Callable[[str], dict[str, str]]] = []


def _add(registry: list, item, key: str) -> None:
    if all(getattr(existing, key) != getattr(item, key) for existing in registry):
        registry.append(item)
        registry.sort(key=lambda entry: (entry.order, getattr(entry, key)))


def register_conversation_panel(template: str, context: Callable[[HttpRequest, Any], dict] | None = None,
                                order: int = 100) -> None:
    _add(conversation_panels, ConversationPanel(template, context, order), "template")


def register_message_extra(template: str, order: int = 100) -> None:
    _add(message_extras, MessageExtra(template, order), "template")


def register_console_nav(label: Any, url_name: str, roles: set[str] | None = None, order: int = 100) -> None:
    _add(console_nav, ConsoleNav(label, url_name, frozenset(roles) if roles else None, order), "url_name")


def register_widget_plugin(static_path: str, order: int = 100) -> None:
    _add(widget_plugins, WidgetPlugin(static_path, order), "static_path")


def register_widget_strings(provider: Callable[[str], dict[str, str]]) -> None:
    """``provider(language)`` returns more widget texts (``gettext`` them; the language is already
    active); plug-ins read them with ``api.t(key)``. Prefix keys with your app's name."""
    if provider not in widget_string_providers:
        widget_string_providers.append(provider)


def panels_for(request: HttpRequest, conversation) -> list[dict]:
    """The side panels of one conversation, each with its own context, ready to include."""
    rendered = []
    for panel in conversation_panels:
        extra = panel.context(request, conversation) if panel.context else {}
        if extra is None:  # a panel that has nothing to show for this conversation
            continue
        rendered.append({"template": panel.template, "context": extra})
    return rendered


def nav_for(user) -> list[ConsoleNav]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in console_nav if item.roles is None or getattr(user, "role", None) in item.roles]
