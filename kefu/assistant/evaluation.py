"""`kefu assistant eval`: measure the matcher on a labelled question set.

    kefu assistant eval --train TRAIN.csv --test TEST.csv [--shots N] [--seed S] [--json]

Each category of TRAIN (a CSV with columns ``text,category``) becomes an article whose example questions
are its rows (only N per category with ``--shots``, chosen with the seed). The confidence thresholds for
95% and 98% target precision are fixed on dev data carved out of TRAIN; only then is TEST opened, every
row of it answered, and the figures printed: top-1 accuracy, the thresholds, the precision and coverage
they give on TEST, p50/p99 milliseconds per query and the peak memory (RSS) of the process.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .matching import Entry, Matcher

TARGETS = (0.95, 0.98)
DEV_SHARE = 0.1
# Below this many examples per category a single held-out split is too small to set a threshold on, so
# the dev data comes from K-fold cross-fitting over TRAIN instead.
CROSS_FIT_BELOW = 40
FOLDS = 5

Row = tuple[str, str]  # (text, category)


class EvalInputError(Exception):
    """Bad input for the evaluation: shown to the user as is, exit code 2."""


def read_labelled_csv(path: str | os.PathLike) -> list[Row]:
    """Read a ``text,category`` CSV. Raises EvalInputError with a readable message on any problem."""
    path = Path(path)
    if not path.is_file():
        raise EvalInputError(f"{path}: no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in (reader.fieldnames or [])]
            missing = [c for c in ("text", "category") if c not in columns]
            if missing:
                found = ", ".join(columns) or "none"
                raise EvalInputError(
                    f"{path}: missing column(s) {', '.join(missing)} (found: {found}); "
                    "expected a CSV with a header line 'text,category'"
                )
            reader.fieldnames = columns
            rows = [
                ((r["text"] or "").strip(), (r["category"] or "").strip())
                for r in reader
            ]
    except UnicodeDecodeError as exc:
        raise EvalInputError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise EvalInputError(f"{path}: not a readable CSV file ({exc})") from None
    rows = [(t, c) for t, c in rows if t and c]
    if not rows:
        raise EvalInputError(f"{path}: no rows with both a text and a category")
    return rows


def by_category(rows: Sequence[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[1]].append(row)
    return dict(sorted(groups.items()))


def select_shots(rows: Sequence[Row], shots: int | None, seed: int) -> list[Row]:
    """Keep ``shots`` random rows per category (all rows when ``shots`` is None)."""
    if shots is None:
        return list(rows)
    rng = random.Random(seed)
    kept: list[Row] = []
    for items in by_category(rows).values():
        items = items[:]
        rng.shuffle(items)
        kept.extend(items[:shots])
    return kept


def dev_folds(rows: Sequence[Row], seed: int) -> list[tuple[list[Row], list[Row]]]:
    """(fit, dev) pairs carved from TRAIN, stratified by category.

    With many examples per category: one split holding out DEV_SHARE of each category. With few: FOLDS
    folds, so every row is a dev question once and the threshold rests on more than a handful of rows.
    Categories with a single row stay in every fit part (an article without examples cannot be matched).
    """
    groups = by_category(rows)
    per_category = len(rows) / max(len(groups), 1)
    rng = random.Random(seed)
    shuffled = {c: rng.sample(items, len(items)) for c, items in groups.items()}
    if per_category >= CROSS_FIT_BELOW:
        fit, dev = [], []
        for items in shuffled.values():
            n_dev = round(len(items) * DEV_SHARE) if len(items) > 1 else 0
            dev.extend(items[:n_dev])
            fit.extend(items[n_dev:])
        return [(fit, dev)]
    folds: list[tuple[list[Row], list[Row]]] = []
    for k in range(FOLDS):
        fit, dev = [], []
        for items in shuffled.values():
            if len(items) < 2:
                fit.extend(items)
                continue
            for i, row in enumerate(items):
                (dev if i % FOLDS == k else fit).append(row)
        if dev:
            folds.append((fit, dev))
    return folds


def build_matcher(rows: Sequence[Row]) -> Matcher:
    return Matcher(Entry(doc_id=category, text=text) for text, category in rows)


def predict(matcher: Matcher, rows: Sequence[Row]) -> tuple[list[tuple[float, bool]], list[float]]:
    """(confidence, correct) per row and the milliseconds each query took."""
    outcomes, millis = [], []
    for text, category in rows:
        start = time.perf_counter()
        candidates = matcher.match(text, k=1)
        millis.append((time.perf_counter() - start) * 1000)
        top = candidates[0] if candidates else None
        outcomes.append((top.score if top else 0.0, bool(top and top.doc_id == category)))
    return outcomes, millis


def choose_threshold(outcomes: Sequence[tuple[float, bool]], target: float) -> float:
    """The lowest confidence whose answers (all at or above it) are at least ``target`` precise on dev.

    If no threshold reaches the target, 1.0 + epsilon is returned: nothing is answered.
    """
    ranked = sorted(outcomes, key=lambda o: -o[0])
    best = 1.0 + 1e-9
    correct = 0
    for i, (score, ok) in enumerate(ranked, 1):
        correct += ok
        nxt = ranked[i][0] if i < len(ranked) else None
        if nxt is not None and nxt == score:
            continue  # a threshold cannot split equal scores
        if correct / i >= target:
            best = score
    return best


def precision_coverage(outcomes: Sequence[tuple[float, bool]], threshold: float) -> tuple[float, float]:
    answered = [ok for score, ok in outcomes if score >= threshold]
    if not answered:
        return 1.0, 0.0
    return sum(answered) / len(answered), len(answered) / len(outcomes)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class Report:
    train_rows: int
    articles: int
    shots: int | None
    seed: int
    dev_rows: int
    dev_folds: int
    thresholds: dict[str, float]
    test_rows: int = 0
    accuracy: float = 0.0
    at_target: dict[str, dict[str, float]] = field(default_factory=dict)
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    build_seconds: float = 0.0
    peak_rss_mb: float = 0.0

    def as_json(self) -> dict:
        data = asdict(self)
        for target, figures in self.at_target.items():
            data[f"precision_at_{target}"] = figures["precision"]
            data[f"coverage_at_{target}"] = figures["coverage"]
            data[f"threshold_at_{target}"] = figures["threshold"]
        del data["at_target"]
        return data


def fix_thresholds(train: Sequence[Row], seed: int) -> tuple[dict[str, float], int, int]:
    """Thresholds per target precision, from dev data carved out of TRAIN only."""
    outcomes: list[tuple[float, bool]] = []
    folds = dev_folds(train, seed)
    for fit, dev in folds:
        outcomes.extend(predict(build_matcher(fit), dev)[0])
    if not outcomes:
        raise EvalInputError("TRAIN is too small to carve a dev split from (need 2+ rows in some category)")
    thresholds = {f"{round(t * 100)}": choose_threshold(outcomes, t) for t in TARGETS}
    return thresholds, len(outcomes), len(folds)


def evaluate(
    train_rows: Sequence[Row], load_test: Callable[[], list[Row]], *, shots: int | None = None, seed: int = 0
) -> Report:
    """Run the whole evaluation. ``load_test`` is called only once the thresholds are fixed."""
    train = select_shots(train_rows, shots, seed)
    thresholds, dev_rows, n_folds = fix_thresholds(train, seed)
    report = Report(
        train_rows=len(train), articles=len(by_category(train)), shots=shots, seed=seed,
        dev_rows=dev_rows, dev_folds=n_folds, thresholds=thresholds,
    )
    start = time.perf_counter()
    matcher = build_matcher(train)
    report.build_seconds = time.perf_counter() - start
    test = load_test()
    outcomes, millis = predict(matcher, test)
    report.test_rows = len(test)
    report.accuracy = sum(ok for _, ok in outcomes) / len(outcomes)
    for key, threshold in thresholds.items():
        precision, coverage = precision_coverage(outcomes, threshold)
        report.at_target[key] = {"threshold": threshold, "precision": precision, "coverage": coverage}
    report.p50_ms = percentile(millis, 50)
    report.p99_ms = percentile(millis, 99)
    report.peak_rss_mb = peak_rss_mb()
    return report


def format_report(report: Report, train_path: str, test_path: str) -> str:
    shots = "all" if report.shots is None else str(report.shots)
    lines = [
        f"train: {train_path} ({report.train_rows} rows, {report.articles} articles, examples per article: {shots})",
        f"test:  {test_path} ({report.test_rows} rows)",
        f"dev:   {report.dev_rows} rows carved from train "
        f"({'1 held-out split' if report.dev_folds == 1 else f'{report.dev_folds} folds'}, seed {report.seed})",
        f"top-1 accuracy:        {report.accuracy:.1%}",
    ]
    for key, figures in report.at_target.items():
        lines.append(
            f"target precision {key}%: threshold {figures['threshold']:.3f} -> "
            f"precision {figures['precision']:.1%}, coverage {figures['coverage']:.1%}"
        )
    lines += [
        f"latency per query:     p50 {report.p50_ms:.2f} ms, p99 {report.p99_ms:.2f} ms",
        f"build time:            {report.build_seconds:.1f} s",
        f"peak memory:           {report.peak_rss_mb:.0f} MB RSS",
    ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train", required=True, help="CSV with columns text,category: the knowledge base")
    parser.add_argument("--test", required=True, help="CSV with columns text,category: the questions to answer")
    parser.add_argument("--shots", type=int, default=None, help="use only N examples per category")
    parser.add_argument("--seed", type=int, default=0, help="seed for --shots and the dev split (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def run(args: argparse.Namespace) -> int:
    """Entry point of `kefu assistant eval`; returns the exit code."""
    try:
        if args.shots is not None and args.shots < 1:
            raise EvalInputError("--shots must be at least 1")
        if not Path(args.test).is_file():  # fail early, without reading it
            raise EvalInputError(f"{args.test}: no such file")
        train = read_labelled_csv(args.train)
        report = evaluate(train, lambda: read_labelled_csv(args.test), shots=args.shots, seed=args.seed)
    except EvalInputError as exc:
        print(f"kefu assistant eval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_json(), sort_keys=True))
    else:
        print(format_report(report, args.train, args.test))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kefu.assistant.evaluation", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
