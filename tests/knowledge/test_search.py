"""Search in both languages, typos, drafts excluded, index kept in step by the services.

Runs on whichever database the suite runs on: SQLite (FTS5) by default, PostgreSQL with
KEFU_DATABASE_URL; both backends must give the same answers.
"""

from __future__ import annotations

import pytest
from django.db import connection

from kefu.knowledge import search, services
from kefu.knowledge.services import Version

pytestmark = pytest.mark.django_db


def slugs(query: str, language: str) -> list[str]:
    from kefu.knowledge.models import Article

    by_id = dict(Article.objects.values_list("pk", "slug"))
    return [by_id[h.article_id] for h in search.search(query, language)]


def test_backend_is_the_databases_own():
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.mark.parametrize("query, language, expected", [
    ("deposit not arrived", "en", "deposit-not-credited"),
    ("deposits", "en", "deposit-not-credited"),            # stemming: deposits -> deposit
    ("resetting passwords", "en", "reset-password"),       # stemming on both words
    ("pasword", "en", "reset-password"),                  # one typo
    ("memmo", "en", "missing-memo"),
    ("充值没到账", "zh-hans", "deposit-not-credited"),       # jieba segmentation
    ("忘记密码", "zh-hans", "reset-password"),
    ("备注", "zh-hans", "missing-memo"),
    ("忘記密碼", "zh-hant", "reset-password"),              # derived Traditional version
])
def test_finds_the_right_article(help_center, query, language, expected):
    assert slugs(query, language)[0] == expected


def test_drafts_are_not_found(help_center):
    assert "secret-draft" not in slugs("password vault", "en")


def test_publish_and_unpublish_keep_the_index_in_step(help_center):
    services.publish_article(help_center["draft"])
    assert slugs("vault", "en") == ["secret-draft"]
    services.unpublish_article(help_center["draft"])
    assert slugs("vault", "en") == []


def test_edits_are_searchable_at_once(help_center):
    services.save_version(help_center["memo"], "en", Version("Missing memo or destination tag", "Body", "Short",
                                                             ["my stellar transfer lacks a memo"]))
    assert slugs("stellar", "en") == ["missing-memo"]
    services.delete_article(help_center["memo"])
    assert slugs("stellar", "en") == []


def test_nonsense_and_empty_queries_find_nothing(help_center):
    assert slugs("", "en") == []
    assert slugs("zzzzqqq", "en") == []
    assert slugs("!!! ???", "zh-hans") == []


def test_queries_with_quotes_and_operators_are_safe(help_center):
    assert slugs('deposit" OR 1=1 -- NEAR(', "en")[0] == "deposit-not-credited"


def test_reindex_all_rebuilds_the_index(help_center):
    assert services.reindex_all() == 9  # 3 published articles x (en, zh-hans, zh-hant)
    assert slugs("忘记密码", "zh-hans")[0] == "reset-password"
