"""Language detection and the messages that always go to a person."""

import pytest

from kefu.assistant.engine import asks_for_human, detect_language, is_sensitive
from kefu.assistant.text import normalize


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("我的充值还没到账", "zh-hans"),
        ("我的USDT提现一直没到", "zh-hans"),
        ("為什麼我的帳號被凍結了", "zh-hant"),
        ("請問提現手續費是多少", "zh-hant"),
        ("How do I reset my 2FA?", "en"),
        ("my deposit 没到账", "zh-hans"),
        ("USDT TRC20 withdrawal 提现", "en"),
        ("", "en"),
        ("12345", "en"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_normalize_folds_traditional_and_full_width():
    assert normalize("帳號被凍結") == "账号被冻结"
    assert normalize("ＵＳＤＴ  提現") == "usdt 提现"


@pytest.mark.parametrize(
    "text",
    [
        "人工", "转人工", "我要人工客服", "轉人工", "真人", "找客服", "我要联系客服", "客服在吗", "客服",
        "human", "agent", "I want to talk to an agent", "Can I speak to a real person?", "human please",
        "connect me with a representative", "I need a human", "let me talk to someone", "live agent",
    ],
)
def test_asks_for_human(text):
    assert asks_for_human(text)


@pytest.mark.parametrize(
    "text",
    [
        "What is the agent fee?", "How do I become an agent?", "agent commission rates", "人工智能交易机器人",
        "代理返佣怎么算", "客服工作时间是几点", "my browser user agent is blocked", "How do I reset 2FA?",
        "我的充值没到账", "how do I get other people to join with my referral link",
    ],
)
def test_does_not_ask_for_human(text):
    assert not asks_for_human(text)


@pytest.mark.parametrize(
    "text",
    [
        "My account was hacked", "I did not make this withdrawal", "someone logged into my account",
        "unauthorized withdrawal from my wallet", "I think I was SIM swapped", "I want a refund",
        "I clicked a phishing link and entered my password",
        "我的账号被盗了", "不是我本人操作的提现", "帳號被盜", "申请退款", "有陌生设备登录我的账号", "手机号被人补卡了",
        "我在钓鱼网站输入了密码",
    ],
)
def test_sensitive(text):
    assert is_sensitive(text)


@pytest.mark.parametrize(
    "text",
    [
        "How do I recognize a phishing email?", "How do I enable 2FA?", "什么是钓鱼网站", "如何开启谷歌验证",
        "What are the withdrawal fees?", "提现手续费是多少",
    ],
)
def test_not_sensitive(text):
    assert not is_sensitive(text)
