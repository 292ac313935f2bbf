"""What a customer sees: the anti-phishing line in the signed-in widget, nothing for anonymous visitors."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, demo_server, page_errors  # noqa: F401 - shared fixtures
from tests.browser.test_live_chat import open_widget

pytestmark = pytest.mark.browser


def test_verified_customer_sees_the_code_and_anonymous_does_not(browser, demo_server, page_errors):  # noqa: F811
    url = demo_server.server.url
    api = httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {demo_server.token}"})
    [contact] = api.get("/contacts", params={"external_id": "100234"}).json()
    assert contact["anti_phishing_code"] == "KEFU-7Q2X"  # set by kefu/webhooks/demo.py

    context, widget = open_widget(browser, url, page_errors, locale="zh-CN", query="?user=100234")
    line = widget.locator('[data-kefu="anti-phishing"]')
    expect(line).to_contain_text("您的防钓鱼码")
    expect(line.locator("strong")).to_have_text("KEFU-7Q2X")
    context.close()

    context, widget = open_widget(browser, url, page_errors, locale="en-US", query="?user=100234")
    expect(widget.locator('[data-kefu="anti-phishing"]')).to_contain_text("Your anti-phishing code: KEFU-7Q2X.")
    context.close()

    context, widget = open_widget(browser, url, page_errors, locale="en-US")
    expect(widget.locator('[data-kefu="identity"]')).to_be_visible()
    expect(widget.locator('[data-kefu="anti-phishing"]')).to_have_count(0)
    assert "KEFU-7Q2X" not in widget.content()
    context.close()
