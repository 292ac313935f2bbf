"""Start real `kefu serve` processes on loopback, for integration tests, browser tests and benchmarks.

A `LiveSite` owns one database (a fresh SQLite file, or a fresh PostgreSQL database next to the one
KEFU_DATABASE_URL names) that its server processes share. Everything is torn down on `close()`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

KEFU = [sys.executable, "-m", "kefu.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_postgres_admin_url(url), autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class LiveSite:
    """One database plus any number of server processes sharing it."""

    redis_url: str | None = None
    database_url: str | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kefu-live-")))
    servers: list[LiveServer] = field(default_factory=list)
    _pg_database: str | None = None
    assistant: bool = False

    def __post_init__(self) -> None:
        base = self.database_url if self.database_url is not None else os.environ.get("KEFU_DATABASE_URL", "")
        if base.startswith("postgres"):
            self._pg_database = f"kefu_live_{uuid.uuid4().hex[:10]}"
            _pg_execute(base, f'CREATE DATABASE "{self._pg_database}"')
            self.database_url = _with_database(base, self._pg_database)
        else:
            self.database_url = f"sqlite:///{self.workdir / 'kefu.sqlite3'}"
        self._admin_db_url = base
        self.secret_key = uuid.uuid4().hex * 2
        self.redis_prefix = f"kefu-test-{uuid.uuid4().hex[:8]}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
        env.update({
            "KEFU_DATABASE_URL": self.database_url,
            "KEFU_VAR_DIR": str(self.workdir),
            "KEFU_SECRET_KEY": self.secret_key,
            "KEFU_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            # Servers under test stay out of the assistant's way unless a test turns it on (issue 3).
            "KEFU_ASSISTANT_DEFAULT_ENABLED": self.assistant and "true" or "false",
        })
        if self.redis_url:
            env["KEFU_REDIS_URL"] = self.redis_url
            env["KEFU_REDIS_PREFIX"] = self.redis_prefix
        env.update(extra)
        return env

    def kefu(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        """Run a `kefu` command against this site's database; returns the completed process."""
        result = subprocess.run([*KEFU, *args], env=self.env(), capture_output=True, text=True, input=input,
                                timeout=300)
        if check and result.returncode != 0:
            raise RuntimeError(f"kefu {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def migrate(self) -> None:
        self.kefu("migrate", "--quiet")

    def create_token(self, name: str = "tests", agent: str | None = None) -> str:
        args = ["token", "create", "--name", name] + (["--agent", agent] if agent else [])
        return self.kefu(*args).stdout.strip().splitlines()[-1]

    def start_server(self, port: int | None = None, timeout: float = 30, worker: bool = False) -> LiveServer:
        port = port or free_port()
        log_path = self.workdir / f"server-{port}-{len(self.servers)}.log"
        args = [*KEFU, "serve", "--host", "127.0.0.1", "--port", str(port)] + ([] if worker else ["--no-worker"])
        with open(log_path, "ab") as log:
            process = subprocess.Popen(args, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        server = LiveServer(port, process, log_path)
        self.servers.append(server)
        self._wait_healthy(server, timeout)
        return server

    def restart_server(self, server: LiveServer, timeout: float = 30) -> LiveServer:
        """Stop a server and start a new process on the same port (a server restart)."""
        server.stop()
        self.servers.remove(server)
        return self.start_server(port=server.port, timeout=timeout)

    def _wait_healthy(self, server: LiveServer, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"kefu serve exited with {server.process.returncode}:\n{server.log()}")
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                    if json.load(response)["status"] == "ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"kefu serve did not become healthy in {timeout}s:\n{server.log()}")

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()
        if self._pg_database:
            _pg_execute(self._admin_db_url, f'DROP DATABASE IF EXISTS "{self._pg_database}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)
