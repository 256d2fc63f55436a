"""Waiting for the database with a bounded back-off, and naming it in errors."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
from django.db import connections


def describe(alias: str = "default") -> str:
    """`host H port P database D` of a connection, for operator-facing messages."""
    settings = connections[alias].settings_dict
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or "5432"
    return f"host {host} port {port} database {settings.get('NAME')}"


def probe(alias: str = "default", timeout: int = 3) -> None:
    """Open and close one direct connection (not through the pool); raise psycopg's error if it fails."""
    params = connections[alias].get_connection_params()
    conninfo = {
        key: value
        for key, value in params.items()
        if key in {"dbname", "user", "password", "host", "port", "sslmode", "sslrootcert", "options"}
    }
    with psycopg.connect(**conninfo, connect_timeout=timeout) as conn:
        conn.execute("SELECT 1")


def wait_for_database(
    *,
    alias: str = "default",
    attempts: int = 6,
    first_delay: float = 0.5,
    max_delay: float = 5.0,
    on_retry: Callable[[int, Exception], None] | None = None,
) -> None:
    """Probe the database, retrying with exponential back-off; raise the last error when out of tries."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            probe(alias)
            return
        except psycopg.OperationalError as exc:
            if attempt == attempts:
                raise
            if on_retry:
                on_retry(attempt, exc)
            time.sleep(delay)
            delay = min(delay * 2, max_delay)
