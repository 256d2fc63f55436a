"""gunicorn.conf.py under a real gunicorn: workers share metrics, logs are JSON lines with request ids."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    """One GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def test_gunicorn_serves_with_shared_metrics_and_json_logs(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "LOG_FORMAT"},
        "DEBUG": "false",
        "SECRET_KEY": "gunicorn-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "METRICS_TOKEN": "t0ken",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "supportdesk.wsgi"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, headers, body = get(port, "/healthz", **{"X-Request-ID": "probe-0"})
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert headers["X-Request-ID"] == "probe-0"
        for _ in range(9):
            assert get(port, "/healthz")[0] == 200
        # The SSL redirect applies to everything but the probes and the scrape.
        assert get(port, "/admin/login/")[0] == 301

        status, _, body = get(port, "/metrics", Authorization="Bearer t0ken")
        assert status == 200, body
        match = re.search(r"^django_http_requests_before_middlewares_total (\d+)\.0$", body, re.MULTILINE)
        assert match and int(match.group(1)) >= 12, body  # 10 probes + 1 redirect + this scrape
    finally:
        server.terminate()
        server.wait(timeout=30)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    redirect = next(
        line for line in lines if line["logger"] == "supportdesk.request" and line["status"] == 301
    )
    assert redirect["path"] == "/admin/login/" and len(redirect["request_id"]) == 32


def test_workers_freeze_the_loaded_app_and_collect_young_objects_less_often(monkeypatch) -> None:
    import gc
    import runpy

    monkeypatch.setenv("GUNICORN_GC_THRESHOLD", "5000")
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    before = gc.get_threshold()
    try:
        config["post_worker_init"](None)
        assert gc.get_threshold() == (5000, 10, 10)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
