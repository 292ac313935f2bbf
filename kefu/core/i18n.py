"""Language helpers shared by the widget, API and console."""

from __future__ import annotations

SUPPORTED = ("en", "zh-hans")


def normalize_language(value: str | None) -> str:
    """Map a browser or API language tag to one kefu supports ('zh-CN', 'zh_Hans' -> 'zh-hans')."""
    tag = (value or "").strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-hans"
    return "en"
