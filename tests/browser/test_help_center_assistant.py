"""What a person sees: the help center in both languages with its search and the widget, article
suggestions while typing, a bot answer with "did this solve it?" buttons, and "No" reaching a person."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kefu.core.liveserver import LiveSite

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def assistant_server():
    site = LiveSite(database_url="", assistant=True)
    try:
        site.kefu("demo")  # the assistant is on in the demo inbox
        site.server = site.start_server(timeout=180)
        yield site
    finally:
        site.close()


def test_help_center_search_and_article(browser, assistant_server, page_errors):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{assistant_server.server.url}/help/")
    expect(page).to_have_url(re.compile("/help/zh-hans/"))
    expect(page.locator("h1")).to_have_text("有什么可以帮您？")
    page.fill("input[name=q]", "谷歌验证器丢了")
    result = page.locator("#live-results a", has_text="验证器丢失怎么办")
    expect(result).to_be_visible(timeout=20000)
    result.click()
    expect(page.locator("article h1")).to_have_text(re.compile("验证器丢失"))
    page.locator(".vote button[value=yes]").click()
    expect(page.locator(".vote")).to_contain_text("感谢您的反馈")
    context.close()


def test_widget_suggests_answers_and_hands_off(browser, assistant_server, page_errors):
    url = assistant_server.server.url
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{url}/help/en/")
    page.locator("[data-kefu-open]").first.click()
    panel = page.locator('[data-kefu="panel"]')
    expect(panel).to_be_visible(timeout=20000)
    expect(panel).to_have_attribute("data-connection", "online", timeout=20000)

    page.locator('[data-kefu="input"]').fill("withdrawl fee")
    suggestion = page.locator(".kefu-suggest a", has_text="Withdrawal fees")
    expect(suggestion).to_be_visible(timeout=20000)

    page.locator('[data-kefu="input"]').fill("I forgot my password")
    page.locator('[data-kefu="send"]').click()
    answer = page.locator('[data-kefu="message"][data-author="bot"]', has_text="Forgot password")
    expect(answer).to_be_visible(timeout=60000)
    expect(page.locator(".kefu-article-link", has_text="How to reset your password")).to_be_visible()
    page.locator(".kefu-assistant-row .chip", has_text="No").click()
    handoff = page.locator('[data-kefu="message"][data-author="bot"]', has_text="colleague")
    expect(handoff).to_be_visible(timeout=30000)
    context.close()
