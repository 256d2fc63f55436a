"""The database cache (no REDIS_URL): many keys written in one statement, read back as written."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Tenant, User
from catalog import services as catalog_services
from catalog.models import Tag
from catalog.selectors import tag_choices
from supportdesk.cache_backends import DatabaseCache
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def db_cache() -> DatabaseCache:
    call_command("createcachetable", "test_cache_backends_table", verbosity=0)
    yield DatabaseCache("test_cache_backends_table", {"OPTIONS": {"MAX_ENTRIES": 50}})
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE test_cache_backends_table")


@pytest.fixture
def default_db_cache(db_cache: DatabaseCache, settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """``db_cache``'s table as the default cache (without REDIS_URL), local memory again after."""
    local_memory = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "supportdesk.cache_backends.DatabaseCache", "LOCATION": db_cache._table}
    }
    yield
    settings.CACHES = local_memory


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


def test_a_write_stores_its_new_versions_once_after_its_commit(
    db_cache: DatabaseCache, default_db_cache: None, tenant: Tenant, manager: User
) -> None:
    TagFactory(tenant=tenant, name="billing")
    assert [tag.name for tag in tag_choices(tenant=tenant)] == ["billing"]
    upsert = f"INSERT INTO {connection.ops.quote_name(db_cache._table)}"
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
        during = sum(q["sql"].startswith(upsert) for q in ctx.captured_queries)
    # Nothing another request could read before the commit: the versions are written after it.
    assert during == 0
    # Once per kind of cached data a tag feeds (the pickers; the totals of its filter).
    assert sum(q["sql"].startswith(upsert) for q in ctx.captured_queries) == 2
    assert [tag.name for tag in tag_choices(tenant=tenant)] == ["billing", "vip"]


def test_a_write_whose_new_versions_the_cache_refuses_is_kept_and_said_in_the_log(
    db_cache: DatabaseCache, default_db_cache: None, tenant: Tenant, manager: User, caplog
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {db_cache._table} "
            "ADD CONSTRAINT no_versions CHECK (right(cache_key, 8) <> ':version')"
        )
    with caplog.at_level(logging.ERROR, logger="supportdesk.caching"):
        tag = catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
    assert Tag.objects.filter(pk=tag.pk, tenant=tenant).exists()
    # Refused after its commit, for the pickers and for the totals of the tag's filter: the log
    # names the keys and how long old values may be served.
    pickers, totals = [r.getMessage() for r in caplog.records if r.name == "supportdesk.caching"]
    assert "up to TENANT_CACHE_SECONDS (300s)" in pickers
    assert f"sd:reference:{tenant.pk}:version" in pickers
    assert f"sd:tickets:{tenant.pk}:version" in totals
