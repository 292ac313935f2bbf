"""The real Matcher (per-query path) on the evaluation's dev folds of the banking77 train rows.

    OMP_NUM_THREADS=1 .venv/bin/python bench/experiments/assistant_dev_matcher.py [all|10]

Prints dev accuracy, the oracle coverage at 95%/98% precision, CPU per query and build time: what the
evaluation's fix_thresholds step sees, without opening the test split.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant_dev import ece, oracle_cov  # noqa: E402

from kefu.assistant import evaluation as ev  # noqa: E402


def main() -> None:
    shots = None if sys.argv[1] == "all" else int(sys.argv[1])
    rows = ev.read_labelled_csv(ROOT / "var/banking77-train.csv")
    train = ev.select_shots(rows, shots, 0)
    outcomes, build, cpu = [], 0.0, 0.0
    for fit, dev in ev.dev_folds(train, 0):
        start = time.process_time()
        matcher = ev.build_matcher(fit)
        build += time.process_time() - start
        start = time.process_time()
        outcomes.extend(ev.predict(matcher, dev)[0])
        cpu += time.process_time() - start
    conf = np.array([c for c, _ in outcomes])
    ok = np.array([float(k) for _, k in outcomes])
    print(f"{shots or 'all'}: dev acc {ok.mean():.2%}, oracle coverage at 95% {oracle_cov(conf, ok, .95):.1%}, "
          f"at 98% {oracle_cov(conf, ok, .98):.1%}, ECE {ece(conf, ok):.3f}, "
          f"CPU {cpu / len(ok) * 1000:.2f} ms/query, build {build:.1f} s CPU")


if __name__ == "__main__":
    main()
