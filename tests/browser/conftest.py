"""Playwright driving Debian's chromium against a real kefu server with the demo data."""

from __future__ import annotations

import os
import shutil

import pytest

from kefu.core.liveserver import LiveSite

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium) for the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def demo_server():
    site = LiveSite(database_url="")  # the browser suite always runs on a fresh SQLite file
    try:
        site.kefu("demo")
        site.token = site.create_token("browser tests")
        site.server = site.start_server()
        yield site
    finally:
        site.close()


@pytest.fixture
def page_errors():
    """JavaScript errors seen on any page of the test; asserted empty at the end."""
    errors: list[str] = []
    yield errors
    assert errors == []
