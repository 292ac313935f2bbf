"""Article search behind one interface: SQLite FTS5 on the embedded default, PostgreSQL full-text search
in production. Both see the same analysed terms (see analysis.py), so they find the same articles.

    search("提币失败", "zh-hans")  -> [SearchHit(article_id, translation_id, score), ...]
"""

from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass

from django.db import connection

from kefu.knowledge import analysis
from kefu.knowledge.models import ArticleTranslation, SearchDocument
from kefu.knowledge.rendering import plain_text

MAX_QUERY_TERMS = 24
# Another process may have changed the index; the vocabulary (for typo repair only) is re-checked this often.
VOCABULARY_CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    translation_id: int
    score: float


# --- keeping the index in step (called by services) ------------------------------------------

def index_translation(translation: ArticleTranslation) -> None:
    """Replace the index row of one language version (delete + insert, so the vocabulary cache sees it)."""
    SearchDocument.objects.filter(translation=translation).delete()
    title_terms = analysis.analyze(translation.title, for_index=True)
    body_source = " ".join([plain_text(translation.body), translation.short_answer, *translation.questions])
    body_terms = analysis.analyze(body_source, for_index=True)
    SearchDocument.objects.create(
        translation=translation, article_id=translation.article_id, language=translation.language,
        title_terms=" ".join(title_terms), body_terms=" ".join(body_terms),
    )
    _vocabulary.invalidate()


def unindex_article(article_id: int) -> None:
    SearchDocument.objects.filter(article_id=article_id).delete()
    _vocabulary.invalidate()


# --- vocabulary, for typo tolerance ------------------------------------------------------------

class _Vocabulary:
    """Every indexed term per language, rebuilt when the index changes (checked by count and max id).

    Besides the terms it keeps the Latin words they came from (word -> stem), because typos are
    best measured on words: 'liquidaton' is one edit from 'liquidation', far from its stem 'liquid'.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._terms: dict[str, frozenset[str]] = {}
        self._words: dict[str, dict[str, str]] = {}
        self._checked_at = 0.0

    def get(self, language: str) -> tuple[frozenset[str], dict[str, str]]:
        now = time.monotonic()
        with self._lock:
            if self._key is None or now - self._checked_at > VOCABULARY_CHECK_SECONDS:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*), max(id) FROM knowledge_searchdocument")
                    count, last = cursor.fetchone()
                key = (connection.alias, connection.settings_dict["NAME"], count, last)
                if key != self._key:
                    self._rebuild(key)
                self._checked_at = now
            return self._terms.get(language, frozenset()), self._words.get(language, {})

    def invalidate(self) -> None:
        """This process changed the index: look again on the next query."""
        self._key = None

    def _rebuild(self, key: tuple) -> None:
        terms: dict[str, set[str]] = {}
        words: dict[str, dict[str, str]] = {}
        for language, title, body in SearchDocument.objects.values_list("language", "title_terms", "body_terms"):
            terms.setdefault(language, set()).update(title.split(), body.split())
        documents = ArticleTranslation.objects.filter(search_document__isnull=False).values_list(
            "language", "title", "short_answer", "questions")
        for language, title, short_answer, questions in documents:
            text = " ".join([title, short_answer, *questions])
            known = words.setdefault(language, {})
            for word, term in analysis.analyze_words(text):
                if not analysis.has_cjk(word) and len(word) >= 4:
                    known[word] = term
        self._terms = {lang: frozenset(found) for lang, found in terms.items()}
        self._words = words
        self._key = key


_vocabulary = _Vocabulary()


def _max_typos(word: str) -> int:
    if len(word) < 4 or word.isdigit():
        return 0
    return 1 if len(word) < 8 else 2


def query_terms(query: str, language: str) -> list[str]:
    """Analyse a query and repair what the index does not know: typos in Latin words, odd Chinese cuts."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    vocabulary, words = _vocabulary.get(language)
    terms: list[str] = []
    for word, term in analysis.analyze_words(query):
        if term in vocabulary:
            terms.append(term)
        elif analysis.has_cjk(term):
            terms.append(term)
            terms.extend(analysis.split_unknown_cjk(term, vocabulary))
        else:
            # Unknown to the vocabulary: keep it (the vocabulary may be a moment old) and add close words.
            terms.append(term)
            if _max_typos(word) and words:
                close = process.extract(word, words.keys(), scorer=Levenshtein.distance,
                                        score_cutoff=_max_typos(word), limit=2)
                terms.extend(words[match] for match, _, _ in close)
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


