"""The public help center: pages in both languages, safe Markdown, search, related articles, votes."""

from __future__ import annotations

import pytest

from kefu.knowledge import services
from kefu.knowledge.models import ArticleVote
from kefu.knowledge.services import Version

pytestmark = pytest.mark.django_db


def test_root_redirects_to_the_browser_language(client, help_center):
    assert client.get("/help/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})["Location"] == "/help/zh-hans/"
    assert client.get("/help/", headers={"Accept-Language": "en-US"})["Location"] == "/help/en/"
    assert client.get("/help/", headers={"Accept-Language": "zh-TW"})["Location"] == "/help/zh-hant/"
    assert client.get("/help/?lang=en", headers={"Accept-Language": "zh-CN"})["Location"] == "/help/en/"


@pytest.mark.parametrize("language, heading, title", [
    ("en", "How can we help?", "My deposit has not arrived"),
    ("zh-hans", "有什么可以帮您？", "充值未到账怎么办"),
    ("zh-hant", "有什么可以帮您？", "充值未到賬怎麼辦"),
])
def test_home_lists_categories_and_articles(client, help_center, language, heading, title):
    page = client.get(f"/help/{language}/").content.decode()
    assert heading in page and title in page
    assert "Unreleased feature" not in page  # drafts stay private
    assert 'data-kefu-open' in page  # "contact support" opens the widget


def test_home_carries_the_widget(client, help_center, webchat_inbox):
    page = client.get("/help/en/").content.decode()
    assert f'data-inbox="{webchat_inbox.public_key}"' in page and "/widget.js" in page


def test_category_page(client, help_center):
    page = client.get("/help/zh-hans/c/deposits/").content.decode()
    assert "充值未到账怎么办" in page and "充值忘记填写备注" in page
    assert client.get("/help/en/c/nope/").status_code == 404


def test_article_page_renders_markdown_safely(client, help_center):
    services.save_version(help_center["deposit"], "en", Version(
        "My deposit has not arrived", "**Bold** <script>alert(1)</script> [x](javascript:alert(1))", "Short."))
    page = client.get("/help/en/a/deposit-not-credited/").content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "href=\"javascript" not in page
    assert "Related articles" in page and "/help/en/a/missing-memo/" in page


def test_article_page_in_chinese_and_missing_ones(client, help_center):
    page = client.get("/help/zh-hans/a/reset-password/").content.decode()
    assert "<strong>忘记密码</strong>" in page and "这篇文章有帮助吗？" in page
    assert client.get("/help/en/a/secret-draft/").status_code == 404
    assert client.get("/help/fr/").status_code == 404


def test_search_page_in_both_languages(client, help_center):
    page = client.get("/help/en/search/", {"q": "pasword"}).content.decode()
    assert "/help/en/a/reset-password/" in page
    page = client.get("/help/zh-hans/search/", {"q": "充值没到账"}).content.decode()
    assert "/help/zh-hans/a/deposit-not-credited/" in page
    page = client.get("/help/en/search/", {"q": "zzzqqq"}).content.decode()
    assert "No articles match" in page


def test_search_as_you_type_returns_a_fragment(client, help_center):
    fragment = client.get("/help/en/search/", {"q": "memo"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "/help/en/a/missing-memo/" in fragment


def test_votes_one_per_reader_and_changeable(client, help_center):
    url = "/help/en/a/reset-password/vote"
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    assert client.post(url, {"helpful": "no"}, headers={"HX-Request": "true"}).status_code == 200
    vote = ArticleVote.objects.get()
    assert vote.helpful is False and vote.language == "en"
    other = type(client)()
    other.post(url, {"helpful": "yes"})
    assert services.vote_counts(help_center["password"]) == {"helpful": 1, "not_helpful": 1}
    page = client.get("/help/en/a/reset-password/").content.decode()
    assert "Was this article helpful?" not in page  # already voted


def test_votes_on_drafts_are_refused(client, help_center):
    assert client.post("/help/en/a/secret-draft/vote", {"helpful": "yes"}).status_code == 404
    assert not ArticleVote.objects.exists()
