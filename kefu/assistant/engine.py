"""The assistant's engine: match a customer message to help-center articles and decide what to do.

Public interface (the conversation integration builds on it):

- ``Entry`` / ``Candidate``: what is indexed (example questions, titles, bodies of articles) and what a
  match returns (an article id with a calibrated confidence 0..1);
- ``Matcher(entries).match(query, language, k)``;
- ``decide(query, candidates, thresholds)`` -> ``Decision`` (answer / clarify / handoff and why);
- ``detect_language``, ``asks_for_human``, ``is_sensitive``.

Nothing here touches the database: callers build a ``Matcher`` from the published articles and keep it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .matching import Candidate, Entry, Matcher
from .text import detect_language
from .triggers import asks_for_human, is_sensitive

__all__ = [
    "Candidate", "Decision", "Entry", "Matcher", "Thresholds",
    "asks_for_human", "decide", "detect_language", "is_sensitive",
]


@dataclass(frozen=True)
class Thresholds:
    """Per-inbox confidence thresholds.

    ``answer``: the top candidate at or above it is answered. ``clarify``: when nothing is confident,
    two or three candidates at or above it are offered as choices. The defaults were chosen on a dev
    split of banking77 (docs/assistant-eval.md): ``answer`` gives about 95% precision there.
    """

    answer: float = 0.6
    clarify: float = 0.15

    def __post_init__(self) -> None:
        if not (0.0 <= self.clarify <= self.answer <= 1.0):
            raise ValueError("thresholds must satisfy 0 <= clarify <= answer <= 1")


@dataclass(frozen=True)
class Decision:
    action: str  # "answer" | "clarify" | "handoff"
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""  # "confident", "close_candidates", "low_confidence", "asked_for_human", "sensitive_topic"


ANSWER, CLARIFY, HANDOFF = "answer", "clarify", "handoff"
MAX_CHOICES = 3
# A choice is offered only if it is at least this fraction as likely as the best one.
CLOSE_RATIO = 0.25


def decide(
    query: str,
    candidates: list[Candidate],
    thresholds: Thresholds,
    *,
    sensitive_doc_ids: set[str] | frozenset[str] = frozenset(),
) -> Decision:
    """Answer, clarify or hand off a customer message given its ranked candidates.

    Order of rules: a request for a human hands off at once; a sensitive topic (by the message's words,
    or because the best plausible article is marked sensitive) hands off; a confident best candidate is
    answered; two or three close plausible candidates are offered as choices; anything else hands off.
    The candidates are kept in every decision so the agent sees what the bot considered.
    """
    ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
    if asks_for_human(query):
        return Decision(HANDOFF, ranked[:MAX_CHOICES], "asked_for_human")
    if is_sensitive(query):
        return Decision(HANDOFF, ranked[:MAX_CHOICES], "sensitive_topic")
    if not ranked:
        return Decision(HANDOFF, [], "low_confidence")
    top = ranked[0]
    if top.doc_id in sensitive_doc_ids and top.score >= thresholds.clarify:
        return Decision(HANDOFF, ranked[:MAX_CHOICES], "sensitive_topic")
    if top.score >= thresholds.answer:
        return Decision(ANSWER, [top], "confident")
    choices = [
        c for c in ranked[:MAX_CHOICES]
        if c.score >= thresholds.clarify and c.score >= top.score * CLOSE_RATIO
    ]
    if len(choices) >= 2:
        return Decision(CLARIFY, choices, "close_candidates")
    return Decision(HANDOFF, ranked[:MAX_CHOICES], "low_confidence")
