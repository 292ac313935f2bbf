"""Content gaps: questions that ended with a person because the help center had no good answer.

Editors review them and either teach an article the question (it becomes a new example question,
so the next customer who asks it that way gets the answer) or dismiss them.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.assistant.models import ContentGap
from kefu.core.errors import Conflict
from kefu.knowledge import services as knowledge
from kefu.knowledge.models import Article


def open_gaps() -> QuerySet[ContentGap]:
    return ContentGap.objects.filter(resolved_at__isnull=True, dismissed=False).select_related("turn")


@transaction.atomic
def attach_to_article(gap: ContentGap, article: Article, *, editor=None, question: str | None = None) -> ContentGap:
    """Add the gap's question (or an edited wording) to the article as an example question; closes the gap.

    Writes a new revision of the article's version in the gap's language (zh-hant questions go to zh-hans).
    """
    if not gap.is_open:
        raise Conflict(_("This question was already handled."))
    language = "zh-hans" if gap.language.startswith("zh") else "en"
    knowledge.add_example_question(article, language, question or gap.question, editor=editor)
    gap.resolved_article = article
    gap.resolved_by = editor
    gap.resolved_at = timezone.now()
    gap.save(update_fields=["resolved_article", "resolved_by", "resolved_at"])
    return gap


def dismiss(gap: ContentGap, *, editor=None) -> ContentGap:
    """Mark a gap as not worth an article (e.g. a greeting, or a question only a person can answer)."""
    gap.dismissed = True
    gap.resolved_by = editor
    gap.save(update_fields=["dismissed", "resolved_by"])
    return gap
