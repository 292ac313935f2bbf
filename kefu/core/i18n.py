"""Language helpers shared by the widget, API and console."""

from __future__ import annotations

SUPPORTED = ("en", "zh-hans")


def normalize_language(value: str | None) -> str:
    """Map a browser or API language tag to one kefu supports ('zh-CN', 'zh_Hans' -> 'zh-hans')."""
    tag = (value or "").strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-hans"
    return "en"


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def language_of_text(text: str | None) -> str | None:
    """'zh-hans' when a message is written in Chinese (at least as many Chinese characters as Latin
    words in its first 500 characters: "我的USDT没到账" is Chinese), else None: nothing to go by, keep
    whatever language is already known. Used where no language was given (API, email)."""
    sample = (text or "")[:500]
    cjk = sum(1 for ch in sample if _is_cjk(ch))
    if not cjk:
        return None
    latin_words = sum(1 for word in sample.split() if any("a" <= ch.lower() <= "z" for ch in word))
    return "zh-hans" if cjk >= latin_words else None
