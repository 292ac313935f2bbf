"""Import and export the knowledge base as a folder of Markdown files with YAML front matter.

    DIR/<category>/_category.md              name/description per language, position, icon
    DIR/<category>/<article>.<language>.md   one language version: title, short_answer, questions,
                                             status, tags, position, topic in the front matter; body below

zh-Hant versions are derived from zh-Hans, so they are neither exported nor imported. The layout is
documented in docs/helpcenter.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from kefu.core.errors import InvalidInput
from kefu.knowledge import services
from kefu.knowledge.models import EDITED_LANGUAGES, Article, ArticleStatus, Category, Language

CATEGORY_FILE = "_category.md"


@dataclass
class ImportSummary:
    categories: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def split_front_matter(text: str, where: str = "") -> tuple[dict, str]:
    """Split '---\\nyaml\\n---\\nbody' into (dict, body); a clear error for a malformed header."""
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        raise InvalidInput(f"{where}: the file must start with a '---' front matter block")
    try:
        _, header, body = text.split("---", 2)
    except ValueError:
        raise InvalidInput(f"{where}: the front matter block is not closed with '---'") from None
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as error:
        raise InvalidInput(f"{where}: front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise InvalidInput(f"{where}: front matter must be a mapping of keys to values")
    return meta, body.lstrip("\n")


def join_front_matter(meta: dict, body: str) -> str:
    header = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{header}---\n\n{body.rstrip()}\n"


# --- import ------------------------------------------------------------------------------------

def import_folder(directory: str | Path, *, editor=None) -> ImportSummary:
    """Create or update categories and articles from DIR; an article whose content is unchanged is left alone.

    The whole import is one transaction: a broken file leaves the knowledge base as it was.
    """
    root = Path(directory)
    if not root.is_dir():
        raise InvalidInput(f"{root}: no such folder")
    summary = ImportSummary()
    with transaction.atomic():
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            category = _import_category(folder)
            summary.categories += 1
            for slug, files in sorted(_article_files(folder).items()):
                outcome = _import_article(category, slug, files, editor)
                setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


def _import_category(folder: Path) -> Category:
    path = folder / CATEGORY_FILE
    if not path.exists():
        raise InvalidInput(f"{path}: missing (every category folder needs one)")
    meta, _body = split_front_matter(path.read_text(encoding="utf-8"), str(path))
    names = meta.get("name") or {}
    if not isinstance(names, dict):
        raise InvalidInput(f"{path}: 'name' must map languages to names, e.g. en: Deposits")
    return services.save_category(meta.get("slug", folder.name), names, meta.get("description") or {},
                                  position=int(meta.get("position", 0)), icon=str(meta.get("icon", "")))


def _article_files(folder: Path) -> dict[str, dict[str, Path]]:
    found: dict[str, dict[str, Path]] = {}
    for path in folder.glob("*.md"):
        if path.name == CATEGORY_FILE:
            continue
        stem = path.name[: -len(".md")]
        slug, dot, language = stem.rpartition(".")
        if not dot or language not in EDITED_LANGUAGES:
            raise InvalidInput(f"{path}: name it <article>.<language>.md with language one of "
                               f"{', '.join(EDITED_LANGUAGES)}")
        found.setdefault(slug, {})[language] = path
    return found


def _read_version(path: Path) -> tuple[dict, services.Version]:
    meta, body = split_front_matter(path.read_text(encoding="utf-8"), str(path))
    questions = meta.get("questions") or []
    if not isinstance(questions, list):
        raise InvalidInput(f"{path}: 'questions' must be a list")
    if not meta.get("title"):
        raise InvalidInput(f"{path}: 'title' is missing")
    return meta, services.Version(str(meta["title"]), body.rstrip() + "\n" if body.strip() else "",
                                  str(meta.get("short_answer") or "").strip(), [str(q) for q in questions])


def _import_article(category: Category, slug: str, files: dict[str, Path], editor) -> str:
    read = {language: _read_version(path) for language, path in files.items()}
    meta = read.get(Language.EN, next(iter(read.values())))[0]
    status = meta.get("status", ArticleStatus.PUBLISHED)
    if status not in ArticleStatus.values:
        raise InvalidInput(f"{files[next(iter(files))]}: status must be draft or published")
    tags = [str(t) for t in meta.get("tags") or []]
    # The topic is the article's, not a version's: the first version file that names one gives it.
    topic = next((str(m["topic"]) for m, _v in read.values() if m.get("topic")), "")
    try:
        topic = services.check_topic(topic)
    except InvalidInput as error:
        raise InvalidInput(f"{files[next(iter(files))]}: {error.detail}") from None
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        services.create_article(category, slug, {lang: v for lang, (_, v) in read.items()}, editor=editor,
                                tags=tags, publish=status == ArticleStatus.PUBLISHED,
                                position=int(meta.get("position", 0)), topic=topic)
        return "created"
    changed = _update_article(article, category, read, tags, int(meta.get("position", 0)), editor, topic)
    if status != article.status:
        (services.publish_article if status == ArticleStatus.PUBLISHED else services.unpublish_article)(article)
        changed = True
    return "updated" if changed else "unchanged"


def _update_article(article: Article, category: Category, read: dict, tags: list[str], position: int,
                    editor, topic: str) -> bool:
    changed = False
    if article.category_id != category.pk or article.position != position or article.topic != topic or \
            sorted(article.tags.values_list("name", flat=True)) != sorted({t.strip().lower() for t in tags}):
        services.update_article(article, category=category, tags=tags, position=position, topic=topic)
        changed = True
    current = {t.language: t for t in article.translations.all()}
    for language, (_meta, version) in read.items():
        existing = current.get(language)
        if existing is None or (existing.title, existing.body.rstrip(), existing.short_answer, existing.questions) \
                != (version.title, version.body.rstrip(), version.short_answer, version.questions):
            services.save_version(article, language, version, editor=editor, note="imported")
            changed = True
    return changed


# --- export ------------------------------------------------------------------------------------

def export_folder(directory: str | Path) -> int:
    """Write every category and article (drafts too) to DIR; returns the number of files written."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    for category in Category.objects.prefetch_related("translations"):
        folder = root / category.slug
        folder.mkdir(exist_ok=True)
        names = {t.language: t.name for t in category.translations.all() if t.language in EDITED_LANGUAGES}
        descriptions = {t.language: t.description for t in category.translations.all()
                        if t.language in EDITED_LANGUAGES and t.description}
        meta = {"slug": category.slug, "position": category.position, "icon": category.icon, "name": names}
        if descriptions:
            meta["description"] = descriptions
        (folder / CATEGORY_FILE).write_text(join_front_matter(meta, ""), encoding="utf-8")
        written += 1
        for article in category.articles.prefetch_related("translations", "tags"):
            written += _export_article(folder, article)
    return written


def _export_article(folder: Path, article: Article) -> int:
    written = 0
    tags = [t.name for t in article.tags.all()]
    for translation in article.translations.all():
        if translation.language not in EDITED_LANGUAGES:
            continue
        meta = {"title": translation.title, "status": article.status, "position": article.position,
                "tags": tags, "short_answer": translation.short_answer, "questions": list(translation.questions)}
        if article.topic:
            meta["topic"] = article.topic
        path = folder / f"{article.slug}.{translation.language}.md"
        path.write_text(join_front_matter(meta, translation.body), encoding="utf-8")
        written += 1
    return written
