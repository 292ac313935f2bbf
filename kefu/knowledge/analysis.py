"""Text analysis for search: Chinese segmentation (jieba), English stemming (Snowball), typo tolerance.

Index and query go through the same `analyze`, so both sides speak the same terms; the database
backends only ever see space-separated terms.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

from kefu.assistant import text as assistant_text

# Words of the exchange domain that jieba's general dictionary cuts apart ("到账" -> "到" "账").
DOMAIN_WORDS = (
    "到账", "充币", "提币", "充值", "提现", "二次验证", "双重验证", "谷歌验证器", "验证器", "身份认证",
    "实名认证", "人脸识别", "冻结", "解冻", "强平", "爆仓", "强制平仓", "合约", "永续合约", "现货", "杠杆",
    "保证金", "维持保证金", "资金费率", "标记价格", "手续费", "限额", "主网", "链上", "区块确认", "交易哈希",
    "标签", "备注", "助记词", "私钥", "钓鱼", "防钓鱼码", "白名单", "地址簿", "客服", "人工客服", "工作时间",
    "退款", "返佣", "体验金", "空投", "邀请码", "限价单", "市价单", "止损", "止盈", "挂单", "吃单", "手机号",
    "邮箱", "密码", "重置", "登录", "注册", "申诉", "被盗", "异地登录", "风控", "充错", "提错", "转错",
)

STOPWORDS_EN = frozenset(
    "a an and are as at be been but by can could do does did for from had has have how i if in into is it its "
    "me my of on or our please so than that the their them then there these they this to was we were what when "
    "where which who why will with would you your yours".split()
)
STOPWORDS_ZH = frozenset(
    "的 了 吗 呢 吧 啊 呀 是 我 我的 你 你们 您 请问 请 一下 怎么 怎么办 如何 什么 为什么 在 和 与 或 就 都 也 "
    "还 要 会 能 可以 这个 那个 这 那 有 没 把 被 给 让 时候 哪里 哪 一个 个".split()
)

_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]+", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():
    """The assistant's jieba (loaded once per process), taught the exchange's own words."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                jieba = assistant_text._segmenter()
                for word in DOMAIN_WORDS:
                    jieba.add_word(word, freq=20000)
                _jieba = jieba
    return _jieba


stem = assistant_text.stem


def normalize(text: str) -> str:
    """Full-width to half-width, lower case: 'ＵＳＤＴ' and 'usdt' are one term."""
    return unicodedata.normalize("NFKC", text or "").lower()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def analyze(text: str, *, for_index: bool = False) -> list[str]:
    """Turn text in any of our languages into search terms.

    Chinese runs are segmented with jieba (the finer search mode when indexing, so a query for a
    short word finds a long compound); Latin words are lower-cased and stemmed. Stop words go.
    """
    return [term for _word, term in analyze_words(text, for_index=for_index)]


def analyze_words(text: str, *, for_index: bool = False) -> list[tuple[str, str]]:
    """Like `analyze`, but each term with the word it came from: ('withdrawals', 'withdraw')."""
    pairs: list[tuple[str, str]] = []
    for token in _TOKEN.findall(normalize(text)):
        if _CJK.match(token):
            jieba = _segmenter()
            words = jieba.cut_for_search(token) if for_index else jieba.cut(token)
            pairs.extend((w, w) for w in words if w.strip() and w not in STOPWORDS_ZH)
        elif token not in STOPWORDS_EN:
            pairs.append((token, stem(token)))
    return pairs


def split_unknown_cjk(term: str, vocabulary: frozenset[str] | set[str]) -> list[str]:
    """A Chinese query word the index does not know: try its parts that it does know."""
    parts = [w for w in _segmenter().cut_for_search(term) if w != term and w in vocabulary]
    if parts:
        return parts
    return [ch for ch in term if ch in vocabulary and ch not in STOPWORDS_ZH]


def to_traditional(text: str) -> str | None:
    """Simplified -> Traditional Chinese with OpenCC, or None when no OpenCC package is installed."""
    converter = _opencc()
    return converter.convert(text) if converter is not None else None


@lru_cache(maxsize=1)
def _opencc():
    try:
        import opencc
    except ImportError:
        return None
    for config in ("s2t", "s2t.json"):
        try:
            return opencc.OpenCC(config)
        except Exception:  # the two packages spell the config differently
            continue
    return None
