"""Reads of the knowledge base for the help center, the widget and the console (no writes here)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.core.errors import NotFound
from kefu.knowledge import search
from kefu.knowledge.models import Article, ArticleStatus, ArticleTranslation, Category, Language

HELP_LANGUAGES = tuple(Language.values)


def help_language(value: str | None) -> str:
    """A help-center language from a URL or browser tag: zh-Hant/zh-TW/zh-HK -> zh-hant, other zh -> zh-hans."""
    tag = (value or "").strip().lower().replace("_", "-")
    if tag in HELP_LANGUAGES:
        return tag
    if tag.startswith("zh"):
        return "zh-hant" if any(x in tag for x in ("hant", "tw", "hk", "mo")) else "zh-hans"
    return "en"


def _fallbacks(language: str) -> list[str]:
    return [language, "zh-hans", "en"] if language.startswith("zh") else [language, "en", "zh-hans"]


def pick(translations, language: str):
    """The best language version among `translations` for a reader of `language`."""
    by_language = {t.language: t for t in translations}
    for candidate in _fallbacks(language):
        if candidate in by_language:
            return by_language[candidate]
    return next(iter(by_language.values()), None)


@dataclass
class CategoryView:
    category: Category
    name: str
    description: str
    articles: list[ArticleTranslation]


def categories(language: str, with_articles: bool = True) -> list[CategoryView]:
    """Categories that have published articles, each with its published articles in `language`."""
    published = (Article.objects.filter(status=ArticleStatus.PUBLISHED)
                 .prefetch_related("translations").order_by("position", "slug"))
    by_category: dict[int, list[ArticleTranslation]] = {}
    for article in published:
        version = pick(article.translations.all(), language)
        if version is not None:
            by_category.setdefault(article.category_id, []).append(version)
    views = []
    for category in Category.objects.filter(pk__in=by_category).prefetch_related("translations"):
        names = pick(category.translations.all(), language)
        articles = by_category[category.pk] if with_articles else []
        views.append(CategoryView(category, names.name if names else category.slug,
                                  names.description if names else "", articles))
    return views


def category(slug: str, language: str) -> CategoryView:
    for view in categories(language):
        if view.category.slug == slug:
            return view
    raise NotFound(_("No such category."))


def article(slug: str, language: str) -> tuple[Article, ArticleTranslation]:
    found = (Article.objects.filter(slug=slug, status=ArticleStatus.PUBLISHED)
             .select_related("category").prefetch_related("translations", "tags").first())
    if found is None:
        raise NotFound(_("No such article."))
    return found, pick(found.translations.all(), language)


def article_by_slug(slug: str) -> Article:
    found = Article.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound(_("No such article."))
    return found


def related(article_obj: Article, version: ArticleTranslation, limit: int = 5) -> list[ArticleTranslation]:
    """Articles like this one: search by its title, then fill up from its category."""
    ids = [h.article_id for h in search.search(version.title, version.language, limit + 1)
           if h.article_id != article_obj.pk]
    if len(ids) < limit:
        ids += list(Article.objects.filter(category=article_obj.category, status=ArticleStatus.PUBLISHED)
                    .exclude(pk__in=[article_obj.pk, *ids]).values_list("pk", flat=True)[: limit - len(ids)])
    articles = {a.pk: a for a in Article.objects.filter(pk__in=ids).prefetch_related("translations")}
    return [pick(articles[i].translations.all(), version.language) for i in ids[:limit] if i in articles]


@dataclass
class SearchResult:
    version: ArticleTranslation
    snippet: str
    score: float


def search_articles(query: str, language: str, limit: int = 20) -> list[SearchResult]:
    hits = search.search(query, language, limit)
    versions = {t.pk: t for t in ArticleTranslation.objects.filter(pk__in=[h.translation_id for h in hits])
                .select_related("article")}
    return [SearchResult(versions[h.translation_id], search.snippet(versions[h.translation_id]), h.score)
            for h in hits if h.translation_id in versions]


def article_path(slug: str, language: str) -> str:
    return reverse("help:article", kwargs={"language": language, "slug": slug})


def suggestions(query: str, language: str | None, limit: int = 3, base_url: str = "") -> list[dict]:
    """Articles for a half-typed question (widget deflection): title, short answer, absolute URL."""
    from kefu.knowledge import analysis

    if len(query.strip()) < 2:
        return []
    language = help_language(language) if language else ("zh-hans" if analysis.has_cjk(query) else "en")
    if analysis.has_cjk(query) and not language.startswith("zh"):
        language = "zh-hans"
    base = base_url.rstrip("/")
    return [{"article": r.version.article.slug, "title": r.version.title, "summary": r.version.short_answer,
             "url": base + article_path(r.version.article.slug, r.version.language)}
            for r in search_articles(query, language, limit)]


def article_choices() -> list[tuple[str, str]]:
    """(slug, title) of every article for pickers, English title first."""
    choices = []
    for found in Article.objects.prefetch_related("translations").order_by("slug"):
        version = pick(found.translations.all(), "en")
        choices.append((found.slug, f"{version.title if version else found.slug} ({found.slug})"))
    return choices
