"""The database cache (no REDIS_URL): many keys written in one statement, read back as written."""

from __future__ import annotations

import pytest
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from supportdesk.cache_backends import DatabaseCache

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def db_cache() -> DatabaseCache:
    call_command("createcachetable", "test_cache_backends_table", verbosity=0)
    yield DatabaseCache("test_cache_backends_table", {"OPTIONS": {"MAX_ENTRIES": 50}})
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE test_cache_backends_table")


def test_set_many_writes_new_and_existing_keys_in_two_statements(db_cache: DatabaseCache) -> None:
    db_cache.set("a", "old", None)
    values = {f"k{i}": ("version", i) for i in range(20)} | {"a": {"new": [1, 2]}}
    with CaptureQueriesContext(connection) as ctx:
        assert db_cache.set_many(values, None) == []
    statements = [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 2, statements  # the cull's COUNT, the upsert
    assert db_cache.get_many(list(values)) == values


def test_set_many_keeps_timeouts_and_culls_past_max_entries(db_cache: DatabaseCache) -> None:
    db_cache.set_many({"gone": 1}, -1)
    db_cache.set_many({"kept": 2}, DEFAULT_TIMEOUT)
    assert db_cache.get_many(["gone", "kept"]) == {"kept": 2}
    for start in range(0, 120, 20):
        db_cache.set_many({f"k{i}": i for i in range(start, start + 20)}, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM test_cache_backends_table")
        assert cursor.fetchone()[0] <= 50 + 20


def test_a_refused_write_is_reported_and_leaves_the_transaction_usable(db_cache: DatabaseCache) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE test_cache_backends_table ADD CONSTRAINT short CHECK (length(value) < 30)"
            )
        assert db_cache.set_many({"small": 1, "big": "x" * 100}, None) == ["small", "big"]
        assert db_cache.get("small") is None
        db_cache.set_many({"small": 1}, None)
        assert db_cache.get("small") == 1
