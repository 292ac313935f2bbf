"""Per-inbox assistant settings. (The conversation flow lives in conversation.py, content gaps in gaps.py.)"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.assistant.models import AssistantSettings
from kefu.core.errors import InvalidInput


def update_inbox_settings(inbox, *, enabled: bool | None = None, answer_threshold: float | None = None,
                          clarify_threshold: float | None = None) -> AssistantSettings:
    """Switch the assistant on/off for an inbox or change its thresholds (0 <= clarify <= answer <= 1)."""
    from django.conf import settings

    current = AssistantSettings.objects.filter(inbox=inbox).first() or AssistantSettings(
        inbox=inbox, enabled=settings.KEFU_ASSISTANT_DEFAULT_ENABLED)
    if enabled is not None:
        current.enabled = bool(enabled)
    if answer_threshold is not None:
        current.answer_threshold = float(answer_threshold)
    if clarify_threshold is not None:
        current.clarify_threshold = float(clarify_threshold)
    if not 0 <= current.clarify_threshold <= current.answer_threshold <= 1:
        raise InvalidInput(_("Thresholds must satisfy 0 ≤ clarify ≤ answer ≤ 1."))
    current.save()
    return current
