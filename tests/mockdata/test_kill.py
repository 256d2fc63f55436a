"""A run killed with SIGKILL mid-way leaves the database as before; the next run converges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from supportdesk.mockdata.generator import Generator
from tests.mockdata.conftest import fingerprint, run
from tickets.models import Ticket


def _child_env() -> dict[str, str]:
    db = connection.settings_dict
    return {
        # The child talks to this test's database, not the development one (DATABASE_URL would win).
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "POSTGRES_HOST": db["HOST"],
        "POSTGRES_PORT": str(db["PORT"]),
        "POSTGRES_DB": db["NAME"],
        "POSTGRES_USER": db["USER"],
        "POSTGRES_PASSWORD": db["PASSWORD"] or "",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_run_leaves_the_database_as_before_and_the_next_run_converges(tmp_path: Path) -> None:
    source = tmp_path / "source"
    Generator(source, tickets=150, tenants=2, seed=5).write()
    before = fingerprint()
    env = {**_child_env(), "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher"}
    child = subprocess.Popen(
        [sys.executable, "manage.py", "migrate_mock_data", "--source", str(source)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    assert child.stdout is not None
    for line in child.stdout:
        seen.append(line)
        # Tickets and comments are inserted, the transaction is open, nothing is committed yet.
        if line.startswith("applied ticket_comments"):
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "".join(seen)

    assert fingerprint() == before

    result = run("migrate_mock_data", "--source", str(source))
    assert result.ok, result
    assert Ticket.all_objects.count() == 150
    verified = run("verify_migration", "--source", str(source))
    assert verified.ok, verified
    again = fingerprint()
    assert run("migrate_mock_data", "--source", str(source)).ok
    assert fingerprint() == again


def _processes_reading(source: Path) -> set[int]:
    """Processes whose command line names ``source``: the command and its forked readers."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(source).encode() in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.django_db(transaction=True)
def test_sigkill_while_reading_leaves_no_reader_behind(tmp_path: Path) -> None:
    source = tmp_path / "source"
    Generator(source, tickets=3000, tenants=2, seed=5).write()
    before = fingerprint()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "migrate_mock_data", "--source", str(source)],
        cwd=settings.BASE_DIR,
        env={**_child_env(), "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("reading"):  # the readers are running
            break
    readers = _processes_reading(source) - {child.pid}
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)

    assert readers, "no reader process was running"
    deadline = time.monotonic() + 20
    while _processes_reading(source) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_reading(source), "a reader outlived the killed command"
    assert fingerprint() == before
