"""The matcher over the published help center, rebuilt in each process when the articles change.

The engine (engine.py) knows nothing of the database; this module feeds it the published language
versions (titles, example questions, short answers) and caches the result keyed by a cheap fingerprint
of the knowledge base (count and newest change of the published versions). The fingerprint is read at
most every RECHECK_SECONDS per process (it was a query on every customer message); a change saved
through this process clears the cache at once, one made through another process is seen within that
time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max

from kefu.assistant.engine import Entry, Matcher
from kefu.knowledge.models import EDITED_LANGUAGES, Article, ArticleStatus, ArticleTranslation

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
    # Article slug -> its topic (a conversation category code), for articles that have one.
    topics: dict[str, str] = field(default_factory=dict)


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


RECHECK_SECONDS = 2.0
_lock = threading.Lock()
# "default" -> (fingerprint, index, monotonic time the fingerprint was last read)
_cache: dict[str, tuple[tuple, KnowledgeIndex, float]] = {}


def _fingerprint() -> tuple:
    state = ArticleTranslation.objects.filter(article__status=ArticleStatus.PUBLISHED).aggregate(
        n=Count("id"), changed=Max("updated_at"), article_changed=Max("article__updated_at"))
    return connection.settings_dict["NAME"], state["n"], state["changed"], state["article_changed"]


def current() -> KnowledgeIndex:
    """The matcher for the help center as it is now (rebuilt only when an article changed)."""
    now = time.monotonic()
    cached = _cache.get("default")
    if (cached is not None and now - cached[2] < RECHECK_SECONDS
            and cached[0][0] == connection.settings_dict["NAME"]):
        return cached[1]
    key = _fingerprint()
    if cached is not None and cached[0] == key:
        _cache["default"] = (key, cached[1], now)
        return cached[1]
    with _lock:
        cached = _cache.get("default")
        if cached is not None and cached[0] == key:
            return cached[1]
        entries, sensitive = published_entries()
        topics = dict(Article.objects.filter(status=ArticleStatus.PUBLISHED).exclude(topic="")
                      .values_list("slug", "topic"))
        index = KnowledgeIndex(Matcher(entries), sensitive, topics)
        _cache["default"] = (key, index, now)
        return index


def clear(**_kwargs) -> None:
    _cache.clear()


def connect_signals() -> None:
    """Forget the index when articles, their versions or their tags change through this process."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in (Article, ArticleTranslation):
        for signal in (post_save, post_delete):
            signal.connect(clear, sender=model, dispatch_uid=f"kefu-kb-index-{model.__name__}-{id(signal)}")
    m2m_changed.connect(clear, sender=Article.tags.through, dispatch_uid="kefu-kb-index-tags")
