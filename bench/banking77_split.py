"""Carve a fixed, stratified test split out of banking77's train.csv for developing the assistant.

    python bench/banking77_split.py [--data ../shared/data/banking77/train.csv] [--out var] [--test-share 0.1]

Writes OUT/banking77-train.csv and OUT/banking77-test.csv (columns text,category). The split is the
same on every machine (seeded shuffle per category), so figures are comparable. Never tune on the test
file: `kefu assistant eval` carves its own dev split out of the train file for that.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "banking77" / "train.csv"
if not DEFAULT_DATA.exists():  # a worktree sits one level deeper than a clone
    DEFAULT_DATA = Path("/work/shared/data/banking77/train.csv")


def split(rows: list[dict], test_share: float, seed: int) -> tuple[list[dict], list[dict]]:
    by_category: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    rng = random.Random(seed)
    train, test = [], []
    for category in sorted(by_category):
        items = by_category[category]
        rng.shuffle(items)
        n_test = max(1, round(len(items) * test_share))
        test.extend(items[:n_test])
        train.extend(items[n_test:])
    return train, test


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "category"])
        writer.writeheader()
        for row in rows:
            writer.writerow({"text": row["text"], "category": row["category"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "var")
    parser.add_argument("--test-share", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=77)
    args = parser.parse_args()
    with args.data.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    train, test = split(rows, args.test_share, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "banking77-train.csv", train)
    write(args.out / "banking77-test.csv", test)
    print(f"{len(train)} train rows -> {args.out / 'banking77-train.csv'}")
    print(f"{len(test)} test rows -> {args.out / 'banking77-test.csv'}")


if __name__ == "__main__":
    main()
