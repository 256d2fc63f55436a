"""The floor for framework overhead: a bare psycopg WSGI handler serving the ticket list.

It runs, under the same gunicorn settings as the app, exactly the SQL that Django ran for
``/api/tickets?page=1&limit=10`` (captured by the bench, minus the session and user lookups) and
returns the same rows as JSON in the same envelope. What it skips is everything Django and DRF add:
middleware, authentication, tenant scoping in Python, the FilterSet, model instances, serializers.
``/ping`` (``SELECT 1``) is the round-trip floor every latency figure is divided by.

Configured by ``BENCH_BARE_DSN`` and ``BENCH_BARE_SQL`` (a JSON file: the list of statements).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

_pool = ConnectionPool(os.environ["BENCH_BARE_DSN"], min_size=1, max_size=8, open=True)
with open(os.environ["BENCH_BARE_SQL"]) as _f:
    _STATEMENTS: list[str] = json.load(_f)


def _ticket_list() -> dict[str, Any]:
    total = 0
    data: list[dict[str, Any]] = []
    related: list[list[dict[str, Any]]] = []
    with _pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        for sql in _STATEMENTS:
            rows = cur.execute(sql.encode()).fetchall()
            if len(rows) == 1 and len(rows[0]) == 1:
                total = int(next(iter(rows[0].values())))
            elif not data:
                data = rows
            else:
                related.append(rows)
    by_id = {str(row["id"]): row for row in data}
    for rows in related:
        for row in rows:
            key = next((k for k in row if k.startswith("_prefetch_related_val")), None)
            parent = by_id.get(str(row.pop(key))) if key else None
            if parent is not None:
                parent.setdefault("tags", []).append(row)
    return {"data": data, "pagination": {"total": total, "page": 1, "limit": 10, "pages": -(-total // 10)}}


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/ping":
        with _pool.connection() as conn:
            conn.execute("SELECT 1").fetchone()
        payload: dict[str, Any] = {"ok": True}
    elif path == "/tickets":
        payload = _ticket_list()
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "Not found."}']
    body = json.dumps(payload, default=str).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
