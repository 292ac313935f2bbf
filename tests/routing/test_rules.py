"""Routing rules: conditions, actions, order, and the built-in security rule."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Team
from kefu.routing import rules
from kefu.routing.models import RoutingRule


def facts(**kw):
    base = {"channel": "webchat", "language": "en"}
    base.update(kw)
    base["text"] = base.get("text", "").lower()
    return rules.Facts(**base)


@pytest.mark.parametrize("text", [
    "Someone hacked my account and withdrew everything",
    "There was an unauthorized withdrawal from my wallet",
    "I think I had a SIM swap, my phone has no signal",
    "I entered my password on a phishing site",
    "我的账号被盗了，资产被转走",
    "有一笔未经授权的提现",
    "我的SIM卡被换了，收不到短信",
    "我点了一个钓鱼链接",
])
def test_security_keywords_match_in_english_and_chinese(text):
    rule = rules.RuleSpec("security", keywords=tuple(k.lower() for k in rules.SECURITY_KEYWORDS), priority="urgent",
                          team_slug="security")
    decision = rules.decide([rule], facts(text=text))
    assert decision.team_slug == "security" and decision.priority == "urgent"


@pytest.mark.parametrize("text", ["How do I reset my password?", "充值没有到账", "What are the trading fees?"])
def test_ordinary_questions_are_not_security(text):
    rule = rules.RuleSpec("security", keywords=tuple(k.lower() for k in rules.SECURITY_KEYWORDS), team_slug="security")
    assert rules.decide([rule], facts(text=text)).team_slug == ""


def test_filters_all_must_match_and_subjects_any():
    rule = rules.RuleSpec("vip zh withdrawals", channels=("webchat",), languages=("zh-hans",), min_vip_tier=2,
                          categories=("funds.",), keywords=("提现",), team_id=7, priority="high", tags=("vip",))
    assert rules.matches(rule, facts(language="zh-hans", vip_tier=3, category="funds.withdrawal_failed"))
    assert rules.matches(rule, facts(language="zh-hans", vip_tier=3, text="提现失败"))
    assert not rules.matches(rule, facts(language="en", vip_tier=3, text="提现失败"))
    assert not rules.matches(rule, facts(language="zh-hans", vip_tier=1, text="提现失败"))
    assert not rules.matches(rule, facts(language="zh-hans", vip_tier=3, channel="email", text="提现失败"))
    assert not rules.matches(rule, facts(language="zh-hans", vip_tier=3, text="交易手续费"))


def test_first_team_wins_priority_only_rises_tags_add_up_and_stop_stops():
    decision = rules.decide([
        rules.RuleSpec("a", keywords=("deposit",), team_id=1, priority="high", tags=("funds",)),
        rules.RuleSpec("b", team_id=2, priority="low", tags=("all",), stop=True),
        rules.RuleSpec("c", team_id=3, tags=("never",)),
    ], facts(text="my deposit is missing"))
    assert (decision.team_id, decision.priority, decision.tags, decision.matched) == (
        1, "high", ["funds", "all"], ["a", "b"])


def test_assistant_topic_from_message_meta_matches():
    rule = rules.RuleSpec("topic", topics=("security.phishing",), team_slug="security")
    assert rules.decide([rule], facts(topics=frozenset({"security.phishing"}))).team_slug == "security"


def test_latin_keywords_match_whole_words_only():
    assert rules.keyword_in("my account was stolen", ["stolen"]) == "stolen"
    assert rules.keyword_in("the phrase unstolengoods", ["stolen"]) is None


def test_builtin_rule_sends_security_topics_to_the_24_7_team(make_agent, new_conversation):
    conv = new_conversation("Help! My account was hacked and someone made an unauthorized withdrawal")
    security = Team.objects.get(slug="security")
    assert conv.team_id == security.pk and conv.priority == "urgent"
    assert security.always_open
    assert list(conv.tags.values_list("name", flat=True)) == ["security"]
    zh = new_conversation("我的账户被盗了", language="zh-hans")
    assert zh.team_id == security.pk and zh.priority == "urgent"


def test_admin_rules_set_team_priority_and_tags(team, other_team, new_conversation):
    RoutingRule.objects.create(name="VIP", position=10, min_vip_tier=3, set_team=other_team, set_priority="high",
                               add_tags=["vip"])
    vip = new_conversation("Where is my deposit?", vip_tier=4)
    assert (vip.team_id, vip.priority, sorted(vip.tags.values_list("name", flat=True))) == (
        other_team.pk, "high", ["vip"])
    normal = new_conversation("Where is my deposit?", vip_tier=0)
    assert normal.team_id == team.pk and normal.priority == "normal"


def test_assistant_topic_in_message_meta_routes(other_team, new_conversation, django_capture_on_commit_callbacks):
    from kefu.conversations import hooks

    RoutingRule.objects.create(name="Futures", position=5, topics=["trading.futures"], set_team=other_team)

    def tag_topic(draft):
        if "liquidat" in draft.body:
            draft.meta["assistant"] = {"topic": "trading.futures"}
    hooks.register_message_filter(tag_topic)
    try:
        conv = new_conversation("Why was my position liquidated?")
    finally:
        hooks._filters[:] = [f for f in hooks._filters if f[2] is not tag_topic]
    assert conv.team_id == other_team.pk


def test_a_batch_of_new_conversations_is_routed_as_one_by_one(webchat_inbox, new_conversation,
                                                               django_capture_on_commit_callbacks):
    """Plain conversations are queued in bulk; rule matches and incidents take the single path. Both give
    the team, priority, tags, routing record and queue entry a single post gets."""
    from kefu.contacts.models import Contact
    from kefu.conversations import bulk, services
    from kefu.routing import surge
    from kefu.routing.models import QueueEntry, RoutedConversation

    surge.announce_incident("BTC withdrawals delayed", ["btc withdrawal"], "BTC withdrawals are delayed.")
    bodies = ["Where is my deposit?", "Someone hacked my account and withdrew everything",
              "my btc withdrawal is stuck", "What are the trading fees?"]

    def routed(conversation):
        conversation.refresh_from_db()
        record = RoutedConversation.objects.get(conversation=conversation)
        entry = QueueEntry.objects.filter(conversation=conversation).values_list("team__slug", "rank").first()
        return (conversation.team.slug if conversation.team else None, conversation.priority,
                sorted(conversation.tags.values_list("name", flat=True)), record.rules, record.incident_id, entry,
                list(conversation.messages.filter(author_type="system").values_list("body", flat=True)))

    alone = [routed(new_conversation(body)) for body in bodies]
    with django_capture_on_commit_callbacks(execute=True):
        results = bulk.create_conversations(services.Actor.system(), [
            bulk.NewConversation(inbox=webchat_inbox, contact=Contact.objects.create(name=f"Batch {n}"), body=body)
            for n, body in enumerate(bodies)])
    together = [routed(r.conversation) for r in results]
    assert together == alone
    assert alone[1][0] == "security" and alone[1][1] == "urgent" and alone[2][4] is not None
    assert alone[0][3] == "" and alone[0][5] is not None  # plain: no rule, queued in its team