# --- the two backends --------------------------------------------------------------------------

def search(query: str, language: str, limit: int = 10) -> list[SearchHit]:
    """Published articles in `language` matching `query`, best first."""
    terms = query_terms(query, language)
    if not terms:
        return []
    if connection.vendor == "postgresql":
        return _search_postgresql(terms, language, limit)
    return _search_sqlite(terms, language, limit)


def _search_sqlite(terms: list[str], language: str, limit: int) -> list[SearchHit]:
    match = " OR ".join(f'"{t}"' for t in terms)
    sql = (
        "SELECT d.article_id, d.translation_id, bm25(knowledge_fts, 4.0, 1.0) AS rank "
        "FROM knowledge_fts JOIN knowledge_searchdocument d ON d.id = knowledge_fts.rowid "
        "WHERE knowledge_fts MATCH %s AND d.language = %s ORDER BY rank LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, language, limit])
        return [SearchHit(a, t, -rank) for a, t, rank in cursor.fetchall()]


PG_VECTOR = "(setweight(to_tsvector('simple', title_terms), 'A') || setweight(to_tsvector('simple', body_terms), 'B'))"


def _search_postgresql(terms: list[str], language: str, limit: int) -> list[SearchHit]:
    # Terms are [a-z0-9]+ or CJK runs (see analysis._TOKEN), so quoting them is enough.
    tsquery = " | ".join(f"'{t}'" for t in terms)
    sql = (
        "SELECT article_id, translation_id, ts_rank(search_vector, q) AS rank "
        "FROM knowledge_searchdocument, to_tsquery('simple', %s) q "
        "WHERE search_vector @@ q AND language = %s ORDER BY rank DESC, id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsquery, language, limit])
        return [SearchHit(a, t, float(rank)) for a, t, rank in cursor.fetchall()]


def snippet(translation: ArticleTranslation, length: int = 140) -> str:
    """The opening words of an article, for result lists."""
    text = html.unescape(plain_text(translation.body))
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + "…"


# --- schema, created by the migration ----------------------------------------------------------

SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_fts USING fts5(title_terms, body_terms, "
    "content='knowledge_searchdocument', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS knowledge_fts_ai AFTER INSERT ON knowledge_searchdocument BEGIN "
    "INSERT INTO knowledge_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
    "CREATE TRIGGER IF NOT EXISTS knowledge_fts_ad AFTER DELETE ON knowledge_searchdocument BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); END",
    "CREATE TRIGGER IF NOT EXISTS knowledge_fts_au AFTER UPDATE ON knowledge_searchdocument BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); "
    "INSERT INTO knowledge_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS knowledge_fts_ai", "DROP TRIGGER IF EXISTS knowledge_fts_ad",
               "DROP TRIGGER IF EXISTS knowledge_fts_au", "DROP TABLE IF EXISTS knowledge_fts"]
# A stored generated tsvector column (PostgreSQL only; Django does not know it, inserts fill it): ranking
# reads it instead of re-parsing the text of every matching row on each query.
POSTGRESQL_SCHEMA = [
    "DROP INDEX IF EXISTS knowledge_searchdocument_tsv",
    f"ALTER TABLE knowledge_searchdocument ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS knowledge_searchdocument_vector ON knowledge_searchdocument USING GIN (search_vector)",
]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS knowledge_searchdocument_vector",
                   "ALTER TABLE knowledge_searchdocument DROP COLUMN IF EXISTS search_vector"]


def create_schema(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in SQLITE_SCHEMA if vendor == "sqlite" else POSTGRESQL_SCHEMA if vendor == "postgresql" else []:
        schema_editor.execute(statement)


def drop_schema(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in SQLITE_DROP if vendor == "sqlite" else POSTGRESQL_DROP if vendor == "postgresql" else []:
        schema_editor.execute(statement)
