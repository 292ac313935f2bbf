"""Per-inbox assistant settings. (The conversation flow lives in conversation.py, content gaps in gaps.py.)"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.assistant.models import AssistantSettings
from kefu.core.errors import InvalidInput


def update_inbox_settings(inbox, *, enabled: bool | None = None, answer_threshold: float | None = None,
                          clarify_threshold: float | None = None,
                          surge_answer_threshold: float | None = None) -> AssistantSettings:
    """Switch the assistant on/off for an inbox or change its thresholds (0 <= clarify <= answer <= 1, and
    the surge threshold between clarify and answer)."""
    from django.conf import settings

    current = AssistantSettings.objects.filter(inbox=inbox).first() or AssistantSettings(
        inbox=inbox, enabled=settings.KEFU_ASSISTANT_DEFAULT_ENABLED)
    if enabled is not None:
        current.enabled = bool(enabled)
    if answer_threshold is not None:
        current.answer_threshold = float(answer_threshold)
    if clarify_threshold is not None:
        current.clarify_threshold = float(clarify_threshold)
    if surge_answer_threshold is not None:
        current.surge_answer_threshold = float(surge_answer_threshold)
    else:  # not given: keep it within the (possibly moved) other two
        current.surge_answer_threshold = min(max(current.surge_answer_threshold, current.clarify_threshold),
                                             current.answer_threshold)
    if not 0 <= current.clarify_threshold <= current.answer_threshold <= 1:
        raise InvalidInput(_("Thresholds must satisfy 0 ≤ clarify ≤ answer ≤ 1."))
    if not current.clarify_threshold <= current.surge_answer_threshold <= current.answer_threshold:
        raise InvalidInput(_("The surge threshold must lie between the clarify and the answer threshold."))
    current.save()
    return current
