"""The verbs of the knowledge base: the only place that changes categories, articles, votes and the index.

Every change to an article's content writes a revision, re-renders the Markdown, refreshes the derived
Traditional Chinese version and keeps the search index in step (published versions only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import InvalidInput, NotFound
from kefu.knowledge import analysis, search
from kefu.knowledge.models import (
    EDITED_LANGUAGES,
    Article,
    ArticleRevision,
    ArticleStatus,
    ArticleTag,
    ArticleTranslation,
    ArticleVote,
    Category,
    CategoryTranslation,
    Language,
)
from kefu.knowledge.rendering import render_markdown

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_QUESTIONS = 100
MAX_QUESTION_CHARS = 300


@dataclass
class Version:
    """The content of one language version as an editor or an import supplies it."""

    title: str
    body: str = ""
    short_answer: str = ""
    questions: list[str] = field(default_factory=list)


def _check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG.match(slug) or len(slug) > 120:
        raise InvalidInput(_("A slug uses lower-case letters, digits and single hyphens, e.g. reset-2fa."))
    return slug


def _check_language(language: str, edited_only: bool = True) -> str:
    allowed = EDITED_LANGUAGES if edited_only else Language.values
    if language not in allowed:
        raise InvalidInput(_("Language must be one of: %(languages)s.") % {"languages": ", ".join(allowed)})
    return language


def _clean_questions(questions: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(q.split()) for q in questions if q and q.strip()))
    if len(cleaned) > MAX_QUESTIONS:
        raise InvalidInput(_("An article may have at most %(count)s example questions per language.")
                           % {"count": MAX_QUESTIONS})
    if any(len(q) > MAX_QUESTION_CHARS for q in cleaned):
        raise InvalidInput(_("An example question may be at most %(count)s characters.")
                           % {"count": MAX_QUESTION_CHARS})
    return cleaned


# --- categories --------------------------------------------------------------------------------

@transaction.atomic
def save_category(slug: str, names: dict[str, str], descriptions: dict[str, str] | None = None,
                  position: int = 0, icon: str = "") -> Category:
    """Create or update a category with its name (and description) per language."""
    slug = _check_slug(slug)
    if not any((names or {}).values()):
        raise InvalidInput(_("A category needs a name."))
    category, _created = Category.objects.update_or_create(slug=slug, defaults={"position": position, "icon": icon})
    for language, name in names.items():
        _check_language(language)
        description = (descriptions or {}).get(language, "")
        CategoryTranslation.objects.update_or_create(
            category=category, language=language, defaults={"name": name.strip()[:120],
                                                             "description": description.strip()[:300]})
        traditional = analysis.to_traditional(name) if language == Language.ZH_HANS else None
        if traditional:
            CategoryTranslation.objects.update_or_create(
                category=category, language=Language.ZH_HANT,
                defaults={"name": traditional[:120], "description": analysis.to_traditional(description)[:300]})
    return category


# --- articles ----------------------------------------------------------------------------------

@transaction.atomic
def create_article(category: Category, slug: str, versions: dict[str, Version], *, editor=None,
                   tags: Iterable[str] = (), publish: bool = False, position: int = 0, topic: str = "") -> Article:
    """Create an article with its language versions (draft unless `publish`); writes revision 1 of each."""
    slug = _check_slug(slug)
    if Article.objects.filter(slug=slug).exists():
        raise InvalidInput(_("An article with the slug %(slug)s already exists.") % {"slug": slug})
    if not versions:
        raise InvalidInput(_("An article needs at least one language version."))
    article = Article.objects.create(slug=slug, category=category, position=position, topic=check_topic(topic))
    set_tags(article, tags)
    for language, version in versions.items():
        save_version(article, language, version, editor=editor, note="created")
    if publish:
        publish_article(article)
    return article


@transaction.atomic
def save_version(article: Article, language: str, version: Version, *, editor=None,
                 note: str = "") -> ArticleTranslation:
    """Write one language version: new revision, rendered HTML, derived zh-Hant, search index if published."""
    _check_language(language)
    title = " ".join((version.title or "").split())
    if not title:
        raise InvalidInput(_("An article needs a title in every language it has."))
    if len(title) > 200:
        raise InvalidInput(_("A title may be at most 200 characters."))
    questions = _clean_questions(version.questions)
    translation = _write_translation(article, language, title, version.body or "",
                                     (version.short_answer or "").strip(), questions, derived=False)
    number = (ArticleRevision.objects.filter(article=article, language=language)
              .aggregate(n=Max("number"))["n"] or 0) + 1
    ArticleRevision.objects.create(article=article, language=language, number=number, title=title,
                                   body=translation.body, short_answer=translation.short_answer,
                                   questions=questions, editor=editor, note=note[:200])
    if language == Language.ZH_HANS:
        _derive_traditional(article, translation)
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
    return translation


def _write_translation(article: Article, language: str, title: str, body: str, short_answer: str,
                       questions: list[str], derived: bool) -> ArticleTranslation:
    translation, _created = ArticleTranslation.objects.update_or_create(
        article=article, language=language,
        defaults={"title": title, "body": body, "body_html": render_markdown(body), "short_answer": short_answer,
                  "questions": questions, "derived": derived},
    )
    if article.is_published:
        search.index_translation(translation)
    return translation


def _derive_traditional(article: Article, source: ArticleTranslation) -> None:
    """zh-Hant follows zh-Hans through OpenCC, unless OpenCC is not installed (then there is none)."""
    convert = analysis.to_traditional
    title = convert(source.title)
    if title is None:
        return
    _write_translation(article, Language.ZH_HANT, title, convert(source.body), convert(source.short_answer),
                       [convert(q) for q in source.questions], derived=True)


def set_tags(article: Article, names: Iterable[str]) -> list[str]:
    """Replace the article's tags (lower-cased, created when new)."""
    wanted = sorted({n.strip().lower()[:50] for n in names if n and n.strip()})
    article.tags.set([ArticleTag.objects.get_or_create(name=n)[0] for n in wanted])
    return wanted


