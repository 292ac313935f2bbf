"""Shared pieces of the kefu benchmarks: the live site, server processes, CPU accounting, statistics.

Everything talks to 127.0.0.1 only. Nothing here changes kefu itself; servers are real `kefu serve`
processes started through kefu.core.liveserver.LiveSite.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from kefu.core.liveserver import KEFU, LiveServer, LiveSite, free_port

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the site and its servers -------------------------------------------------------------------


def code_state() -> str:
    """Which kefu code the servers run: where the package is, its git commit, a hash of its files.

    The hash covers every file of the kefu package (uncommitted edits included), so two runs with the
    same hash ran the same code.
    """
    import hashlib

    import kefu

    package = Path(kefu.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".mo"):
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    try:
        git = subprocess.run(["git", "-C", str(package.parent), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        head = git.stdout.strip() if git.returncode == 0 else ""
        dirty = subprocess.run(["git", "-C", str(package.parent), "status", "--porcelain", "--", "kefu"],
                               capture_output=True, text=True, timeout=10).stdout.strip() if head else ""
    except (OSError, subprocess.TimeoutExpired):
        head, dirty = "", ""
    where = f"commit {head}" + (" + uncommitted changes" if dirty else "") if head else "no git"
    return f"kefu from {package.parent} ({where}), files sha256 {digest.hexdigest()[:12]}"


def describe_database(site: LiveSite) -> str:
    url = site.database_url or ""
    if url.startswith("postgres"):
        parts = urlsplit(url)
        return f"PostgreSQL {parts.hostname}:{parts.port or 5432}{parts.path} (fresh database)"
    return "SQLite (fresh file, WAL)"


def describe_layer(site: LiveSite) -> str:
    if site.redis_url:
        return f"Redis pub/sub channel layer ({site.redis_url})"
    return "in-memory channel layer (one process only)"


def make_site() -> LiveSite:
    """A fresh site: SQLite unless KEFU_DATABASE_URL is postgresql://..., Redis if KEFU_REDIS_URL."""
    redis_url = os.environ.get("KEFU_REDIS_URL") or None
    # Measure kefu as it ships: the assistant answers customers (KEFU_BENCH_ASSISTANT=0 leaves it out).
    site = LiveSite(redis_url=redis_url, assistant=os.environ.get("KEFU_BENCH_ASSISTANT", "1") != "0")
    try:
        site.migrate()
        site.kefu("demo")
    except BaseException:
        site.close()
        raise
    return site


