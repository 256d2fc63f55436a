"""Waiting for the database with a bounded back-off, and naming it in errors."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import OperationalError, connections


def describe(alias: str = "default") -> str:
    """`host:port/database` of a connection, for operator-facing messages."""
    settings = connections[alias].settings_dict
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or "5432"
    return f"host {host} port {port} database {settings.get('NAME')}"


def wait_for_database(
    *,
    alias: str = "default",
    attempts: int = 6,
    first_delay: float = 0.5,
    max_delay: float = 5.0,
    on_retry: Callable[[int, Exception], None] | None = None,
) -> None:
    """Open a connection, retrying with exponential back-off; raise the last error when out of tries."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        connection = connections[alias]
        try:
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return
        except OperationalError as exc:
            connection.close_if_unusable_or_obsolete()
            if attempt == attempts:
                raise
            if on_retry:
                on_retry(attempt, exc)
            time.sleep(delay)
            delay = min(delay * 2, max_delay)
