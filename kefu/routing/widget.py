"""Texts of the routing widget plug-in, in the customer's language."""

from __future__ import annotations

from django.utils.translation import gettext as _


def widget_strings(language: str) -> dict[str, str]:
    return {
        "routing.position": _("You are number {n} in the queue."),
        "routing.wait": _("Expected wait: about {m} min."),
        "routing.estimating": _("We are estimating the wait."),
        "routing.surge": _("We are receiving many requests right now; thank you for your patience."),
        "routing.surge_wait": _("We are receiving many requests right now; the expected wait is about {m} min."),
    }
