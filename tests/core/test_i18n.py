"""Everything a user sees exists in zh-Hans and en: the catalog is complete and compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from kefu.core.i18n import normalize_language

PACKAGE = Path(__file__).resolve().parents[2] / "kefu"
CATALOG = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# The project catalog plus the apps' own (kefu/<app>/locale/...).
CATALOGS = sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def _entries(text: str) -> list[dict[str, str]]:
    entries = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                fields["flags"] = line
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line.strip('"')
        if "msgid" in fields:
            entries.append(fields)
    return entries


def test_project_catalog_is_large():
    assert CATALOG in CATALOGS
    assert len([e for e in _entries(CATALOG.read_text(encoding="utf-8")) if e["msgid"]]) > 100


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_zh_hans_catalog_is_complete(catalog):
    entries = [e for e in _entries(catalog.read_text(encoding="utf-8")) if e["msgid"]]
    untranslated = [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", "")]
    assert untranslated == []
    assert fuzzy == []
    mo = catalog.with_suffix(".mo")
    assert mo.exists()


@pytest.mark.parametrize("tag,expected", [
    ("zh-CN", "zh-hans"), ("zh_Hans", "zh-hans"), ("zh-Hans-CN", "zh-hans"), ("en-US", "en"), ("", "en"),
    (None, "en"), ("fr", "en"),
])
def test_normalize_language(tag, expected):
    assert normalize_language(tag) == expected


def test_statuses_are_shown_in_chinese():
    from kefu.conversations.taxonomy import Status

    with translation.override("zh-hans"):
        assert str(Status.NEW.label) == "新建"
        assert str(Status.SOLVED.label) == "已解决"


@pytest.mark.parametrize(("text", "expected"), [
    ("我的USDT没到账", "zh-hans"),
    ("提币失败了，怎么办？", "zh-hans"),
    ("My ETH withdrawal failed.", None),
    ("Please check my deposit, my name is 王伟 and my UID is 400119", None),
    ("", None),
    (None, None),
])
def test_language_of_text_names_chinese_messages_only(text, expected):
    from kefu.core.i18n import language_of_text

    assert language_of_text(text) == expected
