"""A small generated export per test, and a fingerprint of every table the migration can touch."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from supportdesk.mockdata.generator import Generator
from supportdesk.mockdata.spec import ENTITIES

TABLES = [
    "accounts_tenant",
    *(e.table for e in ENTITIES),
    "accounts_groupmembership",
    "supportdesk_importedrecord",
]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A valid export: 2 tenants, 24 tickets with threads, tags and attachments."""
    out = tmp_path / "source"
    Generator(out, tickets=24, tenants=2, seed=7).write()
    return out


def fingerprint() -> dict[str, str]:
    """Row count and content hash of every table the migration writes."""
    with connection.cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '' ORDER BY t::text)), '') "
                f"FROM {table} t"
            )
            result[table] = cursor.fetchone()[0]
        return result


def edit(source: Path, entity: str, change: Callable[[list[dict[str, Any]]], object]) -> None:
    """Rewrite one file of the export through ``change`` (which mutates the list of records)."""
    path = source / f"{entity}.json"
    records = json.loads(path.read_text())
    change(records)
    path.write_text(json.dumps(records))


def record(records: list[dict[str, Any]], rid: str) -> dict[str, Any]:
    return next(r for r in records if r["id"] == rid)


class Run:
    """The outcome of one command: output, error output, and the CommandError if it failed."""

    def __init__(self, out: str, err: str, error: CommandError | None) -> None:
        self.out, self.err, self.error = out, err, error

    @property
    def ok(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:
        return f"Run(error={self.error!r})\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run(command: str, *args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return Run(out.getvalue(), err.getvalue(), exc)
    return Run(out.getvalue(), err.getvalue(), None)
