"""Liveness and readiness checks, shared by ``/healthz``, ``/readyz`` and the metrics scrape.

Readiness opens its own short-lived psycopg connection with a short connect timeout instead of
borrowing from the pool: a probe must answer within seconds even when the pool is exhausted or its
wait is longer, and it must not take a slot that a request needs.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from supportdesk.database import direct_conninfo

logger = logging.getLogger(__name__)

MigrationKey = tuple[str, str]  # (app label, migration name)


@dataclass(frozen=True)
class Readiness:
    """The outcome of one readiness check; ``ready`` is what the probe answers."""

    database: bool
    pending_migrations: int | None  # None when the database could not be asked

    @property
    def ready(self) -> bool:
        return self.database and self.pending_migrations == 0

    def as_json(self) -> dict[str, object]:
        migrations = "ok" if self.pending_migrations == 0 else "pending"
        if not self.database:
            migrations = "unknown"
        return {
            "status": "ok" if self.ready else "unavailable",
            "checks": {"database": "ok" if self.database else "unreachable", "migrations": migrations},
        }


@functools.cache
def migrations_on_disk() -> tuple[
    frozenset[tuple[str, str]], dict[tuple[str, str], tuple[tuple[str, str], ...]]
]:
    """Every migration on disk, and for squashed ones the migrations they replace.

    Read once per process: the code on disk does not change while it runs.
    """
    loader = MigrationLoader(None, ignore_no_migrations=True)
    replaces = {key: tuple(m.replaces) for key, m in loader.disk_migrations.items() if m.replaces}
    return frozenset(loader.graph.nodes), replaces


def pending_migrations(applied: set[MigrationKey]) -> list[MigrationKey]:
    """Migrations on disk that are not recorded as applied (a squash counts if all it replaces are)."""
    nodes, replaces = migrations_on_disk()
    return sorted(
        key
        for key in nodes
        if key not in applied and not (key in replaces and all(r in applied for r in replaces[key]))
    )


def check_readiness(alias: str = "default") -> Readiness:
    """Is the database reachable (direct connection), and is every migration on disk applied?"""
    try:
        conninfo = direct_conninfo(alias)
        timeout = settings.READINESS_CONNECT_TIMEOUT
        with psycopg.connect(**conninfo, connect_timeout=timeout, autocommit=True) as conn:
            rows = conn.execute("SELECT app, name FROM django_migrations").fetchall()
    except psycopg.errors.UndefinedTable:
        # Reachable, but not even the first migration ran.
        return Readiness(database=True, pending_migrations=len(migrations_on_disk()[0]))
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        logger.warning("readiness: database unreachable: %s", reason)
        return Readiness(database=False, pending_migrations=None)
    pending = pending_migrations({(app, name) for app, name in rows})
    if pending:
        logger.warning("readiness: %d migration(s) not applied, first %s.%s", len(pending), *pending[0])
    return Readiness(database=True, pending_migrations=len(pending))
