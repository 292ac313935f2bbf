"""Settings overlay for benchmark *experiments*: what a suggested change would give, without editing kefu.

Used only when a benchmark gets `--experiment NAME` (the benchmark then starts `kefu serve` with
DJANGO_SETTINGS_MODULE=kefu_bench_settings, this directory on PYTHONPATH and
KEFU_BENCH_EXPERIMENTS=name,name). The figures in bench/README.md say which run used which. Without
--experiment the benchmarks measure kefu exactly as shipped.

Experiments:

- ``sync-middleware``: append a sync-only no-op middleware as the innermost one. Django then runs the
  whole middleware chain in sync mode inside the request's worker thread, instead of the async chain
  where every MiddlewareMixin hops to that thread and back for process_request and process_response.
- ``pg-pool``: PostgreSQL connection pool (Django's OPTIONS["pool"], needs psycopg_pool importable)
  with CONN_MAX_AGE=0, as Django's docs ask for under ASGI; instead of one new connection per request.
- ``relay-no-db-hop``: channels' AsyncConsumer.dispatch runs close_old_connections through
  sync_to_async (the single shared sync thread) before *every* handler, also before kefu_event, which
  only relays an event and never touches the database. This skips that hop for kefu.event.
- ``one-publish-hop``: kefu.core.events.publish queues its group sends and sends all of one
  transaction's events in a single async_to_sync call at commit, instead of one call per publish().
"""

from __future__ import annotations

import os

from kefu.settings import *  # noqa: F403
from kefu.settings import DATABASES, MIDDLEWARE

EXPERIMENTS = {e.strip() for e in os.environ.get("KEFU_BENCH_EXPERIMENTS", "").split(",") if e.strip()}
KNOWN = {"sync-middleware", "pg-pool", "relay-no-db-hop", "one-publish-hop", "consumer-threadpool"}
if EXPERIMENTS - KNOWN:
    raise RuntimeError(f"unknown KEFU_BENCH_EXPERIMENTS {sorted(EXPERIMENTS - KNOWN)}; known: {sorted(KNOWN)}")

if "sync-middleware" in EXPERIMENTS:
    MIDDLEWARE = [*MIDDLEWARE, "kefu_bench_patches.SyncOnlyMiddleware"]

if "pg-pool" in EXPERIMENTS and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 40, "timeout": 20}

if EXPERIMENTS & {"relay-no-db-hop", "one-publish-hop", "consumer-threadpool"}:
    import kefu_bench_patches

    kefu_bench_patches.install_after_setup(EXPERIMENTS)
