"""/healthz and /readyz: no auth, no versions or hosts, 503 when the database is gone or behind."""

from __future__ import annotations

import socket

import pytest
from django.db import connection, connections
from django.test import Client

from supportdesk import health

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable_database(monkeypatch: pytest.MonkeyPatch) -> str:
    """Point direct connections of 'default' at a TCP port nobody listens on (the pool is untouched)."""
    port = str(closed_port())
    monkeypatch.setitem(connections["default"].settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connections["default"].settings_dict, "PORT", port)
    return port


def test_healthz_answers_without_touching_the_database(client: Client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")  # a probe's Host is not in ALLOWED_HOSTS
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert response["X-Request-ID"]


def test_readyz_is_ready_when_database_answers_and_migrations_are_applied(client: Client) -> None:
    response = client.get("/readyz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_answers_503_when_the_database_is_unreachable(
    client: Client, unreachable_database: str
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503, response.content
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "migrations": "unknown"},
    }
    body = response.content.decode()
    assert "127.0.0.1" not in body and unreachable_database not in body
    # The process itself is still alive.
    assert client.get("/healthz").status_code == 200


def test_pending_migrations_counts_what_is_on_disk_but_not_applied() -> None:
    nodes, _ = health.migrations_on_disk()
    everything = set(nodes)
    assert health.pending_migrations(everything) == []
    missing = ("audit", "0002_integrity")
    assert missing in everything
    assert health.pending_migrations(everything - {missing}) == [missing]


@pytest.mark.django_db(transaction=True)
def test_readyz_answers_503_while_a_migration_is_pending(client: Client) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'audit' AND name = '0002_integrity' RETURNING applied"
        )
        (applied,) = cursor.fetchone()
    try:
        response = client.get("/readyz")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('audit', '0002_integrity', %s)",
                [applied],
            )
    assert response.status_code == 503, response.content
    assert response.json()["checks"] == {"database": "ok", "migrations": "pending"}


def test_health_endpoints_refuse_writes(client: Client) -> None:
    response = client.post("/readyz")
    assert response.status_code == 405
