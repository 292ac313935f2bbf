"""`kefu kb eval`: the assistant measured on the demo help center (or any Markdown folder) with held-out
questions written for it (not example questions of any article), in zh-Hans and en.

Reported the same way as `kefu assistant eval` (the engine's evaluation: thresholds fixed on dev folds
carved from the knowledge base's own example questions before the held-out set is read), plus the
per-language accuracy and what the production decision (default thresholds) does with each question.
No database needed: the articles are read straight from the folder.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

from kefu.knowledge.demo import DEMO_CONTENT, HELDOUT_CSV
from kefu.knowledge.transfer import split_front_matter


def knowledge_rows(folder: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, float]]]:
    """(text, article) rows of every title and example question, and matcher entries with language/weight."""
    from kefu.assistant.knowledge_index import QUESTION_WEIGHT, SHORT_ANSWER_WEIGHT, TITLE_WEIGHT

    rows, entries = [], []
    for path in sorted(folder.rglob("*.md")):
        if path.name == "_category.md":
            continue
        slug, language = path.name[:-3].rsplit(".", 1)
        meta, _body = split_front_matter(path.read_text(encoding="utf-8"), str(path))
        if meta.get("status", "published") != "published":
            continue
        texts = [(meta["title"], TITLE_WEIGHT)] + [(q, QUESTION_WEIGHT) for q in meta.get("questions") or []]
        rows += [(text, slug) for text, _ in texts]
        if meta.get("short_answer"):
            texts.append((meta["short_answer"], SHORT_ANSWER_WEIGHT))
        entries += [(slug, text, language, weight) for text, weight in texts]
    return rows, entries


def read_heldout(path: Path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "article", "language"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(sorted(missing))}")
        return [(r["text"], r["article"], r["language"]) for r in reader if r["text"].strip()]


def run_eval(heldout: str | None = None, *, folder: str | None = None, as_json: bool = False) -> int:
    from kefu.assistant import evaluation
    from kefu.assistant.engine import Entry, Matcher, Thresholds, decide

    folder_path = Path(folder) if folder else DEMO_CONTENT
    heldout_path = Path(heldout) if heldout else HELDOUT_CSV
    if not heldout_path.is_file():
        print(f"kefu kb eval: {heldout_path}: no such file", file=sys.stderr)
        return 2
    rows, entries = knowledge_rows(folder_path)
    tests: list[tuple[str, str, str]] = []

    def load_test() -> list[tuple[str, str]]:
        # Called by the engine's evaluation only after the thresholds are fixed on the knowledge base.
        tests.extend(read_heldout(heldout_path))
        return [(text, article) for text, article, _ in tests]

    report = evaluation.evaluate(rows, load_test)
    # Production-style matcher (languages and weights as knowledge_index builds them) and decisions.
    matcher = Matcher(Entry(slug, text, language, weight) for slug, text, language, weight in entries)
    per_language: dict[str, Counter] = {}
    for text, article, language in tests:
        candidates = matcher.match(text, language, k=5)
        decision = decide(text, candidates, Thresholds())
        tally = per_language.setdefault(language, Counter())
        tally["questions"] += 1
        tally["top1_correct"] += bool(candidates and candidates[0].doc_id == article)
        tally[decision.action] += 1
        if decision.action == "answer":
            tally["answer_correct"] += decision.candidates[0].doc_id == article
        if decision.action == "clarify":
            tally["clarify_contains_correct"] += any(c.doc_id == article for c in decision.candidates)
    result = report.as_json() | {"per_language": {k: dict(v) for k, v in per_language.items()}}
    if as_json:
        print(json.dumps(result, sort_keys=True, ensure_ascii=False))
        return 0
    print(evaluation.format_report(report, str(folder_path), str(heldout_path)))
    for language, tally in sorted(per_language.items()):
        n = tally["questions"]
        answered = tally["answer"]
        print(f"{language}: {n} questions, top-1 {tally['top1_correct'] / n:.1%}; with the default thresholds "
              f"answered {answered / n:.1%} (correct {tally['answer_correct'] / max(answered, 1):.1%}), "
              f"clarified {tally['clarify'] / n:.1%} (right article offered "
              f"{tally['clarify_contains_correct'] / max(tally['clarify'], 1):.1%}), "
              f"handed off {tally['handoff'] / n:.1%}")
    return 0
