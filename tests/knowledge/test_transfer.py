"""`kefu kb import` / `kefu kb export`: Markdown folders with front matter, round trip, clear errors."""

from __future__ import annotations

import pytest

from kefu.core.errors import InvalidInput
from kefu.knowledge import transfer
from kefu.knowledge.models import Article, ArticleRevision, ArticleTranslation, Category

pytestmark = pytest.mark.django_db


def snapshot():
    rows = []
    for t in ArticleTranslation.objects.filter(language__in=["en", "zh-hans"]).select_related("article__category"):
        a = t.article
        rows.append((a.slug, a.category.slug, a.status, a.position, a.topic,
                     sorted(a.tags.values_list("name", flat=True)),
                     t.language, t.title, t.body.rstrip(), t.short_answer, t.questions))
    return sorted(rows, key=str)


def test_export_import_round_trip(help_center, tmp_path):
    Article.objects.filter(slug="reset-password").update(topic="account.password_reset")
    before = snapshot()
    count = transfer.export_folder(tmp_path / "kb")
    assert count == 2 + 7  # two category files, seven language versions (drafts included)
    assert (tmp_path / "kb" / "deposits" / "deposit-not-credited.zh-hans.md").exists()
    assert "topic: account.password_reset" in (tmp_path / "kb" / "account" / "reset-password.en.md").read_text()
    assert not list((tmp_path / "kb").rglob("*.zh-hant.md"))  # derived, not exported
    Article.objects.all().delete()
    Category.objects.all().delete()
    summary = transfer.import_folder(tmp_path / "kb")
    assert (summary.created, summary.categories) == (4, 2)
    assert snapshot() == before
    # Exporting again gives the same files; importing them again changes nothing.
    transfer.export_folder(tmp_path / "again")
    for path in (tmp_path / "kb").rglob("*.md"):
        assert path.read_text() == (tmp_path / "again" / path.relative_to(tmp_path / "kb")).read_text()
    revisions = ArticleRevision.objects.count()
    summary = transfer.import_folder(tmp_path / "kb")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 4)
    assert ArticleRevision.objects.count() == revisions


def test_import_updates_changed_articles_with_a_revision(help_center, tmp_path):
    transfer.export_folder(tmp_path)
    path = tmp_path / "account" / "reset-password.en.md"
    path.write_text(path.read_text().replace("How to reset your password", "Resetting your password"))
    summary = transfer.import_folder(tmp_path)
    assert summary.updated == 1
    assert ArticleTranslation.objects.get(article__slug="reset-password", language="en").title == \
        "Resetting your password"
    assert ArticleRevision.objects.filter(article__slug="reset-password", language="en", note="imported").exists()


@pytest.mark.parametrize("name, text, message", [
    ("a.en.md", "no front matter", "must start with a '---'"),
    ("a.en.md", "---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
    ("a.en.md", "---\nquestions: []\n---\nbody", "'title' is missing"),
    ("a.fr.md", "---\ntitle: x\n---\n", "<article>.<language>.md"),
    ("a.en.md", "---\ntitle: x\nstatus: live\n---\n", "status must be draft or published"),
    ("a.en.md", "---\ntitle: x\ntopic: crypto.moon\n---\n", "Unknown topic crypto.moon; use one of: account"),
])
def test_bad_files_get_clear_errors_and_change_nothing(db, tmp_path, name, text, message):
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "_category.md").write_text("---\nname:\n  en: Cat\n---\n")
    (folder / name).write_text(text)
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("(", r"\(")):
        transfer.import_folder(tmp_path)
    assert not Category.objects.exists()


def test_missing_folder(db, tmp_path):
    with pytest.raises(InvalidInput, match="no such folder"):
        transfer.import_folder(tmp_path / "nope")


def test_the_demo_help_center_is_complete():
    """At least 60 articles, each in zh-Hans and en, each with a short answer and 5+ example questions."""
    from kefu.knowledge.demo import DEMO_CONTENT

    files = [p for p in DEMO_CONTENT.rglob("*.md") if p.name != "_category.md"]
    slugs = {p.name.split(".")[0] for p in files}
    assert len(slugs) >= 60
    for path in files:
        meta, body = transfer.split_front_matter(path.read_text(encoding="utf-8"), str(path))
        assert meta["short_answer"] and body.strip(), path
        assert len(meta["questions"]) >= 5, path
    for slug in slugs:
        assert len([p for p in files if p.name.split(".")[0] == slug]) == 2, slug
