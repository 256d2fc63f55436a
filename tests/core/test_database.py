"""Database selection, the embedded server, and behaviour while the server is unreachable.

These tests start their own embedded PostgreSQL in a temporary folder through subprocesses, exactly
as `make run` / `manage.py` do on a machine with no DATABASE_URL.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CONFIG_VARIABLES = ("DATABASE_URL", "POSTGRES_HOST", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD")


@pytest.fixture
def pg_home() -> Iterator[Path]:
    """A private folder for a throw-away embedded server, stopped and removed afterwards.

    Not pytest's tmp_path: concurrent pytest runs of the same user rotate those folders away.
    """
    home = Path(tempfile.mkdtemp(prefix="supportdesk-pg-"))
    home.chmod(0o755)
    yield home
    if (home / "pg" / "postmaster.pid").exists():
        with contextlib.suppress(subprocess.CalledProcessError):
            _pg_ctl_stop(home / "pg")
    shutil.rmtree(home, ignore_errors=True)


def embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env["EMBEDDED_PG_DIR"] = str(tmp_path / "pg")
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    if args[0] == "shell":
        args = ("shell", "--no-imports", *args[1:])
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_without_a_configured_server_the_embedded_postgresql_is_started_and_reused(pg_home: Path) -> None:
    tmp_path = pg_home
    env = embedded_env(tmp_path)
    code = (
        "from django.conf import settings; from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW server_version_num'); print(settings.EMBEDDED_DATABASE, c.fetchone()[0][:2]); "
        "c.execute('CREATE TABLE IF NOT EXISTS kept_across_runs (x int)')"
    )
    first = manage("shell", "-c", code, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["True", "16"]
    assert (tmp_path / "pg" / "PG_VERSION").exists()

    second = manage(
        "shell",
        "-c",
        "from django.db import connection; c = connection.cursor(); "
        "c.execute(\"SELECT to_regclass('kept_across_runs') IS NOT NULL\"); print(c.fetchone()[0])",
        env=env,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "True"


def test_database_url_wins_over_the_embedded_server() -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://someone:pw@db.internal:6543/desk"}
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(settings.EMBEDDED_DATABASE, d['HOST'], d['PORT'], d['NAME'], d['CONN_MAX_AGE'], "
        "'pool' in d['OPTIONS'])"
    )
    out = manage("shell", "-c", code, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "db.internal", "6543", "desk", "0", "True"]


def test_the_old_apps_postgres_variables_are_understood() -> None:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(
        POSTGRES_HOST="db.example",
        POSTGRES_PORT="5433",
        POSTGRES_DB="helpdesk",
        POSTGRES_USER="desk",
        POSTGRES_PASSWORD="pw",
        POSTGRES_SSL="true",
    )
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['HOST'], d['PORT'], d['NAME'], d['USER'], d['OPTIONS']['sslmode'])"
    )
    out = manage("shell", "-c", code, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["db.example", "5433", "helpdesk", "desk", "require"]


def test_migrate_retries_then_fails_with_one_line_naming_the_server() -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"}
    out = manage("migrate", "--wait-attempts", "2", env=env)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("CommandError: Cannot reach PostgreSQL at host 127.0.0.1 port 1 database nowhere")
    assert "attempt 1/2" in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sign_in_attempt(base: str) -> int:
    """GET the admin login form, then POST wrong credentials: the POST needs the database."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/admin/login/", timeout=10).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"username": "nobody@example.com", "password": "x", "csrfmiddlewaretoken": token}
    )
    request = urllib.request.Request(f"{base}/admin/login/", data=data.encode(), headers={"Referer": base})
    try:
        return int(opener.open(request, timeout=15).status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _pg_ctl_stop(pgdata: Path) -> None:
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None
    # "immediate" is what a crash or a kill looks like to clients, and does not wait for a checkpoint.
    pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=pgdata, user=user, timeout=60)


def test_the_web_process_stays_up_while_the_database_is_down_and_recovers(pg_home: Path) -> None:
    tmp_path = pg_home
    env = embedded_env(tmp_path)
    assert manage("migrate", "--noinput", env=env).returncode == 0
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/admin/login/", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert _sign_in_attempt(base) == 200  # the form comes back with "wrong credentials"

        _pg_ctl_stop(tmp_path / "pg")
        assert _sign_in_attempt(base) == 503
        assert server.poll() is None, "the web process must stay up"

        # Any project process brings the embedded server back; the web process recovers by itself.
        assert manage("wait_for_db", env=env).returncode == 0
        deadline = time.monotonic() + 20
        while (status := _sign_in_attempt(base)) != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.django_db
def test_the_suite_itself_runs_on_postgresql() -> None:
    from django.db import connection

    assert connection.vendor == "postgresql"
    if not os.environ.get("DATABASE_URL"):
        assert settings.EMBEDDED_DATABASE
