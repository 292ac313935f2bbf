"""The demo help center as a fixture: imported once per test session, then loaded per test with
`loaddata` (much faster than importing the Markdown again). Import the fixtures into a test module:

    from tests.assistant.kb_fixtures import demo_kb, demo_kb_dump  # noqa: F401
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="session")
def demo_kb_dump(django_db_setup, django_db_blocker, tmp_path_factory):
    path = tmp_path_factory.mktemp("kb") / "demo_kb.json"
    with django_db_blocker.unblock():
        from kefu.knowledge import demo

        with transaction.atomic():
            demo.load(io.StringIO())
            with open(path, "w", encoding="utf-8") as out:
                call_command("dumpdata", "knowledge", stdout=out)
            transaction.set_rollback(True)
    return path


@pytest.fixture
def demo_kb(db, demo_kb_dump, settings):
    """The demo help center (61 articles, zh-Hans + en + derived zh-Hant), published and indexed, and
    the assistant on by default (tests/conftest.py switches it off for everybody else)."""
    settings.KEFU_ASSISTANT_DEFAULT_ENABLED = True
    call_command("loaddata", str(demo_kb_dump), verbosity=0)
