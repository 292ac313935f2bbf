"""Secret detection in customer messages: pure functions, no database, no Django.

`find_secrets(text)` returns the spans of text that must never be stored: BIP-39 seed phrases (English
and simplified Chinese wordlists), private keys (hex with key context, WIF, BIP-32 extended private
keys, Solana keypair arrays), exchange API secrets given with context, 2FA/OTP codes offered in context,
and passwords given in a sentence. Decisions (documented in docs/safety.md):

- A run of 12 or more BIP-39 words (English, or separated Chinese characters) is a seed phrase even if
  no window of it passes the checksum: a seed with one mistyped word still gives the wallet away (the
  missing word is one of 2048). The finding says whether a checksum window was verified.
- A shorter run (6+ words) counts only when the message speaks of a seed/mnemonic/助记词 (partial phrases).
- Chinese written without separators is ordinary prose most of the time (the Chinese wordlist is the 2048
  commonest characters), so an unseparated clause counts only if it is exactly 12/15/18/21/24 wordlist
  characters with a valid checksum, and the message speaks of a seed or the clause has 18+ characters.
- 64 hex digits (with or without 0x) are a transaction hash unless the nearest context before them names a
  private key: TxIDs and EVM transaction hashes look exactly like keys, and customers paste TxIDs daily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kefu.safety.keys import (
    MNEMONIC_LENGTHS,
    b58decode,
    is_extended_private_key,
    is_wif,
    mnemonic_checksum_ok,
    word_index,
)

SEED_PHRASE = "seed_phrase"
PRIVATE_KEY = "private_key"
API_SECRET = "api_secret"
OTP_CODE = "otp_code"
PASSWORD = "password"
KINDS = (SEED_PHRASE, PRIVATE_KEY, API_SECRET, OTP_CODE, PASSWORD)


@dataclass(frozen=True)
class Finding:
    """One secret in a text: its kind, where it is, and how it was recognised."""

    kind: str
    start: int
    end: int
    detail: str = ""


# --- seed phrases ---------------------------------------------------------------------------------
_EN_WORD = re.compile(r"[A-Za-z]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_CLAUSE = re.compile(r"[\u4e00-\u9fff]{12,40}")
_ZH_SEED_LEAD = re.compile(r"(?:我的)?(?:钱包)?(?:助记词|种子|恢复短语|备份词)(?:是|为|如下)?")
# What may stand between the words of a pasted phrase: spaces, line breaks, numbering, list punctuation.
_SEPARATOR = re.compile(r"[\s\d.,;:|/\\\-_()\[\]{}#*、，。；：'\"“”‘’·•]*")
_SEED_CONTEXT = re.compile(
    r"seed|mnemonic|recovery\s*phrase|secret\s*phrase|backup\s*phrase|12\s*words|24\s*words|"
    r"助记词|助记|种子|恢复短语|恢复词|备份词|密语", re.IGNORECASE)
MIN_RUN = 12
MIN_PARTIAL_RUN = 6


def _runs(tokens: list[tuple[str, int, int]], text: str, index: dict[str, int], need_gap: bool):
    """Group consecutive wordlist tokens separated only by separators into runs.

    With `need_gap` (Chinese characters), the words must be visibly apart, and a colon ends a run so
    that "助记词：" does not lend its last character to the phrase."""
    run: list[tuple[str, int, int]] = []
    for token in tokens:
        word, start, _end = token
        if word not in index:
            if run:
                yield run
            run = []
            continue
        if run:
            gap = text[run[-1][2]:start]
            if not _SEPARATOR.fullmatch(gap) or (need_gap and (not gap or ":" in gap or "：" in gap)):
                yield run
                run = []
        run.append(token)
    if run:
        yield run


def _verified(words: list[str], language: str) -> bool:
    for size in MNEMONIC_LENGTHS:
        for offset in range(0, len(words) - size + 1):
            if mnemonic_checksum_ok(words[offset:offset + size], language):
                return True
    return False


def _seed_runs(text: str, tokens, language: str, need_gap: bool, has_context: bool) -> list[Finding]:
    found = []
    for run in _runs(tokens, text, word_index(language), need_gap):
        if len(run) >= MIN_RUN or (has_context and len(run) >= MIN_PARTIAL_RUN):
            words = [w for w, _s, _e in run]
            detail = f"{language}:{len(run)}:" + ("checksum" if _verified(words, language) else "unverified")
            found.append(Finding(SEED_PHRASE, run[0][1], run[-1][2], detail))
    return found


def find_seed_phrases(text: str) -> list[Finding]:
    """BIP-39 mnemonics in English or simplified Chinese, tolerant of numbering and line breaks."""
    english = [(m.group().lower(), m.start(), m.end()) for m in _EN_WORD.finditer(text)]
    chinese = [(m.group(), m.start(), m.end()) for m in _CJK.finditer(text)]
    if len(english) < MIN_PARTIAL_RUN and len(chinese) < MIN_PARTIAL_RUN:
        return []  # too few words for any run or clause (most chat lines): skip the rest
    has_context = bool(_SEED_CONTEXT.search(text))
    found = _seed_runs(text, english, "english", False, has_context)
    found += _seed_runs(text, chinese, "chinese_simplified", True, has_context)
    for start, end in _cjk_clauses(text):
        chars = list(text[start:end])
        if len(chars) in MNEMONIC_LENGTHS and (has_context or len(chars) >= 18) \
                and mnemonic_checksum_ok(chars, "chinese_simplified"):
            found.append(Finding(SEED_PHRASE, start, end, f"chinese_simplified:{len(chars)}:checksum"))
    return found


def _cjk_clauses(text: str):
    """Unseparated runs of Chinese characters, with a leading "助记词是" and the like cut off."""
    for clause in _CJK_CLAUSE.finditer(text):
        start, end = clause.start(), clause.end()
        yield start, end
        lead = _ZH_SEED_LEAD.match(text, start, end)
        if lead:
            yield lead.end(), end


# --- private keys ---------------------------------------------------------------------------------
_HEX64 = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{64}(?![0-9A-Za-z])")
_B58 = "1-9A-HJ-NP-Za-km-z"
_WIF = re.compile(rf"(?<![{_B58}])[5KLc9][{_B58}]{{50,51}}(?![{_B58}])")
_XPRV = re.compile(rf"(?<![{_B58}])[xtyzYZuv]prv[{_B58}]{{100,112}}(?![{_B58}])")
_B58_64 = re.compile(rf"(?<![{_B58}])[{_B58}]{{85,90}}(?![{_B58}])")
_BYTE_ARRAY = re.compile(r"\[\s*(?:\d{1,3}\s*,\s*){63}\d{1,3}\s*\]")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_KEY_CONTEXT = re.compile(
    r"priv(?:ate)?[\s_-]*key|privkey|private|wif|keypair|私钥|秘钥|钱包密钥|导出的?密钥", re.IGNORECASE)
# A 64-byte base58 string is a Solana secret key or a transaction signature; "key" is enough to tell.
_B58_KEY_CONTEXT = re.compile(r"\bkey\b|secret|私钥|密钥|秘钥|keypair|phantom|solflare", re.IGNORECASE)
_B58_SIG_CONTEXT = re.compile(r"signature|\bsig\b|tx|transaction|签名|交易|哈希|hash", re.IGNORECASE)
_TX_CONTEXT = re.compile(
    r"tx[\s_-]*(?:id|hash)?|txn|transaction|hash|交易|哈希|区块|explorer|浏览器|block|充值|提现|deposit|withdraw",
    re.IGNORECASE)
CONTEXT_WINDOW = 60


def _in_url(text: str, start: int) -> bool:
    return any(m.start() <= start < m.end() for m in _URL.finditer(text))


def _last_end(pattern: re.Pattern, text: str) -> int:
    ends = [m.end() for m in pattern.finditer(text)]
    return ends[-1] if ends else -1


def key_context_before(text: str, start: int) -> bool:
    """True if the nearest context before `start` names a private key rather than a transaction."""
    window = text[max(0, start - CONTEXT_WINDOW):start]
    key_at = _last_end(_KEY_CONTEXT, window)
    return key_at >= 0 and key_at > _last_end(_TX_CONTEXT, window)


def _b58_key_context(text: str, start: int) -> bool:
    window = text[max(0, start - CONTEXT_WINDOW):start]
    key_at = _last_end(_B58_KEY_CONTEXT, window)
    return key_at >= 0 and key_at > _last_end(_B58_SIG_CONTEXT, window)


def find_private_keys(text: str) -> list[Finding]:
    """Private keys: WIF and extended private keys (checksum-valid), hex or base58 keys named as keys."""
    found = []
    for m in _WIF.finditer(text):
        if is_wif(m.group()):
            found.append(Finding(PRIVATE_KEY, m.start(), m.end(), "wif"))
    for m in _XPRV.finditer(text):
        if is_extended_private_key(m.group()):
            found.append(Finding(PRIVATE_KEY, m.start(), m.end(), "extended"))
    for m in _HEX64.finditer(text):
        if not _in_url(text, m.start()) and key_context_before(text, m.start()):
            found.append(Finding(PRIVATE_KEY, m.start(), m.end(), "hex"))
    for m in _B58_64.finditer(text):
        raw = b58decode(m.group())
        if raw is not None and len(raw) == 64 and not _in_url(text, m.start()) and _b58_key_context(text, m.start()):
            found.append(Finding(PRIVATE_KEY, m.start(), m.end(), "base58"))
    for m in _BYTE_ARRAY.finditer(text):
        if all(int(n) < 256 for n in re.findall(r"\d+", m.group())):
            found.append(Finding(PRIVATE_KEY, m.start(), m.end(), "keypair-array"))
    return found


# --- exchange API secrets ---------------------------------------------------------------------------
_API_CONTEXT = re.compile(
    r"api[\s_-]*(?:secret|key|私钥|密钥|秘钥)|secret[\s_-]*(?:key)?|apikey|access[\s_-]*key|passphrase|"
    r"api\s*密钥|密钥|秘钥", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-]{16,128}")
_CONNECTOR_MAX = 30


def _connector_ok(gap: str) -> bool:
    return len(gap) <= _CONNECTOR_MAX and not re.search(r"[。！？!?]|\.\s", gap)


def find_api_secrets(text: str) -> list[Finding]:
    """A long mixed token right after "API secret", "secret key", "API 密钥"…"""
    found = []
    for ctx in _API_CONTEXT.finditer(text):
        token = _TOKEN.search(text, ctx.end(), ctx.end() + _CONNECTOR_MAX + 128)
        if token is None or not _connector_ok(text[ctx.end():token.start()]) or _in_url(text, token.start()):
            continue
        value = token.group()
        if re.search(r"\d", value) and re.search(r"[A-Za-z]", value):
            found.append(Finding(API_SECRET, token.start(), token.end(), "context"))
    return found


# --- 2FA / OTP codes ------------------------------------------------------------------------------
_OTP_CONTEXT = re.compile(
    r"2\s*fa|two[\s-]*factor|\botp\b|authenticator|google\s*auth\w*|\bga\s*code|verification\s*code|"
    r"auth(?:entication)?\s*code|sms\s*code|security\s*code|email\s*code|one[\s-]*time\s*(?:code|password)|"
    r"验证码|谷歌验证|动态码|动态口令|安全码|短信码|二次验证|身份验证器|校验码", re.IGNORECASE)
_OTP_VALUE = re.compile(r"(?<![\d.,:/-])\d{3}[ -]?\d{3}(?![\d.,:/-]?\d)")
_OTP_WINDOW = 25
# "the 2FA reset ticket number is 552190": the number belongs to something else.
_OTHER_NUMBER = re.compile(r"ticket|case|order|request|reference|\bref\b|\bid\b|uid|工单|单号|订单|编号|案件",
                           re.IGNORECASE)


def find_otp_codes(text: str) -> list[Finding]:
    """A 6-digit code close after a 2FA/OTP/验证码 mention, in the same sentence."""
    found = []
    for ctx in _OTP_CONTEXT.finditer(text):
        value = _OTP_VALUE.search(text, ctx.end(), ctx.end() + _OTP_WINDOW + 7)
        gap = text[ctx.end():value.start()] if value is not None else ""
        if value is not None and _connector_ok(gap) and not _OTHER_NUMBER.search(gap):
            found.append(Finding(OTP_CODE, value.start(), value.end(), "context"))
    return found


# --- passwords ------------------------------------------------------------------------------------
_PASSWORD_EN = re.compile(
    r"\b(?:password|passcode|passwd|pwd|pass\s*word|pin)\b\s*(?:is|was|:|=|-|->)?\s*"
    r"|\bpass\s*(?:is|was|:|=)\s*", re.IGNORECASE)
_PASSWORD_ZH = re.compile(r"密码\s*(?:是|为|:|：|=|就是)?\s*")
_QUOTED = re.compile(r"[\"'“‘「]([^\"'”’」\s]{4,64})[\"'”’」]")
_VALUE = re.compile(r"[!-~]{4,64}")
_NOT_A_PASSWORD = {
    "wrong", "incorrect", "invalid", "correct", "expired", "reset", "changed", "locked", "required", "forgotten",
    "forgot", "strong", "weak", "missing", "blocked", "disabled", "working", "needed", "because", "please",
}


def _looks_like_password(value: str) -> bool:
    if value.lower() in _NOT_A_PASSWORD:
        return False
    has_digit = bool(re.search(r"\d", value))
    has_symbol = bool(re.search(r"[^A-Za-z0-9]", value))
    mixed_case = bool(re.search(r"[a-z]", value)) and bool(re.search(r"[A-Z]", value))
    return has_digit or has_symbol or mixed_case


def find_passwords(text: str) -> list[Finding]:
    """A password given in a sentence: "my password is Abc12345", "密码是abc123", 'password "…"'."""
    found = []
    for ctx in [*_PASSWORD_EN.finditer(text), *_PASSWORD_ZH.finditer(text)]:
        quoted = _QUOTED.match(text, ctx.end())
        if quoted:
            found.append(Finding(PASSWORD, quoted.start(1), quoted.end(1), "quoted"))
            continue
        value = _VALUE.match(text, ctx.end())
        if value is None:
            continue
        raw = value.group().rstrip(".,;!?)]}>")
        if len(raw) >= 4 and _looks_like_password(raw) and not _in_url(text, value.start()):
            found.append(Finding(PASSWORD, value.start(), value.start() + len(raw), "sentence"))
    return found


# --- all together ---------------------------------------------------------------------------------
_DETECTORS = (find_seed_phrases, find_private_keys, find_api_secrets, find_otp_codes, find_passwords)


def find_secrets(text: str) -> list[Finding]:
    """Every secret in `text`, sorted by position, overlapping findings merged (the earlier detector wins)."""
    if not text:
        return []
    findings: list[Finding] = []
    for detector in _DETECTORS:
        for finding in detector(text):
            if not any(f.start < finding.end and finding.start < f.end for f in findings):
                findings.append(finding)
    return sorted(findings, key=lambda f: f.start)


def secret_kinds(text: str) -> list[str]:
    """The distinct kinds of secret in `text`, in the order of KINDS."""
    kinds = {f.kind for f in find_secrets(text)}
    return [k for k in KINDS if k in kinds]
