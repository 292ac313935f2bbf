"""decide(): answer, clarify or hand off."""

import pytest

from kefu.assistant.engine import Candidate, Thresholds, decide

T = Thresholds(answer=0.6, clarify=0.15)


def cands(*pairs):
    return [Candidate(doc, score) for doc, score in pairs]


def test_confident_top_candidate_is_answered():
    d = decide("how do I reset 2FA", cands(("2fa", 0.82), ("password", 0.1)), T)
    assert (d.action, d.reason) == ("answer", "confident")
    assert [c.doc_id for c in d.candidates] == ["2fa"]


def test_answer_threshold_is_inclusive_and_candidates_are_ranked():
    d = decide("fees", cands(("limits", 0.2), ("fees", 0.6)), T)
    assert d.action == "answer" and d.candidates[0].doc_id == "fees"


def test_two_or_three_close_candidates_are_offered():
    d = decide("my money is missing", cands(("deposit", 0.4), ("withdrawal", 0.35), ("transfer", 0.2), ("x", 0.05)), T)
    assert (d.action, d.reason) == ("clarify", "close_candidates")
    assert [c.doc_id for c in d.candidates] == ["deposit", "withdrawal", "transfer"]


def test_a_single_plausible_candidate_is_not_a_choice():
    d = decide("hmm", cands(("deposit", 0.5), ("withdrawal", 0.1)), T)
    assert (d.action, d.reason) == ("handoff", "low_confidence")
    assert d.candidates[0].doc_id == "deposit"  # the agent sees what the bot considered


def test_far_weaker_candidates_are_not_offered():
    d = decide("x", cands(("a", 0.59), ("b", 0.12)), Thresholds(answer=0.6, clarify=0.1))
    assert d.action == "handoff"  # 0.12 is above `clarify` but far below the best (0.59 * CLOSE_RATIO)


def test_nothing_matched_hands_off():
    assert decide("???", [], T) == decide("???", [], T)
    d = decide("???", [], T)
    assert (d.action, d.reason, d.candidates) == ("handoff", "low_confidence", [])


@pytest.mark.parametrize("text", ["人工", "转人工", "I want to talk to an agent", "真人客服"])
def test_request_for_human_wins_over_a_confident_match(text):
    d = decide(text, cands(("contact", 0.99)), T)
    assert (d.action, d.reason) == ("handoff", "asked_for_human")


@pytest.mark.parametrize("text", ["my account was hacked, how do I reset 2FA", "我的币被盗了", "I want a refund"])
def test_sensitive_message_hands_off(text):
    d = decide(text, cands(("2fa", 0.95)), T)
    assert (d.action, d.reason) == ("handoff", "sensitive_topic")


def test_sensitive_article_hands_off():
    d = decide("something about my account", cands(("frozen", 0.9)), T, sensitive_doc_ids={"frozen"})
    assert (d.action, d.reason) == ("handoff", "sensitive_topic")
    d = decide("something else", cands(("fees", 0.9), ("frozen", 0.05)), T, sensitive_doc_ids={"frozen"})
    assert d.action == "answer"


def test_thresholds_are_validated():
    with pytest.raises(ValueError):
        Thresholds(answer=0.3, clarify=0.5)
