"""The knowledge base: categories, articles, their language versions, revisions, votes and the search index."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.conversations.taxonomy import Category as Topic

# Languages an editor writes; zh-hant is derived from zh-hans with OpenCC when it is installed.
EDITED_LANGUAGES = ("zh-hans", "en")
LANGUAGES = ("zh-hans", "en", "zh-hant")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")
    ZH_HANT = "zh-hant", _("Traditional Chinese")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.slug


class CategoryTranslation(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "language"], name="uniq_category_language")]
        verbose_name = _("category translation")
        verbose_name_plural = _("category translations")

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class ArticleTag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("article tag")
        verbose_name_plural = _("article tags")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles",
                                 verbose_name=_("category"))
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices,
                              default=ArticleStatus.DRAFT)
    position = models.PositiveIntegerField(_("position"), default=0)
    tags = models.ManyToManyField(ArticleTag, blank=True, related_name="articles", verbose_name=_("tags"))
    # The support topic (a conversation category) the article answers: the assistant passes it on as the
    # detected topic of a customer's question (routing rules, surge mode's low-risk topics).
    topic = models.CharField(_("topic"), max_length=40, blank=True, choices=Topic.choices,
                             help_text=_("The conversation category this article answers."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["category__position", "position", "slug"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.slug

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleTranslation(models.Model):
    """One language version of an article: what the help center shows and the assistant answers with."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    short_answer = models.TextField(_("short answer"), blank=True,
                                    help_text=_("What the assistant replies with; a few sentences."))
    questions = models.JSONField(_("example questions"), default=list, blank=True,
                                 help_text=_("How customers ask this, one question per entry."))
    # True when this version was converted from another language (zh-hant from zh-hans) rather than written.
    derived = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "language"], name="uniq_article_language")]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class ArticleRevision(models.Model):
    """A snapshot of one language version, written on every saved change. Never edited."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(max_length=10, choices=Language.choices)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    short_answer = models.TextField(blank=True)
    questions = models.JSONField(default=list, blank=True)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "language", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "language", "number"], name="uniq_article_revision"),
        ]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.article_id}/{self.language} r{self.number}"


class ArticleVote(models.Model):
    """A reader's answer to "was this helpful?"; one per reader (session) and article language."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    language = models.CharField(max_length=10, choices=Language.choices)
    helpful = models.BooleanField()
    voter = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "language", "voter"], name="uniq_article_vote"),
        ]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")


class SearchDocument(models.Model):
    """The search index row of one published language version, in analysed form (segmented, stemmed).

    Services keep it in step with the articles: only published versions have a row. On SQLite an FTS5
    table mirrors it through triggers; on PostgreSQL a GIN index covers its tsvector.
    """

    translation = models.OneToOneField(ArticleTranslation, on_delete=models.CASCADE, related_name="search_document")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=10, db_index=True)
    title_terms = models.TextField()
    body_terms = models.TextField()

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
