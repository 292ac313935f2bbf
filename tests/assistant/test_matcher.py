"""The matcher on a small bilingual help center."""

import pytest

from kefu.assistant.engine import Entry, Matcher

ARTICLES = {
    "reset-2fa": {
        "en": ["How do I reset my 2FA?", "I lost my phone with Google Authenticator", "2FA code not working"],
        "zh-hans": ["怎么重置谷歌验证器", "手机丢了，二次验证怎么办", "谷歌验证码一直错误"],
    },
    "deposit-missing": {
        "en": ["My deposit has not arrived", "Deposit not credited to my account", "Where is my crypto deposit?"],
        "zh-hans": ["充值没有到账", "充币一直不到账怎么办", "我转进来的币没有显示"],
    },
    "withdrawal-fees": {
        "en": ["What are the withdrawal fees?", "How much does it cost to withdraw USDT?", "Withdrawal fee table"],
        "zh-hans": ["提现手续费是多少", "提币要收多少手续费", "USDT提现费用"],
    },
    "liquidation": {
        "en": ["How does liquidation work?", "Why was my futures position liquidated?", "Liquidation price?"],
        "zh-hans": ["什么是强平", "我的合约为什么被强制平仓", "强平价格怎么计算"],
    },
    "kyc": {
        "en": ["How do I verify my identity?", "KYC verification failed", "What documents do I need for KYC?"],
        "zh-hans": ["怎么进行实名认证", "身份认证失败了", "KYC需要什么证件"],
    },
}


@pytest.fixture(scope="module")
def matcher():
    entries = [
        Entry(doc_id=doc, text=text, language=lang)
        for doc, versions in ARTICLES.items()
        for lang, texts in versions.items()
        for text in texts
    ]
    entries.append(Entry("kyc", "Identity verification (KYC)", "en", weight=1.5))
    return Matcher(entries)


@pytest.mark.parametrize(
    ("query", "doc"),
    [
        ("我的充值一直没到账", "deposit-missing"),
        ("提币手续费怎么收", "withdrawal-fees"),
        ("合约被强平了是什么原因", "liquidation"),
        ("實名認證失敗怎麼辦", "kyc"),  # Traditional Chinese finds the Simplified article
        ("how much is the fee to withdraw", "withdrawal-fees"),
        ("my depositt hasnt arived yet", "deposit-missing"),  # typos
        ("google authentcator code wrong", "reset-2fa"),
        ("verifying my identiy", "kyc"),
    ],
)
def test_top_candidate(matcher, query, doc):
    candidates = matcher.match(query)
    assert candidates, query
    assert candidates[0].doc_id == doc, (query, candidates)


def test_scores_are_probabilities_best_first(matcher):
    candidates = matcher.match("deposit not credited", k=5)
    assert len(candidates) == 5
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores) and sum(scores) <= 1.0 + 1e-6
    assert len({c.doc_id for c in candidates}) == 5


def test_k_limits_the_candidates(matcher):
    assert len(matcher.match("充值没到账", k=2)) == 2


def test_chinese_query_matches_chinese_entries_only(matcher):
    # A language given by the caller restricts matching to entries of that language (or of none).
    zh = Matcher([Entry("a", "充值没有到账", "zh-hans"), Entry("b", "deposit not arrived 充值", "en")])
    assert zh.match("充值", language="zh-hans")[0].doc_id == "a"


def test_confident_on_close_paraphrase_unsure_on_nonsense(matcher):
    sure = matcher.match("What are the withdrawal fees?")[0].score
    unsure = matcher.match("qwerty zxcv")[0].score
    assert sure > unsure


def test_empty_inputs():
    assert Matcher([]).match("anything") == []
    m = Matcher([Entry("a", "hello world")])
    assert m.match("") == []
    assert m.match("   ") == []
    assert m.match("hello")[0].doc_id == "a"


def test_sparse_weights_give_the_same_ranking(monkeypatch):
    from kefu.assistant import matching

    entries = [Entry(doc, text, lang) for doc, v in ARTICLES.items() for lang, texts in v.items() for text in texts]
    dense = Matcher(entries)
    monkeypatch.setattr(matching, "DENSE_WEIGHTS_LIMIT", 0)
    sparse_matcher = Matcher(entries)
    assert not isinstance(dense._coef_t, type(sparse_matcher._coef_t))
    for query in ["提现手续费", "deposit not arrived", "强平价格"]:
        assert dense.match(query)[0].doc_id == sparse_matcher.match(query)[0].doc_id
