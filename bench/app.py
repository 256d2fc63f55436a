"""The bench process's own Django: sessions/tokens for the HTTP clients, captured SQL, EXPLAIN plans.

``setup(db)`` points Django at the bench database (``DATABASE_URL``) before ``django.setup()``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import secrets
from importlib import import_module
from typing import Any

from bench.pg import Database

BENCH_ENV = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "LOGIN_THROTTLE_IP_LIMIT": "1000000",
    # The bench is one client sending thousands of requests; production rates would refuse it.
    "API_THROTTLE_TOKEN": "100000000/hour",
    "API_THROTTLE_USER": "100000000/hour",
}


def setup(db: Database) -> None:
    os.environ.update(db.env(**BENCH_ENV))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
    import django

    django.setup()


def auth_headers(email: str) -> dict[str, str]:
    """Headers that sign requests in as ``email``: an API token when the project has them, else a session.

    A session is made directly in the session store (the password is never used), with a CSRF
    cookie and header so that writes pass DRF's CSRF check too.
    """
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command, get_commands

    from accounts.models import User

    user = User.objects.get(email=email)
    headers: dict[str, str] = {"Accept": "application/json"}
    if "create_api_token" in get_commands():
        out = io.StringIO()
        call_command("create_api_token", email, stdout=out)
        headers["Authorization"] = f"Token {out.getvalue().strip().splitlines()[-1].strip()}"
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    csrf = secrets.token_hex(16)
    headers["Cookie"] = (
        f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    )
    headers["X-CSRFToken"] = csrf
    return headers


def captured_sql(email: str, path: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The statements Django runs to serve ``path`` signed in as ``email``, with their times."""
    return captured(email, path, headers)[0]


def captured(
    email: str, path: str, headers: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], bytes]:
    """``captured_sql`` and the answer's body.

    Signed in by a session, or by ``headers`` (an ``Authorization`` token) when given.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(headers=headers)
    if headers is None:
        client.force_login(User.objects.get(email=email))
    client.get(path)  # warm: the session or token's use, the user, the caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} -> {response.status_code}: {response.content[:300]!r}")
    statements = [{"sql": q["sql"], "ms": round(float(q["time"]) * 1000, 2)} for q in ctx.captured_queries]
    return statements, response.content


def page_json_config(body: bytes) -> dict[str, Any]:
    """What ``bench.same_json`` needs to write the API's answer ``body`` (a ticket list page) from rows.

    The serializer's fields and the column each reads, the cursor's keys (read from the answer's
    own ``next_cursor``), the page size and the total.
    """
    from tickets.api.serializers import TicketSerializer
    from tickets.models import Ticket

    fields = []
    for name in TicketSerializer.Meta.fields:
        field = Ticket._meta.get_field(name)
        column = "tag_ids" if field.many_to_many else field.attname  # type: ignore[union-attr]
        fields.append((name, column))
    pagination = json.loads(body)["pagination"]
    cursor = pagination["next_cursor"]
    keys = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["k"]
    return {"fields": fields, "cursor_keys": keys, "limit": pagination["limit"], "total": pagination["total"]}


def data_sql(statements: list[dict[str, Any]]) -> list[str]:
    """The SELECTs that fetch data (not the session, user, token or cache lookups, nor transactions)."""
    skip = re.compile(r'\bFROM "(django_session|accounts_user|accounts_apitoken|supportdesk_cache)"')
    return [s for s in request_sql(statements) if not skip.search(s)]


def request_sql(statements: list[dict[str, Any]]) -> list[str]:
    """Every SELECT of a request, the sign-in's lookups included (not transaction statements)."""
    return [s["sql"] for s in statements if s["sql"].startswith("SELECT")]


def explain(db: Database, sql: str) -> str:
    with db.connect() as conn:
        rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}".encode()).fetchall()
    return "\n".join(row[0] for row in rows)
