"""The floor for framework overhead: a bare psycopg WSGI handler serving the ticket list.

It runs, under the same gunicorn settings as the app, the SQL that Django ran for
``/api/tickets?page=1&limit=10`` signed in with an API token (captured by the bench), and returns
the same rows as JSON in the same envelope:

- ``/tickets/same-sql``: every statement Django ran: the token's lookup (a request whose token
  matches no row is refused, as the app would), then the page;
- ``/tickets``: the page's statements only, as if signing in cost nothing.

What it skips is everything Django and DRF add: middleware, the rate limit and the cached total
(one Redis round trip each), tenant scoping in Python, the FilterSet, the ORM building and compiling
the query, model instances, serializers. ``/ping`` (``SELECT 1``) is the round-trip floor every
latency figure is divided by.

Configured by ``BENCH_BARE_DSN`` and ``BENCH_BARE_SQL`` (a JSON file: ``{"sign_in": [...],
"page": [...]}``, lists of statements).
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
    _SQL: dict[str, list[str]] = json.load(_f)


def _ticket_list(sign_in: bool) -> dict[str, Any] | None:
    total = 0
    data: list[dict[str, Any]] = []
    related: list[list[dict[str, Any]]] = []
    with _pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        for sql in _SQL["sign_in"] if sign_in else []:
            if cur.execute(sql.encode()).fetchone() is None:
                return None
        for sql in _SQL["page"]:
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
    elif path in ("/tickets", "/tickets/same-sql"):
        listed = _ticket_list(sign_in=path.endswith("/same-sql"))
        if listed is None:
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "Invalid token."}']
        payload = listed
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "Not found."}']
    body = json.dumps(payload, default=str).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
