"""Markdown to safe HTML: markdown-it renders, nh3 (ammonia) keeps only harmless tags and attributes."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "table", "thead", "tbody", "tr", "th", "td", "del", "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # No raw HTML from authors; tables and strikethrough on.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> str:
    """Render an article body to HTML that is safe to show on the public help center."""
    html = _markdown().render(text or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


def plain_text(markdown_text: str) -> str:
    """The words of a Markdown body without markup, for the search index and snippets."""
    html = _markdown().render(markdown_text or "")
    return " ".join(nh3.clean(html, tags=set()).split())
