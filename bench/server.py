"""Serving the app under test: gunicorn (the production server) on a loopback port."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.pg import PYTHON, ROOT

LOG_DIR = ROOT / ".data" / "bench" / "logs"
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(app: str, env: dict[str, str], health_path: str = "/") -> Iterator[int]:
    """Run ``app`` under gunicorn on a free loopback port until the block ends; yield the port."""
    port = free_port()
    cmd = [
        PYTHON, "-m", "gunicorn", app,
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS),
        "--worker-class", "gthread",
        "--threads", str(THREADS),
        "--log-level", "warning",
        "--timeout", "120",
    ]  # fmt: skip
    # The access and app log lines go to a file, not between the bench's figures.
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / f"gunicorn-{port}.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode} before serving {app}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", health_path)
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@contextmanager
def redis(directory: Path) -> Iterator[str | None]:
    """A throwaway Redis on a Unix socket (the production cache), or None when none is installed."""
    binary = shutil.which("redis-server")
    if binary is None or os.environ.get("BENCH_CACHE") == "database":
        yield None
        return
    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / f"redis-{os.getpid()}.sock"
    proc = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"unix://{sock}?db=0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
