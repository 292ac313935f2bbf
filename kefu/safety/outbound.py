"""Outbound guard: does an agent, macro or bot message ask the customer for something support never needs?

Pure functions. `find_requests(text)` returns one finding per forbidden request: a seed phrase, a private
key, an API secret, a password, a 2FA code, remote-access software, or a transfer of funds. Support text
that warns about these ("we will never ask for your seed phrase", "if anyone asks you to install AnyDesk,
it is a scam") is not a request: a negation or warning before the object in the same sentence clears it,
unless the sentence coerces ("unless you send…", "如果不提供…就无法…").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEED_PHRASE = "seed_phrase"
PRIVATE_KEY = "private_key"
API_SECRET = "api_secret"
PASSWORD = "password"
OTP_CODE = "otp_code"
REMOTE_ACCESS = "remote_access"
FUND_TRANSFER = "fund_transfer"
KINDS = (SEED_PHRASE, PRIVATE_KEY, API_SECRET, PASSWORD, OTP_CODE, REMOTE_ACCESS, FUND_TRANSFER)


@dataclass(frozen=True)
class Request:
    """A forbidden request found in an outgoing message."""

    kind: str
    start: int
    end: int


_I = re.IGNORECASE
_OBJECTS = {
    SEED_PHRASE: re.compile(
        r"seed(?:\s*phrase|\s*words)?|recovery\s*(?:phrase|words)|secret\s*(?:recovery\s*)?phrase|mnemonic|"
        r"backup\s*phrase|(?:12|24)[\s-]*(?:words?|word\s*phrase)|助记词|助记|种子词|恢复短语|备份词", _I),
    PRIVATE_KEY: re.compile(r"private\s*key|privkey|keystore(?:\s*file)?|wallet\s*key|私钥|钱包密钥|keystore文件", _I),
    API_SECRET: re.compile(r"api\s*(?:secret|key)s?|secret\s*key|api\s*密钥|api\s*秘钥", _I),
    PASSWORD: re.compile(r"pass\s*word|passcode|\bpin\b|\bpwd\b|登录密码|资金密码|交易密码|支付密码|密码", _I),
    OTP_CODE: re.compile(
        r"2\s*fa(?:\s*code)?|two[\s-]*factor(?:\s*code)?|authenticator(?:\s*code)?|google\s*auth\w*(?:\s*code)?|"
        r"\botp\b|one[\s-]*time\s*(?:code|password)|verification\s*code|sms\s*code|security\s*code|"
        r"email\s*code|(?:code|codes)\s+(?:you|that\s+you)\s+(?:received|got|get)|"
        r"(?:six|6)[\s-]*digit\s*code|code\s+(?:we|i)\s+(?:just\s+)?(?:sent|texted|emailed)|"
        r"验证码|谷歌验证|动态码|动态口令|短信码|安全码|收到的码", _I),
}
_REMOTE_TOOLS = re.compile(
    r"any\s*desk|team\s*viewer|向日葵|sunlogin|to\s*desk|rust\s*desk|quick\s*(?:support|assist)|ultra\s*viewer|"
    r"screen\s*connect|splashtop|supremo|chrome\s*remote\s*desktop|remote\s*desktop|remote\s*access\s*(?:app|tool|software)?|"
    r"远程协助|远程控制|远程桌面|远程软件|share\s*(?:your|the)\s*screen|屏幕共享|共享屏幕", _I)

_REQUEST_EN = re.compile(
    r"\b(?:send|give|share|provide|tell|paste|forward|dm|pm|read\s*(?:out|me)|reply\s*with|submit|"
    r"upload|show\s*(?:me|us)|let\s*(?:me|us)\s*(?:know|have|see)|"
    r"(?:we|i)\s*(?:will\s*)?(?:need|require|must\s*have|have\s*to\s*(?:see|have|check))|"
    r"need\s*you\s*to|what\s*(?:is|'s|are)|what’s|can\s*(?:i|we)\s*(?:have|get|see)|"
    r"(?:enter|type|write|put)\b[^.?!]{0,40}\b(?:here|in\s*(?:this|the)\s*chat|to\s*(?:me|us)|below))", _I)
_REQUEST_ZH = re.compile(
    r"发给|发送|发我|发过来|发一下|发来|提供|告诉|给我|给我们|报一下|报给|念一下|截图|拍照|复制|粘贴|填写|输入到这里|"
    r"是什么|是多少|多少|需要您的|需要你的|需要您|需要你")
_REMOTE_VERBS = re.compile(
    r"\b(?:install|download|open|run|use|connect|grant|allow|accept|get|set\s*up)\b|"
    r"安装|下载|打开|使用|连接|授权|装一?个", _I)
_NEGATION = re.compile(
    r"\b(?:never|not|no\s*one|nobody|don'?t|do\s*n[o']t|won'?t|will\s*not|shouldn'?t|should\s*not|cannot|can'?t|"
    r"mustn'?t|must\s*not|avoid|refuse|without)\b|don’t|won’t|"
    r"scam|fraud|fake|phishing|impersonat|beware|warning|if\s*(?:anyone|someone|somebody)|"
    r"不会|不要|不需要|无需|不必|不能|不可|别|勿|切勿|请勿|绝不|绝对不|永远不|从不|禁止|千万|诈骗|骗子|冒充|假冒|钓鱼|警惕|小心|谨防|"
    r"如果有人|任何人|if\s*you(?:'ve|\s*have)?\s*(?:already\s*)?(?:shared|sent|given|gave|revealed|leaked|typed)|"
    r"如果您?(?:已经)?(?:泄露|分享|发送|透露)", _I)
_COERCION = re.compile(
    r"\bunless\s*you|\botherwise\b|if\s*you\s*(?:don'?t|do\s*not)\s*(?:send|provide|give|share)|"
    r"can'?t\s*help\s*(?:you\s*)?(?:unless|without)|如果不(?:提供|发|给)|除非|否则", _I)
_CALM = re.compile(r"don'?t\s*worry|no\s*problem|no\s*worries|不用担心|别担心|没关系|不要担心|别着急|不要着急", _I)
# A sentence ends at 。！？, a line break, or .!? followed by a space (not the dot in "0.1 BTC").
_SENTENCE = re.compile(r"(?:[^.!?。！？\n]|[.!?](?=\S))+[.!?。！？\n]*")

_ASSET = r"(?:btc|eth|usdt|usdc|bnb|trx|sol|xrp|ton|doge|ltc|busd|dai|u|个?币|个?比特币|以太坊?|泰达币|元|美元|块)"
_AMOUNT = rf"(?:\d+(?:[.,]\d+)?\s*{_ASSET}|a\s*small\s*(?:amount|deposit|transfer|test\s*transaction)|一笔|少量|小额)"
_TRANSFER_EN = re.compile(rf"\b(?:send|transfer|deposit|pay|wire|move)\s+(?:us\s+|me\s+|in\s+)?{_AMOUNT}", _I)
_PURPOSE = re.compile(
    r"verif(?:y|ication)(?!\s*(?:the\s*)?(?:address|network))|unlock|activat|validat|unfreez|release|"
    r"confirm\s*(?:your\s*)?(?:account|wallet|identity|ownership)|prove\s*(?:your\s*)?ownership|"
    r"解冻|验证|激活|解锁|认证|核实", _I)
_ADDRESS = r"(?:0x[0-9a-fA-F]{40}(?![0-9a-fA-F])|\bT[1-9A-HJ-NP-Za-km-z]{33}\b|\bbc1[0-9a-z]{20,60}\b)"
_SAFE_ACCOUNT = re.compile(
    r"\b(?:send|transfer|move|deposit)\b[^.?!。]{0,40}\b(?:funds|assets|coins|balance|money|crypto|everything)\b"
    r"[^.?!。]{0,30}\bto\s*(?:this|our|the\s*following|the\s*below|a\s*safe|a\s*secure|my|a\s*protected)\b"
    rf"|\b(?:send|transfer|move|deposit)\b[^.?!。]{{0,60}}\bto\b[^.?!。]{{0,20}}{_ADDRESS}"
    rf"|(?:转|打|充)(?:到|入|至)[^。！？]{{0,20}}{_ADDRESS}", _I)
# "A refundable deposit of 50 USDT is needed to unfreeze…", "a fee of 100 USDT to release…"
_FEE_FOR_RELEASE = re.compile(
    rf"\b(?:deposit|fee|payment|guarantee|security\s*deposit|tax)\s+of\s+{_AMOUNT}", _I)
_DEMAND = re.compile(r"\b(?:need(?:ed|s)?|required?|must|have\s*to|pay|send|transfer|make)\b", _I)
_TRANSFER_ZH = re.compile(
    r"转账验证|打款验证|验证转账|转一笔|打一笔|先转|先充|验证金|解冻费|解冻金|激活费|保证金|手续费才能|"
    r"(?:转|打|充)(?:到|入|至)?(?:这个|以下|指定|我们的|安全)(?:的)?(?:地址|账户|账号|钱包)|安全账户|"
    rf"(?:转|打|充|付)(?:入|账)?\s*{_AMOUNT}[^。！？]{{0,20}}(?:验证|激活|解冻|解锁|认证)")


def _blocked_clause(sentence: str, obj_start: int, remote: bool = False) -> bool:
    """True when the sentence asks for the object found at `obj_start` (no negation/warning before it)."""
    if _COERCION.search(sentence):
        return True
    calm = _CALM.sub(lambda m: " " * len(m.group()), sentence)
    if _NEGATION.search(calm[:obj_start]):
        return False
    before, after = calm[:obj_start], calm[obj_start:]
    if remote and (_REMOTE_VERBS.search(before) or _REMOTE_VERBS.search(after[:40])):
        return True
    return bool(_REQUEST_EN.search(before) or _REQUEST_ZH.search(before) or _REQUEST_ZH.search(after[:16])
                or re.match(r"[^.?!]{0,30}\b(?:please|pls|plz|here|now|asap)\b", after, _I))


def _object_requests(sentence: str, offset: int) -> list[Request]:
    found = []
    for kind, pattern in _OBJECTS.items():
        for m in pattern.finditer(sentence):
            if _blocked_clause(sentence, m.start()):
                found.append(Request(kind, offset + m.start(), offset + m.end()))
                break
    for m in _REMOTE_TOOLS.finditer(sentence):
        if _blocked_clause(sentence, m.start(), remote=True):
            found.append(Request(REMOTE_ACCESS, offset + m.start(), offset + m.end()))
            break
    return found


def _transfer_requests(sentence: str, offset: int) -> list[Request]:
    calm = _CALM.sub(lambda m: " " * len(m.group()), sentence)
    for pattern, needs_purpose in ((_TRANSFER_EN, True), (_FEE_FOR_RELEASE, True), (_SAFE_ACCOUNT, False),
                                   (_TRANSFER_ZH, False)):
        m = pattern.search(calm)
        if m is None or _NEGATION.search(calm[:m.start()]):
            continue
        if needs_purpose and not _PURPOSE.search(calm):
            continue
        if pattern is _FEE_FOR_RELEASE and not _DEMAND.search(calm):
            continue
        return [Request(FUND_TRANSFER, offset + m.start(), offset + m.end())]
    return []


# Necessary conditions checked once per message, so the per-sentence work is skipped for the usual
# reply that names no secret, no remote tool and no transfer. Any object or tool match inside a sentence
# is also a match in the whole text (sentences end at punctuation, so word boundaries are the same), and
# every transfer pattern contains one of the hint words, which _CALM never blanks out. For ASCII text
# (most replies) the same patterns run without IGNORECASE on the lower-cased text: identical results on
# ASCII, and several times faster in Python's re.
_ANY_OBJECT_SOURCE = "|".join(f"(?:{p.pattern})" for p in (*_OBJECTS.values(), _REMOTE_TOOLS))
_TRANSFER_HINT_SOURCE = (r"send|transfer|deposit|pay|wire|move|fee|guarantee|tax|"
                         r"转|打|充|付|验证金|解冻|激活费|保证金|手续费|安全账户")
_ANY_OBJECT, _ANY_OBJECT_ASCII = re.compile(_ANY_OBJECT_SOURCE, _I), re.compile(_ANY_OBJECT_SOURCE)
_TRANSFER_HINT, _TRANSFER_HINT_ASCII = re.compile(_TRANSFER_HINT_SOURCE, _I), re.compile(_TRANSFER_HINT_SOURCE)


def _may_request(text: str) -> tuple[bool, bool]:
    """(may name a secret or remote tool, may ask for a transfer): False means certainly not."""
    if text.isascii():
        lowered = text.lower()
        return _ANY_OBJECT_ASCII.search(lowered) is not None, _TRANSFER_HINT_ASCII.search(lowered) is not None
    return _ANY_OBJECT.search(text) is not None, _TRANSFER_HINT.search(text) is not None


def find_requests(text: str) -> list[Request]:
    """Every forbidden request in an outgoing message, one per kind and sentence."""
    found: list[Request] = []
    text = text or ""
    objects, transfers = _may_request(text)
    if not (objects or transfers):
        return found
    for sentence in _SENTENCE.finditer(text):
        if objects:
            found += _object_requests(sentence.group(), sentence.start())
        if transfers:
            found += _transfer_requests(sentence.group(), sentence.start())
    return found


def request_kinds(text: str) -> list[str]:
    """The distinct kinds of forbidden request in `text`, in the order of KINDS."""
    kinds = {r.kind for r in find_requests(text)}
    return [k for k in KINDS if k in kinds]
