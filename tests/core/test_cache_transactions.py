"""Cached values and the transactions that write what they hold (supportdesk.caching).

These tests commit and roll back: what a transaction leaves in the cache when it ends is what
they check, which a test inside one transaction never sees.
"""

from __future__ import annotations

import pytest
from django.db import transaction

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
