"""FilterSets for categories, subcategories and tags."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from catalog.models import Category, Subcategory, Tag
from supportdesk.filters import NullsLastOrderingFilter, TenantFilterSet, UUIDListFilter

NAME_ORDERING = (("name", "name"), ("created_at", "created_at"), ("updated_at", "updated_at"))


def search_name(qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
    return qs.filter(name__icontains=value)


class CategoryFilterSet(TenantFilterSet):
    """Categories by name."""

    q = django_filters.CharFilter(method=search_name, max_length=200)
    ordering = NullsLastOrderingFilter(fields=NAME_ORDERING)

    class Meta:
        model = Category
        fields: list[str] = []


class SubcategoryFilterSet(TenantFilterSet):
    """Subcategories by category or name."""

    category = UUIDListFilter(field_name="category_id")
    q = django_filters.CharFilter(method=search_name, max_length=200)
    ordering = NullsLastOrderingFilter(fields=NAME_ORDERING)

    class Meta:
        model = Subcategory
        fields: list[str] = []


class TagFilterSet(TenantFilterSet):
    """Tags by exact name (any case) or a name search."""

    name = django_filters.CharFilter(field_name="name", lookup_expr="iexact", max_length=100)
    q = django_filters.CharFilter(method=search_name, max_length=100)
    ordering = NullsLastOrderingFilter(fields=NAME_ORDERING)

    class Meta:
        model = Tag
        fields: list[str] = []
