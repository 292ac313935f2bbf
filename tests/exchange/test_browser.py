"""What a person sees: a signed-in customer reports a deposit in the widget, an agent verifies them from
the console's exchange panel, the customer confirms in the widget. Real server, fake exchange, chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kefu.core.liveserver import LiveSite
from kefu.exchange import fake_data
from kefu.exchange.fake import FakeExchange
from tests.browser.conftest import browser, page_errors  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
PASSWORD = "kefu-demo-2026"
SECRET = "browser-exchange-secret"


@pytest.fixture(scope="module")
def exchange_site():
    fake = FakeExchange(SECRET).start()
    site = LiveSite(database_url="")
    plain_env = site.env
    site.env = lambda **extra: plain_env(KEFU_EXCHANGE_URL=fake.url, KEFU_EXCHANGE_SECRET=SECRET, **extra)
    try:
        site.kefu("demo")
        site.server = site.start_server()
        yield site
    finally:
        site.close()
        fake.stop()


def test_widget_case_form_and_verification_round_trip(browser, exchange_site, page_errors):  # noqa: F811
    url = exchange_site.server.url
    widget_context = browser.new_context(locale="en-US")
    widget = widget_context.new_page()
    widget.on("pageerror", lambda error: page_errors.append(f"widget: {error}"))
    widget.goto(f"{url}/widget/demo?user=100234")
    widget.locator('[data-kefu="launcher"]').click()
    expect(widget.locator('[data-kefu="panel"]')).to_have_attribute("data-connection", "online")

    # The demo cases of this customer show up, and the guided form opens a new one.
    expect(widget.get_by_text(re.compile(r"C-1001 · Deposit not credited"))).to_be_visible(timeout=10000)
    widget.get_by_role("button", name="Report a deposit or withdrawal problem").click()
    widget.locator("input[name=asset]").fill("USDT")
    widget.locator("input[name=network]").fill("ERC20")
    widget.locator("input[name=txid]").fill(fake_data.CHEN_DEPOSIT_TXID)
    widget.locator("input[name=amount]").fill("500")
    widget.get_by_role("button", name="Submit").click()
    expect(widget.get_by_text(re.compile("TxID has the form of a"))).to_be_visible()
    widget.locator("input[name=network]").fill("TRC20")
    widget.get_by_role("button", name="Submit").click()
    expect(widget.get_by_text(re.compile(r"C-1005 · Deposit not credited · (Submitted|Verifying)"))).to_be_visible(
        timeout=10000)

    console_context = browser.new_context(locale="en-US")
    console = console_context.new_page()
    console.on("pageerror", lambda error: page_errors.append(f"console: {error}"))
    console.goto(f"{url}/console/login/")
    console.fill("input[name=username]", "wang")
    console.fill("input[name=password]", PASSWORD)
    console.click("button[type=submit], input[type=submit]")
    console.locator("[data-conversation-id]", has_text="500 USDT").first.click()
    panel = console.locator('[data-testid="exchange-panel"]')
    expect(panel).to_contain_text("100234", timeout=10000)
    expect(panel).to_contain_text("c•••@e•••.com")
    expect(panel.locator('[data-testid="verification-state"]')).to_contain_text("客户未验证")  # wang works in Chinese
    panel.get_by_role("button", name="在聊天中验证").click()

    widget.get_by_role("button", name="Yes, it's me").click(timeout=10000)
    expect(widget.get_by_text("Thank you, you are verified.")).to_be_visible()
    # The panel follows the exchange.verify event live, without a reload.
    expect(console.locator('[data-testid="verification-state"]')).to_contain_text("客户已验证", timeout=10000)
    widget_context.close()
    console_context.close()
