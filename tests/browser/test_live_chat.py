"""What a person sees: a customer chats in the widget, an agent answers in the console, live."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PASSWORD = "kefu-demo-2026"


def open_console(browser, server_url: str, errors: list[str], username: str = "lin"):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"console: {error}"))
    page.goto(f"{server_url}/console/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/"))
    return context, page


def open_widget(browser, server_url: str, errors: list[str], locale: str = "en-US", query: str = ""):
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"widget: {error}"))
    page.goto(f"{server_url}/widget/demo{query}")
    page.locator('[data-kefu="launcher"]').click()
    expect(page.locator('[data-kefu="panel"]')).to_be_visible()
    expect(page.locator('[data-kefu="panel"]')).to_have_attribute("data-connection", "online")
    return context, page


def test_customer_and_agent_chat_live(browser, demo_server, page_errors):
    url = demo_server.server.url
    console_context, console = open_console(browser, url, page_errors)
    widget_context, widget = open_widget(browser, url, page_errors)
    question = f"My USDT deposit is missing {uuid.uuid4().hex[:6]}"

    widget.locator('[data-kefu="input"]').fill(question)
    widget.locator('[data-kefu="send"]').click()
    mine = widget.locator('[data-kefu="message"][data-author="customer"]', has_text=question)
    expect(mine).to_have_attribute("data-state", re.compile("sent|read"))

    # the conversation appears live in the agent's list, without a reload
    row = console.locator("[data-conversation-id]", has_text=question[:20])
    expect(row).to_be_visible(timeout=10000)
    row.first.click()
    expect(console.locator('[data-testid="message"]', has_text=question)).to_be_visible()

    answer = f"Thanks, we are checking your deposit now {uuid.uuid4().hex[:6]}"
    console.fill("textarea[name=body]", answer)
    console.locator("form[hx-post*='/reply'] button[type=submit]").first.click()
    expect(console.locator('[data-testid="message"]', has_text=answer)).to_be_visible()

    reply = widget.locator('[data-kefu="message"][data-author="agent"]', has_text=answer)
    expect(reply).to_be_visible(timeout=10000)

    # the customer answers back and the open conversation updates live in the console
    follow_up = f"Here is the TxID {uuid.uuid4().hex[:8]}"
    widget.locator('[data-kefu="input"]').fill(follow_up)
    widget.keyboard.press("Enter")
    expect(console.locator('[data-testid="message"]', has_text=follow_up)).to_be_visible(timeout=10000)
    widget_context.close()
    console_context.close()


def test_widget_speaks_chinese_and_switches(browser, demo_server, page_errors):
    context, widget = open_widget(browser, demo_server.server.url, page_errors, locale="zh-CN")
    send = widget.locator('[data-kefu="send"]')
    expect(send).to_have_text(re.compile("发送"))
    widget.locator('[data-kefu="lang"]').click()
    expect(send).to_have_text(re.compile("Send"))
    context.close()


def test_verified_user_sees_their_history(browser, demo_server, page_errors):
    # The demo page signs UID 100234 server-side, as an exchange's backend would.
    context, widget = open_widget(browser, demo_server.server.url, page_errors, locale="zh-CN", query="?user=100234")
    expect(widget.locator('[data-kefu="message"]', has_text="500 USDT").first).to_be_visible(timeout=10000)
    # internal notes of that conversation never reach the customer
    expect(widget.locator('[data-kefu="message"]', has_text="资金组")).to_have_count(0)
    context.close()