@transaction.atomic
def check_topic(topic: str | None) -> str:
    """A conversation category code, or "" for none; anything else is refused with the valid codes."""
    from kefu.conversations.taxonomy import Category as Topic

    topic = (topic or "").strip()
    if topic and topic not in Topic.values:
        raise InvalidInput(_("Unknown topic %(topic)s; use one of: %(topics)s")
                           % {"topic": topic, "topics": ", ".join(Topic.values)})
    return topic


def update_article(article: Article, *, category: Category | None = None, tags: Iterable[str] | None = None,
                   position: int | None = None, topic: str | None = None) -> Article:
    """Move an article to another category, re-tag, re-order it or change its topic."""
    if category is not None:
        article.category = category
    if position is not None:
        article.position = position
    if topic is not None:
        article.topic = check_topic(topic)
    article.save()
    if tags is not None:
        set_tags(article, tags)
    return article


@transaction.atomic
def publish_article(article: Article) -> Article:
    """Publish: the help center shows it, search finds it, the assistant may answer with it."""
    if not article.translations.exists():
        raise InvalidInput(_("An article needs at least one language version before it is published."))
    article.status = ArticleStatus.PUBLISHED
    article.published_at = article.published_at or timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    for translation in article.translations.all():
        search.index_translation(translation)
    return article


@transaction.atomic
def unpublish_article(article: Article) -> Article:
    """Back to draft: gone from the help center, search and the assistant; content and history stay."""
    article.status = ArticleStatus.DRAFT
    article.save(update_fields=["status", "updated_at"])
    search.unindex_article(article.pk)
    return article


@transaction.atomic
def delete_article(article: Article) -> None:
    """Delete an article with its versions, revisions, votes and index rows."""
    search.unindex_article(article.pk)
    article.delete()


@transaction.atomic
def restore_revision(revision: ArticleRevision, *, editor=None) -> ArticleTranslation:
    """Bring back an older revision as a new one (history is never rewritten)."""
    return save_version(revision.article, revision.language,
                        Version(revision.title, revision.body, revision.short_answer, list(revision.questions)),
                        editor=editor, note=f"restored r{revision.number}")


@transaction.atomic
def add_example_question(article: Article, language: str, question: str, *, editor=None) -> ArticleTranslation:
    """Teach an article one more way customers ask it (e.g. from a content gap); a new revision."""
    _check_language(language)
    question = " ".join((question or "").split())
    if not question:
        raise InvalidInput(_("The question is empty."))
    translation = ArticleTranslation.objects.filter(article=article, language=language).first()
    if translation is None:
        raise NotFound(_("This article has no %(language)s version yet.") % {"language": language})
    if question in translation.questions:
        return translation
    version = Version(translation.title, translation.body, translation.short_answer,
                      [*translation.questions, question])
    return save_version(article, language, version, editor=editor, note="example question added")


# --- votes -------------------------------------------------------------------------------------

def record_vote(article: Article, language: str, helpful: bool, voter: str) -> ArticleVote:
    """Record (or change) one reader's "was this helpful?" answer for an article."""
    if not article.is_published:
        raise NotFound(_("No such article."))
    _check_language(language, edited_only=False)
    if not voter:
        raise InvalidInput("a voter id is needed")
    vote, _created = ArticleVote.objects.update_or_create(
        article=article, language=language, voter=voter[:64], defaults={"helpful": bool(helpful)})
    return vote


def vote_counts(article: Article) -> dict[str, int]:
    yes = ArticleVote.objects.filter(article=article, helpful=True).count()
    no = ArticleVote.objects.filter(article=article, helpful=False).count()
    return {"helpful": yes, "not_helpful": no}


def reindex_all() -> int:
    """Rebuild the whole search index from the published articles; returns the rows written."""
    count = 0
    with transaction.atomic():
        search.SearchDocument.objects.all().delete()
        for translation in ArticleTranslation.objects.filter(article__status=ArticleStatus.PUBLISHED):
            search.index_translation(translation)
            count += 1
    return count


