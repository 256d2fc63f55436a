"""Shared reads of categories, subcategories and tags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from accounts.models import Tenant, User
from catalog.filters import CategoryFilterSet, SubcategoryFilterSet, TagFilterSet
from catalog.models import Category, Subcategory, Tag
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