def start_server(site: LiveSite, workers: int = 1, extra_env: dict[str, str] | None = None,
                 timeout: float = 60) -> LiveServer:
    """Start `kefu serve` (with --workers N when N > 1) on a free port, like LiveSite.start_server.

    LiveSite.start_server takes neither --workers nor extra environment, so the process is started
    here with the site's environment (plus `extra_env`, for experiments such as KEFU_DB_CONN_MAX_AGE=0)
    and registered in site.servers so that site.close() stops it.
    """
    port = free_port()
    log_path = site.workdir / f"server-{port}-{len(site.servers)}.log"
    args = [*KEFU, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"]
    if workers > 1:
        args += ["--workers", str(workers)]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(args, env=site.env(**(extra_env or {})), stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(port, process, log_path)
    site.servers.append(server)
    site._wait_healthy(server, timeout)
    if workers > 1:
        # uvicorn starts its worker processes one by one; wait for all before measuring.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(child_pids(process.pid)) < workers:
            time.sleep(0.1)
        time.sleep(1.0)
    return server


EXPERIMENTS_DIR = Path(__file__).resolve().parent / "experiments"


def experiment_env(names: list[str] | None) -> dict[str, str]:
    """Server environment for --experiment (see bench/experiments/kefu_bench_settings.py)."""
    if not names:
        return {}
    names = [n for part in names for n in part.split(",") if n]
    path = os.pathsep.join(p for p in [str(EXPERIMENTS_DIR), os.environ.get("PYTHONPATH", "")] if p)
    if "pg-pool" in names:
        probe = subprocess.run([sys.executable, "-c", "import psycopg_pool"], env={**os.environ, "PYTHONPATH": path},
                               capture_output=True)
        if probe.returncode:
            raise SystemExit("--experiment pg-pool needs psycopg_pool importable, e.g.: .venv/bin/pip install "
                             "--target /tmp/kefu-bench-deps psycopg-pool; then PYTHONPATH=/tmp/kefu-bench-deps")
    return {"DJANGO_SETTINGS_MODULE": "kefu_bench_settings", "PYTHONPATH": path,
            "KEFU_BENCH_EXPERIMENTS": ",".join(names)}


def parse_env_pairs(pairs: list[str] | None) -> dict[str, str]:
    env = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--server-env wants KEY=VALUE, not {pair!r}")
        env[key] = value
    return env


def save_logs(site: LiveSite, reason: str) -> None:
    """Copy the server logs out of the site's work directory (which close() deletes) and show errors."""
    import re
    import tempfile

    logs = [s.log_path for s in site.servers if s.log_path.exists()]
    if not logs:
        return
    target = Path(tempfile.mkdtemp(prefix="kefu-bench-logs-"))
    for log in logs:
        shutil.copy(log, target / log.name)
    errors: dict[str, int] = {}
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if re.match(r"^\w*(Error|Exception)\b|^[\w.]+(Error|Exception): ", line):
                errors[line[:200]] = errors.get(line[:200], 0) + 1
    print(f"server logs ({reason}) saved in {target}/")
    for line, count in sorted(errors.items(), key=lambda item: -item[1])[:8]:
        print(f"  {count:6d} x {line}")


def server_health(server: LiveServer) -> dict:
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
        return json.load(response)


# --- CPU accounting from /proc --------------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(child_pids(current))
    return pids


def cpu_seconds(pid: int) -> float:
    """user+system CPU seconds of one process (its threads included; not its children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def quiet_check(seconds: float = 1.0) -> str:
    """How busy the machine is before a run (other people's processes distort the figures)."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    busy = (machine_busy_seconds() - before) / seconds
    note = "" if busy < 0.15 else "  WARNING: the machine is not idle; figures will be low"
    return f"machine busy before the run: {100 * busy:.0f}% of one core{note}"


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


class CpuMeter:
    """CPU seconds used by groups of processes between start() and stop().

    `groups` is called at start and at stop, so processes that appear in between (a new PostgreSQL
    backend, say) are counted from zero.
    """

    def __init__(self, groups):
        self.groups_fn = groups
        self.before: dict[int, float] = {}
        self.used: dict[str, float] = {}
        self.wall = 0.0

    def start(self) -> None:
        self.before = {pid: cpu_seconds(pid) for pids in self.groups_fn().values() for pid in pids}
        self._machine = machine_busy_seconds()
        self._client = time.process_time()
        self._wall = time.perf_counter()

    def stop(self) -> None:
        self.wall = time.perf_counter() - self._wall
        self.used = {"bench client (this process)": time.process_time() - self._client}
        for name, pids in self.groups_fn().items():
            self.used[name] = sum(max(0.0, cpu_seconds(pid) - self.before.get(pid, 0.0)) for pid in pids)
        machine = machine_busy_seconds() - self._machine
        self.used["everything else on the machine"] = max(0.0, machine - sum(self.used.values()))
        # (short-lived processes land here too, e.g. PostgreSQL backends started for one request)

    def lines(self, per: int = 0, unit: str = "") -> list[str]:
        out = []
        for name, seconds in self.used.items():
            line = f"  {name:<34} {seconds:7.2f} CPU-s = {100 * seconds / self.wall:5.0f}% of one core"
            if per and not name.startswith("everything else"):
                line += f"  ({1e6 * seconds / per:,.0f} µs per {unit})"
            out.append(line)
        total = sum(self.used.values())
        out.append(f"  {'machine total (' + str(os.cpu_count()) + ' cores)':<34} {total:7.2f} CPU-s = "
                   f"{100 * total / self.wall:5.0f}% of one core")
        if self.used.get("everything else on the machine", 0) > 0.15 * self.wall:
            out.append("  WARNING: other processes used noticeable CPU during the window; figures are low")
        return out


def cpu_groups(site: LiveSite) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for server in site.servers:
        pids = process_tree(server.process.pid)
        workers = f" (supervisor + {len(pids) - 1} workers)" if len(pids) > 1 else ""
        groups[f"kefu serve :{server.port}{workers}"] = pids
    if (site.database_url or "").startswith("postgres"):
        groups["postgres (all its processes)"] = pids_named("postgres")
    if site.redis_url:
        groups["redis-server"] = pids_named("redis-server")
    return groups


def pg_sessions(site: LiveSite) -> int | None:
    """Sessions PostgreSQL has opened on the site's database so far (pg_stat_database.sessions, PG 14+)."""
    if not (site.database_url or "").startswith("postgres"):
        return None
    import psycopg

    try:
        with psycopg.connect(site.database_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SELECT pg_stat_clear_snapshot()")
            row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()
            return int(row[0]) if row else None
    except Exception:  # noqa: BLE001 - an old PostgreSQL or a full server: report nothing
        return None


# --- py-spy --------------------------------------------------------------------------------------


def start_py_spy(pids: list[int], seconds: float, out_dir: Path, gil: bool = True) -> list[subprocess.Popen]:
    """Sample the server processes with py-spy into collapsed stacks.

    gil=True samples only the thread holding the GIL (where Python CPU time goes); gil=False samples
    every non-idle thread (wall-clock view, includes threads blocked in C code such as SQLite's busy wait).
    """
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    out_dir.mkdir(parents=True, exist_ok=True)
    procs = []
    for pid in pids:
        out = out_dir / f"pyspy-{pid}.txt"
        procs.append(subprocess.Popen(
            [exe, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))), "--rate", "250",
             "--format", "raw", "--output", str(out), "--nonblocking", *(["--gil"] if gil else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs


def wait_py_spy(procs: list[subprocess.Popen], timeout: float = 60) -> None:
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- statistics ----------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def latency_line(values_ms: list[float], points=(50, 90, 99)) -> str:
    values = sorted(values_ms)
    parts = [f"p{p} {percentile(values, p):.1f} ms" for p in points]
    return ", ".join(parts) + (f", max {values[-1]:.1f} ms" if values else "")


# --- a minimal HTTP/1.1 keep-alive client on asyncio streams ---------------------------------------


class RawHttpConnection:
    """One keep-alive HTTP/1.1 connection; just enough protocol for the benchmark (cheap on CPU)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port = host, port
        self.base_headers = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str = "application/json") -> tuple[int, bytes]:
        if self.writer is None:
            await self._connect()
        head = f"{method} {path} HTTP/1.1\r\n{self.base_headers}"
        if body or method in ("POST", "PUT", "PATCH"):
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        try:
            status_line = await self.reader.readuntil(b"\r\n")
            status = int(status_line.split(b" ", 2)[1])
            length, chunked, close = None, False, False
            while True:
                line = await self.reader.readuntil(b"\r\n")
                if line == b"\r\n":
                    break
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
                elif name == b"connection" and b"close" in value.lower():
                    close = True
            if chunked:
                parts = []
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        await self.reader.readuntil(b"\r\n")
                        break
                    parts.append(await self.reader.readexactly(size))
                    await self.reader.readexactly(2)
                payload = b"".join(parts)
            elif length is not None:
                payload = await self.reader.readexactly(length)
            else:
                payload = await self.reader.read()
                close = True
        except BaseException:
            await self.close()  # the connection is in an unknown state: never reuse it
            raise
        if close:
            await self.close()
        return status, payload


def wait_quiet(max_seconds: float, threshold: float = 0.12) -> bool:
    """Wait (up to max_seconds) until the machine is idle for 3 s; True if it became idle."""
    deadline = time.monotonic() + max_seconds
    while True:
        before = machine_busy_seconds()
        time.sleep(3)
        busy = (machine_busy_seconds() - before) / 3
        if busy < threshold:
            return True
        if time.monotonic() > deadline:
            print(f"machine still busy ({100 * busy:.0f}% of one core) after {max_seconds:g} s", file=sys.stderr)
            return False
        time.sleep(2)


if __name__ == "__main__":
    # `python bench/common.py wait-quiet 120`: used by run_all.sh between runs.
    if sys.argv[1:2] == ["wait-quiet"]:
        sys.exit(0 if wait_quiet(float(sys.argv[2]) if len(sys.argv) > 2 else 120) else 1)
    sys.exit("usage: common.py wait-quiet [SECONDS]")


def add_server_options(p) -> None:
    """Options both benchmarks share: profiling, server environment, experiments, JSON output."""
    p.add_argument("--profile", type=Path, help="sample the server processes with py-spy into this directory")
    p.add_argument("--profile-all-threads", action="store_true",
                   help="with --profile: sample every non-idle thread instead of only the GIL holder")
    p.add_argument("--server-env", action="append", metavar="KEY=VALUE",
                   help="extra environment for the server processes, for experiments (e.g. KEFU_DB_CONN_MAX_AGE=0)")
    p.add_argument("--experiment", action="append", metavar="NAME",
                   help="run the servers with a suggested change applied (bench/experiments/kefu_bench_settings.py): "
                        "sync-middleware, pg-pool, relay-no-db-hop, one-publish-hop")
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
