"""Summarize py-spy collapsed stacks (from `--profile DIR`): where the server's CPU time goes.

    .venv/bin/python bench/pyspy_summary.py DIR [--top 25] [--match kefu/]

Prints, over all files in DIR: the share of samples per thread kind, the functions with the most
*self* time, and the *inclusive* time of functions whose file matches --match (default: kefu's own
code and the Django/asgiref/channels/ninja layers it runs on).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+):(?P<line>\d+)\)$")
DEFAULT_MATCH = ("kefu/", "django/", "asgiref/", "channels", "ninja/", "uvicorn/", "psycopg", "sqlite3")


def parse(path: Path):
    for raw in path.read_text(errors="replace").splitlines():
        stack, _, count = raw.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for part in stack.split(";"):
            m = FRAME.match(part)
            frames.append((m["file"], m["func"]) if m else ("?", part))
        yield frames, int(count)


CONNECTION_FUNCS = ("get_new_connection", "BaseDatabaseWrapper.connect", "BaseDatabaseWrapper._close",
                    "close_old_connections", "BaseDatabaseWrapper.close", "init_connection_state")


def category(frames) -> str:
    """A coarse bucket for one stack, checked from the most specific to the most general."""
    files = [f for f, _ in frames]
    funcs = [fn for _, fn in frames]
    leaf_file = files[-1] if files else ""

    def has(*needles: str) -> bool:
        return any(n in f for f in files for n in needles)

    if any(c in fn for fn in funcs for c in CONNECTION_FUNCS):
        return "database connection open/close (per request)"
    if has("kefu/core/events.py", "channels/layers.py", "channels_redis/"):
        return "event publishing (async_to_sync hop + channel layer)"
    leaf_func = funcs[-1] if funcs else ""
    if any(x in leaf_file for x in ("sqlite3/", "psycopg/", "psycopg_pool/")) or "backends/utils.py" in leaf_file or (
            "django/db/backends/" in leaf_file and any(x in leaf_func for x in ("execute", "_commit", "_rollback"))):
        return "database driver (SQL execution, waits)"
    if has("django/db/"):
        return "Django ORM (query compiling, model instances)"
    if has("ninja/", "pydantic"):
        return "django-ninja (auth, parsing, validation, rendering)"
    if any("kefu/" in f and not f.endswith("kefu/cli.py") for f in files):
        return "kefu code (other than ORM)"
    if has("django/middleware/", "django/contrib/", "whitenoise/", "django_htmx/", "django/utils/deprecation.py"):
        return "Django middleware"
    if has("asgiref/", "concurrent/futures/", "threading.py"):
        return "asgiref thread hops (sync_to_async / async_to_sync, thread per request)"
    if has("django/core/handlers/", "django/urls/", "django/http/"):
        return "Django request handling (ASGI handler, URL resolving)"
    if has("uvicorn/", "websockets/", "httptools"):
        return "uvicorn + event loop (HTTP/WebSocket protocol, uvloop native)"
    if has("channels/"):
        return "channels consumers (dispatch)"
    return "event loop and other"


def label(file: str, func: str) -> str:
    file = re.sub(r"^.*/site-packages/", "", file)
    file = re.sub(r"^.*/(kefu/)", r"\1", file)
    return f"{file}:{func}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("directory", type=Path)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--match", action="append", help="file substring for the inclusive table (repeatable)")
    args = p.parse_args(argv)
    matches = tuple(args.match) if args.match else DEFAULT_MATCH

    total = 0
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    for path in sorted(args.directory.glob("*.txt")):
        for frames, count in parse(path):
            total += count
            funcs = [f for _, f in frames]
            if "SyncToAsync.thread_handler" in funcs:
                threads["sync thread (Django views, database_sync_to_async)"] += count
            elif frames and "threading.py" in frames[0][0]:
                threads["other threads"] += count
            else:
                threads["event loop thread (uvicorn, ASGI, channels, websockets)"] += count
            self_time[label(*frames[-1])] += count
            buckets[category(frames)] += count
            seen = set()
            for file, func in frames:
                name = label(file, func)
                if name not in seen and any(m in file for m in matches):
                    seen.add(name)
                    inclusive[name] += count
    if not total:
        print("no samples", file=sys.stderr)
        return 1
    print(f"{total} samples (non-idle) in {args.directory}")
    print("\nby thread:")
    for name, n in threads.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("\nby category (first match, in this order of precedence: connection, events, driver, ORM, ...):")
    for name, n in buckets.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")
    print(f"\ntop {args.top} by self time:")
    for name, n in self_time.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {name}")
    print(f"\ntop {args.top} by inclusive time (files matching {', '.join(matches)}):")
    for name, n in inclusive.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
