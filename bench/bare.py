"""The floor for framework overhead: a bare psycopg WSGI handler serving the ticket list.

It runs, under the same gunicorn settings as the app, the SQL that Django ran for
``/api/tickets?page=1&limit=10`` signed in with an API token (captured by the bench), and returns
the same JSON (``bench.same_json``):

- ``/tickets/same-sql``: every statement Django ran: the token's lookup (a request whose token
  matches no row is refused, as the app would), then the page;
- ``/tickets``: the page's statements only, as if signing in cost nothing;
- ``/tickets/same-sql-planned``: every statement Django ran, sent as Django's cursor sends them
  (psycopg's ``ClientCursor``: the simple query protocol, never a prepared statement), so that
  PostgreSQL parses and plans each one on every request, as it does for the app. The other two
  use psycopg's default cursor, which prepares a statement once it has run the same text five
  times: the bench repeats one request, so they skip parsing and planning after the fifth.

What it skips is everything Django and DRF add: middleware, the rate limit and the cached total
(one Redis round trip each), tenant scoping in Python, the FilterSet, the ORM building and compiling
the query, model instances, serializers. ``/ping`` (``SELECT 1``) is the round-trip floor every
latency figure is divided by.

Configured by ``BENCH_BARE_DSN`` and ``BENCH_BARE_SQL`` (a JSON file: ``{"sign_in": [...],
"page": [...], "json": {...}}``: lists of statements, and what ``same_json.page`` needs).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from psycopg import ClientCursor
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bench import same_json

_pool = ConnectionPool(os.environ["BENCH_BARE_DSN"], min_size=1, max_size=8, open=True)
with open(os.environ["BENCH_BARE_SQL"]) as _f:
    _SQL: dict[str, Any] = json.load(_f)


def _ticket_list(sign_in: bool, planned: bool = False) -> bytes | None:
    with _pool.connection() as conn:
        cur = ClientCursor(conn, row_factory=dict_row) if planned else conn.cursor(row_factory=dict_row)
        for sql in _SQL["sign_in"] if sign_in else []:
            if cur.execute(sql.encode()).fetchone() is None:
                return None
        rows: list[dict[str, Any]] = []
        for sql in _SQL["page"]:
            rows = rows or cur.execute(sql.encode()).fetchall()
    return same_json.page(rows, _SQL["json"])


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/ping":
        with _pool.connection() as conn:
            conn.execute("SELECT 1").fetchone()
        body = b'{"ok": true}'
    elif path in ("/tickets", "/tickets/same-sql", "/tickets/same-sql-planned"):
        listed = _ticket_list(sign_in=path != "/tickets", planned=path.endswith("-planned"))
        if listed is None:
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "Invalid token."}']
        body = listed
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "Not found."}']
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
