"""Cached values and the transactions that write what they hold (supportdesk.caching).

These tests commit and roll back: what a transaction leaves in the cache when it ends is what
they check, which a test inside one transaction never sees. The last tests run on the caches
production uses (Redis, the database cache) instead of local memory.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import Tenant, User
from catalog import services as catalog_services
from catalog.selectors import tag_choices, tag_ids
from tests.core.test_arrivals import in_thread
from tests.core.test_caching import KEPT_THROUGH, Desk, names
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db(transaction=True)


class RolledBack(Exception):
    """Raised to roll a transaction back after its reads."""


@pytest.mark.parametrize("kind", [*KEPT_THROUGH, "delete"])
def test_a_write_rolled_back_leaves_no_total_that_holds_it(
    kind: str, tenant: Tenant, agent: User, manager: User, client_for
) -> None:
    desk = Desk(tenant, agent, manager, client_for(agent))
    lists = desk.lists()
    before = {name: desk.total(filters)[0] for name, filters in lists.items()}
    with pytest.raises(RolledBack), transaction.atomic():
        desk.write(kind, desk.tickets[1])
        # Read inside the transaction: its own write is in every total it reads.
        for name, filters in lists.items():
            assert desk.total(filters)[0] == desk.expected(filters), name
        raise RolledBack
    for name, filters in lists.items():
        assert desk.total(filters)[0] == before[name] == desk.expected(filters), name


def test_a_tag_created_in_a_transaction_that_rolls_back_is_in_no_cached_picker(
    tenant: Tenant, manager: User
) -> None:
    TagFactory(tenant=tenant, name="billing")
    assert names(tag_choices(tenant=tenant)) == ["billing"]
    with pytest.raises(RolledBack), transaction.atomic():
        new = catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
        assert names(tag_choices(tenant=tenant)) == ["billing", "vip"]
        assert tag_ids(tenant=tenant, name_or_id="vip") == [new.pk]
        raise RolledBack
    assert names(tag_choices(tenant=tenant)) == ["billing"]
    assert tag_ids(tenant=tenant, name_or_id="vip") == []


def test_a_transaction_reads_its_own_write_though_another_connection_cached_the_value_since(
    tenant: Tenant, manager: User, django_assert_num_queries
) -> None:
    TagFactory(tenant=tenant, name="billing")
    with transaction.atomic():
        catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
        # Another request, which cannot see the uncommitted tag, reads the pickers meanwhile.
        seen: list[list[str]] = []
        in_thread(lambda: seen.append(names(tag_choices(tenant=tenant))))
        assert seen == [["billing"]]
        assert names(tag_choices(tenant=tenant)) == ["billing", "vip"]
    # Committed: every connection reads the new tag, from the cache once it is stored again.
    in_thread(lambda: seen.append(names(tag_choices(tenant=tenant))))
    assert seen[-1] == ["billing", "vip"]
    with django_assert_num_queries(0):
        assert names(tag_choices(tenant=tenant)) == ["billing", "vip"]


def test_a_savepoint_rolled_back_leaves_its_transaction_reading_the_cache(
    tenant: Tenant, manager: User, django_assert_num_queries
) -> None:
    TagFactory(tenant=tenant, name="billing")
    with transaction.atomic():
        with pytest.raises(RolledBack), transaction.atomic():
            catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
            raise RolledBack
        assert names(tag_choices(tenant=tenant)) == ["billing"]
        with django_assert_num_queries(0):
            assert names(tag_choices(tenant=tenant)) == ["billing"]


def test_a_transaction_that_wrote_nothing_reads_from_the_cache(
    tenant: Tenant, django_assert_num_queries
) -> None:
    TagFactory(tenant=tenant, name="billing")
    with transaction.atomic():
        assert names(tag_choices(tenant=tenant)) == ["billing"]
        with django_assert_num_queries(0):
            assert names(tag_choices(tenant=tenant)) == ["billing"]


@pytest.fixture(params=["redis", "database"])
def shared_cache(request, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The cache every worker shares in production: Redis with REDIS_URL, the database cache without."""
    local_memory = settings.CACHES
    if request.param == "redis":
        backend = {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": request.getfixturevalue("redis_url"),
            "KEY_PREFIX": uuid.uuid4().hex,
        }
    else:
        call_command("createcachetable", "test_shared_cache", verbosity=0)
        backend = {"BACKEND": "supportdesk.cache_backends.DatabaseCache", "LOCATION": "test_shared_cache"}
    settings.CACHES = {"default": backend}
    yield request.param
    cache.clear()
    settings.CACHES = local_memory
    if request.param == "database":
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE test_shared_cache")


def test_totals_in_the_shared_cache_match_a_fresh_count_after_committed_and_rolled_back_writes(
    shared_cache: str, tenant: Tenant, agent: User, manager: User, client_for, caplog
) -> None:
    desk = Desk(tenant, agent, manager, client_for(agent))
    desk.check_random_writes(random.Random(11), [*KEPT_THROUGH, "delete"], caplog, steps=15)
    lists = desk.lists()
    for kind in ("new", "priority", "reply"):
        with pytest.raises(RolledBack), transaction.atomic():
            desk.write(kind, desk.tickets[1])
            # Read inside the transaction, as the rest of a request would: nothing of it stays.
            for name, filters in lists.items():
                assert desk.total(filters)[0] == desk.expected(filters), (kind, name)
            raise RolledBack
        for name, filters in lists.items():
            assert desk.total(filters)[0] == desk.expected(filters), (kind, name)


def test_pickers_in_the_shared_cache_follow_committed_writes_and_ignore_rolled_back_ones(
    shared_cache: str, tenant: Tenant, manager: User
) -> None:
    TagFactory(tenant=tenant, name="billing")
    assert names(tag_choices(tenant=tenant)) == ["billing"]
    catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
    assert names(tag_choices(tenant=tenant)) == ["billing", "vip"]
    with pytest.raises(RolledBack), transaction.atomic():
        catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "spam"})
        assert names(tag_choices(tenant=tenant)) == ["billing", "spam", "vip"]
        raise RolledBack
    # Another worker's connection reads what this one cached.
    seen: list[list[str]] = []
    in_thread(lambda: seen.append(names(tag_choices(tenant=tenant))))
    assert seen == [["billing", "vip"]]
    assert tag_ids(tenant=tenant, name_or_id="spam") == []
