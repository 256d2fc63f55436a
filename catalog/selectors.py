"""Shared reads of categories, subcategories and tags."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from accounts.models import Tenant, User
from catalog.filters import CategoryFilterSet, SubcategoryFilterSet, TagFilterSet
from catalog.models import Category, Subcategory, Tag
from supportdesk.caching import REFERENCE, cached
from supportdesk.selectors import filtered_rows, tenant_rows


def category_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Category]:
    """The tenant's live categories."""
    return filtered_rows(
        tenant_rows(Category, tenant), CategoryFilterSet, tenant=tenant, user=user, filters=filters
    )


def subcategory_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Subcategory]:
    """The tenant's live subcategories."""
    qs = tenant_rows(Subcategory, tenant)
    return filtered_rows(qs, SubcategoryFilterSet, tenant=tenant, user=user, filters=filters)


def tag_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Tag]:
    """The tenant's live tags."""
    return filtered_rows(tenant_rows(Tag, tenant), TagFilterSet, tenant=tenant, user=user, filters=filters)


def tag_ids(*, tenant: Tenant | Any, name_or_id: str) -> list[uuid.UUID]:
    """Ids of the tenant's live tags with this id or name (any case); empty when there is none.

    Read from a cached index of plain strings (``tag_index``), not from the cached tag rows:
    unpickling 200 tags cost ~2.5 ms per call, and a full-text list with a tag filter calls it
    three times (its page and its two counts).
    """
    wanted = name_or_id.strip().lower()
    return [uuid.UUID(pk) for pk in tag_index(tenant=tenant).get(wanted, ())]


def tag_index(*, tenant: Tenant | Any) -> dict[str, list[str]]:
    """The tenant's live tags by id and by lower-case name: each key -> the ids of its tags (cached)."""

    def build() -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for pk, name in tenant_rows(Tag, tenant).order_by().values_list("pk", "name"):
            for key in {str(pk), name.lower()}:
                index.setdefault(key, []).append(str(pk))
        return index

    return cached(tenant, REFERENCE, "tag_index", build)


def category_choices(*, tenant: Tenant | Any) -> list[Category]:
    """The tenant's live categories, for pickers and filters (cached; see supportdesk.caching)."""
    return cached(tenant, REFERENCE, "category_choices", lambda: list(tenant_rows(Category, tenant)))


def tag_choices(*, tenant: Tenant | Any) -> list[Tag]:
    """The tenant's live tags, for pickers, filters and resolving tag names (cached)."""
    return cached(tenant, REFERENCE, "tag_choices", lambda: list(tenant_rows(Tag, tenant)))
