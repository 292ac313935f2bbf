#!/usr/bin/env bash
# Runs the configurations of the table in bench/README.md, one after another, and keeps every output.
#   bench/run_all.sh [OUTDIR]        (about 20 minutes; wants an otherwise idle machine)
#   ONLY="api-sqlite ws-pg" bench/run_all.sh OUTDIR   runs only those rows
# PostgreSQL + Redis rows need them on 127.0.0.1 (see bench/README.md); the pg-pool rows need
# psycopg_pool importable: .venv/bin/pip install --target /tmp/kefu-bench-deps psycopg-pool
# To measure a fixed copy of the code while kefu/ is being edited: copy kefu/ and bench/ to a
# directory and run its bench/run_all.sh with PY=/work/main/.venv/bin/python PYTHONPATH=<copy>:...
set -u
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/kefu-bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
PY=${PY:-.venv/bin/python}
PG=postgresql://postgres@127.0.0.1:5432/test
REDIS=redis://127.0.0.1:6379/0
export PYTHONPATH=${PYTHONPATH:-/tmp/kefu-bench-deps}

contaminated() {  # other people's processes used the CPU (PostgreSQL session churn is ours, not theirs)
    grep -q "WARNING: other processes" "$1" && ! grep -qE "sessions opened .*\((0\.[5-9]|[1-9])[0-9.]* per message\)" "$1"
}

run() {  # run NAME [ENV=VALUE ...] -- COMMAND...
    local name=$1; shift
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
    for attempt in 1 2 3; do
        $PY bench/common.py wait-quiet 300
        echo "== $name: ${envs[*]} $*" | tee "$OUT/$name.txt"
        env -u KEFU_DATABASE_URL -u KEFU_REDIS_URL "${envs[@]}" timeout 900 "$@" >>"$OUT/$name.txt" 2>&1
        echo "   exit $? -> $OUT/$name.txt"
        contaminated "$OUT/$name.txt" || break
        echo "   other processes were busy during the run; again (attempt $((attempt + 1)))"
    done
    grep -E "^== |^latency|^verification|^sent |^customer send|WARNING|sessions opened" "$OUT/$name.txt" | sed 's/^/   /'
}

run api-sqlite                                   -- $PY bench/api_throughput.py
run api-sqlite-k1                                -- $PY bench/api_throughput.py --concurrency 1
run api-sqlite-httpx                             -- $PY bench/api_throughput.py --client httpx
run api-sqlite-w2                                -- $PY bench/api_throughput.py --workers 2
run api-sqlite-syncmw                            -- $PY bench/api_throughput.py --experiment sync-middleware,one-publish-hop
run api-pg                KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/api_throughput.py
run api-pg-maxage0        KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/api_throughput.py --server-env KEFU_DB_CONN_MAX_AGE=0
run api-pg-maxage0-w2     KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/api_throughput.py --server-env KEFU_DB_CONN_MAX_AGE=0 --workers 2
run api-pg-pool           KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/api_throughput.py --experiment pg-pool
run api-pg-pool-w2        KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/api_throughput.py --experiment pg-pool --workers 2
run api-pg-all-w2         KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/api_throughput.py --experiment pg-pool,sync-middleware,one-publish-hop --workers 2
run ws-sqlite                                    -- $PY bench/ws_latency.py
run ws-sqlite-r50                                -- $PY bench/ws_latency.py --rate 50
run ws-sqlite-r100                               -- $PY bench/ws_latency.py --rate 100
run ws-sqlite-relay                              -- $PY bench/ws_latency.py --experiment relay-no-db-hop
run ws-pg                 KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py
run ws-pg-r50             KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --rate 50
run ws-pg-r100            KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --rate 100
run ws-pg-two             KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --two-servers
run ws-pg-relay           KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --experiment relay-no-db-hop
run ws-pg-relay-2x        KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --experiment relay-no-db-hop --customer-servers 2
run api-sqlite-gil5ms                         -- $PY bench/api_throughput.py --server-env KEFU_GIL_SWITCH_INTERVAL=0.005
run ws-pg-r100-gil5ms     KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --rate 100 --server-env KEFU_GIL_SWITCH_INTERVAL=0.005
run ws-pg-relay-2x-gil5ms KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --experiment relay-no-db-hop --customer-servers 2 --server-env KEFU_GIL_SWITCH_INTERVAL=0.005
run ws-pg-fixes           KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --experiment pg-pool,relay-no-db-hop,consumer-threadpool
run ws-pg-fixes-2x        KEFU_DATABASE_URL=$PG KEFU_REDIS_URL=$REDIS -- $PY bench/ws_latency.py --experiment pg-pool,relay-no-db-hop,consumer-threadpool --customer-servers 2
echo "all outputs in $OUT"
