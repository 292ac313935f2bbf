"""The matcher over the published help center, rebuilt in each process when the articles change.

The engine (engine.py) knows nothing of the database; this module feeds it the published language
versions (titles, example questions, short answers) and caches the result keyed by a cheap fingerprint
of the knowledge base (count and newest change of the published versions).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max

from kefu.assistant.engine import Entry, Matcher
from kefu.knowledge.models import EDITED_LANGUAGES, ArticleStatus, ArticleTranslation

# Articles with this tag must always reach a person (refunds, compromised accounts): the assistant
# never answers them, it hands off (see engine.decide's sensitive_doc_ids).
HANDOFF_TAG = "handoff"
TITLE_WEIGHT = 1.0
QUESTION_WEIGHT = 1.0
SHORT_ANSWER_WEIGHT = 0.5


@dataclass(frozen=True)
class KnowledgeIndex:
    matcher: Matcher
    sensitive: frozenset[str]


def published_entries() -> tuple[list[Entry], frozenset[str]]:
    """Matcher entries for every published zh-Hans/en version; doc ids are article slugs."""
    entries: list[Entry] = []
    translations = (ArticleTranslation.objects.filter(article__status=ArticleStatus.PUBLISHED,
                                                      language__in=EDITED_LANGUAGES)
                    .select_related("article").order_by("article_id", "language"))
    for t in translations:
        slug = t.article.slug
        entries.append(Entry(slug, t.title, t.language, TITLE_WEIGHT))
        entries.extend(Entry(slug, q, t.language, QUESTION_WEIGHT) for q in t.questions)
        if t.short_answer:
            entries.append(Entry(slug, t.short_answer, t.language, SHORT_ANSWER_WEIGHT))
    sensitive = frozenset(ArticleTranslation.objects.filter(
        article__status=ArticleStatus.PUBLISHED, article__tags__name=HANDOFF_TAG,
    ).values_list("article__slug", flat=True))
    return entries, sensitive


_lock = threading.Lock()
_cache: dict[str, tuple[tuple, KnowledgeIndex]] = {}


def _fingerprint() -> tuple:
    state = ArticleTranslation.objects.filter(article__status=ArticleStatus.PUBLISHED).aggregate(
        n=Count("id"), changed=Max("updated_at"), article_changed=Max("article__updated_at"))
    return connection.settings_dict["NAME"], state["n"], state["changed"], state["article_changed"]


def current() -> KnowledgeIndex:
    """The matcher for the help center as it is now (rebuilt only when an article changed)."""
    key = _fingerprint()
    cached = _cache.get("default")
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        cached = _cache.get("default")
        if cached is not None and cached[0] == key:
            return cached[1]
        entries, sensitive = published_entries()
        index = KnowledgeIndex(Matcher(entries), sensitive)
        _cache["default"] = (key, index)
        return index


def clear() -> None:
    _cache.clear()
