"""Routing rules as pure logic: the facts about a new conversation in, a routing decision out.

Conditions of a rule come in two kinds:
- filters (channels, languages, minimum VIP tier): every filled-in filter must match;
- subject matchers (categories, keywords, assistant topics): if any is filled in, at least one of
  them must match. So "category security.* OR a security keyword OR the assistant's security topic"
  is one rule, which is how the built-in security rule is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kefu.conversations.taxonomy import Priority

PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]

# The built-in security rule: compromised accounts, unauthorized withdrawals, SIM swaps and phishing go
# straight to the 24/7 security team at urgent priority. Phrases in English and Simplified Chinese.
SECURITY_KEYWORDS = [
    # English
    "hacked", "compromised", "account takeover", "taken over my account", "someone logged in",
    "someone logged into", "unknown login", "unrecognized login", "unrecognised login",
    "unauthorized withdrawal", "unauthorised withdrawal", "unauthorized transaction", "i did not withdraw",
    "i didn't withdraw", "didn't make this withdrawal", "did not make this withdrawal", "funds stolen",
    "stolen", "drained", "sim swap", "sim-swap", "sim card was swapped", "ported my number", "phishing",
    "fake website", "fake site", "fake support", "scam link", "2fa reset i didn't",
    # 简体中文
    "被盗", "盗号", "被黑", "被入侵", "账户被盗", "账号被盗", "资产被盗", "资金被盗", "币被转走", "资产被转走",
    "未经授权", "未授权", "不是我操作", "不是我提的", "我没有提现", "陌生登录", "异地登录", "陌生设备",
    "sim卡被", "换卡", "补卡", "号码被转移", "钓鱼", "假网站", "假冒网站", "假客服", "诈骗",
]
SECURITY_CATEGORIES = ["security."]
SECURITY_TOPICS = [
    "security", "security.compromised", "security.phishing", "security.unauthorized_withdrawal",
    "security.sim_swap",
]


@dataclass(frozen=True)
class Facts:
    """What routing knows about a new conversation."""

    channel: str
    language: str
    category: str = ""
    vip_tier: int = 0
    text: str = ""
    topics: frozenset[str] = frozenset()
    priority: str = Priority.NORMAL


@dataclass(frozen=True)
class RuleSpec:
    """A routing rule's conditions and actions, independent of the database row."""

    name: str
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    min_vip_tier: int | None = None
    keywords: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    team_id: int | None = None
    team_slug: str = ""
    priority: str = ""
    tags: tuple[str, ...] = ()
    stop: bool = False


@dataclass
class Decision:
    team_id: int | None = None
    team_slug: str = ""
    priority: str = Priority.NORMAL
    tags: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)


def _keyword_pattern(keyword: str) -> re.Pattern:
    keyword = keyword.strip().lower()
    escaped = re.escape(keyword)
    # Latin words match whole words ("stolen" not in "unstolen..."); CJK has no spaces to anchor on.
    if keyword.isascii():
        return re.compile(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
    return re.compile(escaped)


_patterns: dict[str, re.Pattern] = {}


def keyword_in(text: str, keywords: Iterable[str]) -> str | None:
    """The first keyword found in `text` (already lower-cased), or None."""
    for keyword in keywords:
        if not keyword or not keyword.strip():
            continue
        pattern = _patterns.get(keyword)
        if pattern is None:
            pattern = _patterns[keyword] = _keyword_pattern(keyword)
        if pattern.search(text):
            return keyword
    return None


def _category_matches(category: str, wanted: Iterable[str]) -> bool:
    return any(category == w or (w.endswith(".") and category.startswith(w)) for w in wanted) if category else False


def matches(rule: RuleSpec, facts: Facts) -> bool:
    """Whether every filter matches and, if the rule names subjects, at least one subject matches."""
    if rule.channels and facts.channel not in rule.channels:
        return False
    if rule.languages and facts.language not in rule.languages:
        return False
    if rule.min_vip_tier is not None and facts.vip_tier < rule.min_vip_tier:
        return False
    if not (rule.categories or rule.keywords or rule.topics):
        return True
    return (
        _category_matches(facts.category, rule.categories)
        or keyword_in(facts.text, rule.keywords) is not None
        or bool(facts.topics & set(rule.topics))
    )


def more_urgent(a: str, b: str) -> str:
    """The more urgent of two priorities."""
    rank = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    return a if rank.get(a, 1) >= rank.get(b, 1) else b


def decide(rules: Iterable[RuleSpec], facts: Facts) -> Decision:
    """Run the rules in order. The first rule that names a team picks it; priority only goes up; tags add up."""
    decision = Decision(priority=facts.priority)
    team_chosen = False
    for rule in rules:
        if not matches(rule, facts):
            continue
        decision.matched.append(rule.name)
        if not team_chosen and (rule.team_id or rule.team_slug):
            decision.team_id, decision.team_slug, team_chosen = rule.team_id, rule.team_slug, True
        if rule.priority:
            decision.priority = more_urgent(rule.priority, decision.priority)
        for tag in rule.tags:
            if tag and tag not in decision.tags:
                decision.tags.append(tag)
        if rule.stop:
            break
    return decision
