"""Precision and recall of the safety guards on the labelled set (bench/data/safety_labelled.jsonl).

    .venv/bin/python bench/safety_guards.py [--errors] [--heldout | --heldout2]

--heldout scores bench/data/safety_heldout.jsonl (66 messages written after the rules were tuned on the
labelled set; scored once, then used to generalise the rules), --heldout2 bench/data/safety_heldout2.jsonl
(50 messages written after that, never used for tuning). See docs/safety.md.

Inbound guard: kefu.safety.detectors.secret_kinds; outbound guard: kefu.safety.outbound.request_kinds.
Counts are per (message, kind): a message labelled with a kind and reported with it is a true positive.
Also prints the false positives on the TxID, address and order-id near-misses (must be 0) and the speed.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from kefu.safety.detectors import secret_kinds
from kefu.safety.outbound import request_kinds

DATA = Path(__file__).resolve().parent / "data" / "safety_labelled.jsonl"
HELDOUT = Path(__file__).resolve().parent / "data" / "safety_heldout.jsonl"
HELDOUT2 = Path(__file__).resolve().parent / "data" / "safety_heldout2.jsonl"
GUARDS = {"inbound": secret_kinds, "outbound": request_kinds}
STRICT_GROUPS = ("near_miss:txid", "near_miss:address", "near_miss:order_id")


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(records: list[dict], detect) -> tuple[Counter, Counter, Counter, list]:
    tp, fp, fn = Counter(), Counter(), Counter()
    errors = []
    for record in records:
        got, want = set(detect(record["text"])), set(record["kinds"])
        for kind in got & want:
            tp[kind] += 1
        for kind in got - want:
            fp[kind] += 1
        for kind in want - got:
            fn[kind] += 1
        if got != want:
            errors.append((record, sorted(got)))
    return tp, fp, fn, errors


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def report(guard: str, records: list[dict], show_errors: bool) -> int:
    detect = GUARDS[guard]
    tp, fp, fn, errors = score(records, detect)
    langs = Counter(r["lang"] for r in records)
    print(f"\n{guard} guard: {len(records)} messages ({langs['en']} en, {langs['zh-hans']} zh-Hans)")
    print(f"  {'kind':14} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}")
    for kind in sorted(set(tp) | set(fp) | set(fn)):
        print(f"  {kind:14} {tp[kind]:4} {fp[kind]:4} {fn[kind]:4} {ratio(tp[kind], tp[kind] + fp[kind]):>9} "
              f"{ratio(tp[kind], tp[kind] + fn[kind]):>7}")
    t, f, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(f"  {'overall':14} {t:4} {f:4} {n:4} {ratio(t, t + f):>9} {ratio(t, t + n):>7}")
    strict_fp = 0
    for group in STRICT_GROUPS:
        subset = [r for r in records if r["group"] == group]
        if subset:
            hits = sum(1 for r in subset if detect(r["text"]))
            strict_fp += hits
            print(f"  false positives on {group}: {hits} of {len(subset)}")
    started = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        for record in records:
            detect(record["text"])
    per = (time.perf_counter() - started) / (rounds * len(records)) * 1e6
    print(f"  speed: {per:.0f} µs per message")
    if show_errors:
        for record, got in errors:
            print(f"    {record['id']} want={record['kinds']} got={got} {record['text'][:110]!r}")
    return strict_fp


def main() -> int:
    path = HELDOUT2 if "--heldout2" in sys.argv else HELDOUT if "--heldout" in sys.argv else DATA
    records = load(path)
    print(f"labelled set: {len(records)} messages in {path.name}")
    strict = 0
    for guard in GUARDS:
        strict += report(guard, [r for r in records if r["guard"] == guard], "--errors" in sys.argv)
    return 1 if strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
