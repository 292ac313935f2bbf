"""Fixtures for the knowledge base: a small help center built through the services."""

from __future__ import annotations

import pytest

from kefu.knowledge import services
from kefu.knowledge.services import Version


@pytest.fixture
def help_center(db):
    """Two categories, three published articles and one draft, in zh-Hans and en."""
    funds = services.save_category("deposits", {"en": "Deposits", "zh-hans": "充值"},
                                   {"en": "Getting coins in", "zh-hans": "充值相关"}, position=1)
    account = services.save_category("account", {"en": "Account", "zh-hans": "账户"}, position=2)
    deposit = services.create_article(funds, "deposit-not-credited", {
        "en": Version("My deposit has not arrived",
                      "Deposits need **confirmations**.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
                      "Wait for the network confirmations, then contact us with the transaction hash.",
                      ["where is my deposit", "deposit not credited"]),
        "zh-hans": Version("充值未到账怎么办", "充值需要**区块确认**。", "请等待区块确认，然后提供交易哈希联系我们。",
                           ["我的充值为什么没有到账", "充币一直不到账"]),
    }, tags=["deposit"], publish=True)
    memo = services.create_article(funds, "missing-memo", {
        "en": Version("I forgot the memo on my deposit", "Submit a recovery request.", "Submit a recovery request.",
                      ["sent XRP without a tag"]),
        "zh-hans": Version("充值忘记填写备注", "请提交找回申请。", "请提交找回申请。", ["XRP 没填标签"]),
    }, publish=True)
    password = services.create_article(account, "reset-password", {
        "en": Version("How to reset your password", "Use **Forgot password**.", "Choose Forgot password.",
                      ["I forgot my password"]),
        "zh-hans": Version("如何重置登录密码", "点击**忘记密码**。", "在登录页点击忘记密码。", ["忘记密码了"]),
    }, publish=True)
    draft = services.create_article(account, "secret-draft", {
        "en": Version("Unreleased feature password vault", "Not yet.", "Not yet.", []),
    })
    return {"deposit": deposit, "memo": memo, "password": password, "draft": draft}
