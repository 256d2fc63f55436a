"""Waiting for the database with a bounded back-off, naming it in errors, and logging slow queries."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper


def describe(alias: str = "default") -> str:
    """`host H port P database D` of a connection, for operator-facing messages."""
    settings = connections[alias].settings_dict
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or "5432"
    return f"host {host} port {port} database {settings.get('NAME')}"


def direct_conninfo(alias: str = "default") -> dict[str, Any]:
    """libpq parameters of ``alias`` for a one-off connection outside the pool."""
    params = connections[alias].get_connection_params()
    return {
        key: value
        for key, value in params.items()
        if key in {"dbname", "user", "password", "host", "port", "sslmode", "sslrootcert", "options"}
    }


def probe(alias: str = "default", timeout: int = 3) -> None:
    """Open and close one direct connection (not through the pool); raise psycopg's error if it fails."""
    with psycopg.connect(**direct_conninfo(alias), connect_timeout=timeout) as conn:
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


slow_query_logger = logging.getLogger("supportdesk.db.slow")


def log_slow_queries(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """Execute wrapper: log a query slower than SLOW_QUERY_MS with its duration (the request id comes
    from the log filter). Parameters are left out, as they may hold personal data, unless
    SLOW_QUERY_PARAMS is on: then the line holds the statement as sent, values included, ready for
    ``EXPLAIN (ANALYZE, BUFFERS)``."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        duration_ms = (time.perf_counter() - started) * 1000
        threshold = settings.SLOW_QUERY_MS
        if threshold is not None and duration_ms >= threshold:
            statement = (settings.SLOW_QUERY_PARAMS and not many and _as_sent(context, sql, params)) or sql
            limit = SLOW_STATEMENT_CHARS if statement is not sql else SLOW_SQL_CHARS
            slow_query_logger.warning(
                "slow query %.1fms: %s",
                duration_ms,
                statement if len(statement) <= limit else statement[:limit] + "…",
                extra={"duration": round(duration_ms, 1)},
            )


# How much of a slow query's text a log line keeps: its SQL alone, or the statement with its values.
SLOW_SQL_CHARS = 2000
SLOW_STATEMENT_CHARS = 10_000


def _as_sent(context: dict[str, Any], sql: str, params: Any) -> str | None:
    """The statement with its values as psycopg sent it (client-side binding), or None."""
    try:
        return context["connection"].ops.last_executed_query(context["cursor"].cursor, sql, params)
    except Exception:  # a log line must never fail the query it describes
        return None


def install_slow_query_log(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: wrap every query of this connection (once per wrapper object)."""
    if log_slow_queries not in connection.execute_wrappers:
        connection.execute_wrappers.append(log_slow_queries)
