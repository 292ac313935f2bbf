#!/usr/bin/env bash
# Measure the assistant's matcher on banking77: carve a fixed test split out of the shared train.csv,
# then run `kefu assistant eval` with all examples and with 10 examples per category.
#   bash bench/assistant_eval.sh            (from the project root, after `make install`)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DATA=${BANKING77:-../shared/data/banking77/train.csv}
[ -f "$DATA" ] || DATA=/work/shared/data/banking77/train.csv
"$PY" bench/banking77_split.py --data "$DATA" --out var
for shots in "" 10; do
  echo
  echo "== banking77, ${shots:-all} examples per category"
  "$PY" -m kefu.cli assistant eval --train var/banking77-train.csv --test var/banking77-test.csv \
    ${shots:+--shots $shots} --seed 0
done
