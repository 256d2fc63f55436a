"""FilterSets for parent companies, companies and contacts."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from companies.models import Company, Contact, ParentCompany
from supportdesk.filters import NullsLastOrderingFilter, TenantFilterSet, UUIDListFilter

NAME_ORDERING = (("name", "name"), ("created_at", "created_at"), ("updated_at", "updated_at"))


def search_name(qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
    return qs.filter(name__icontains=value)


class ParentCompanyFilterSet(TenantFilterSet):
    """Parent companies by name or domain."""

    q = django_filters.CharFilter(method=search_name, max_length=200)
    domain = django_filters.CharFilter(field_name="domain", lookup_expr="iexact", max_length=253)
    ordering = NullsLastOrderingFilter(fields=NAME_ORDERING)

    class Meta:
        model = ParentCompany
        fields: list[str] = []


class CompanyFilterSet(TenantFilterSet):
    """Companies by parent, name or domain."""

    parent = UUIDListFilter(field_name="parent_id")
    q = django_filters.CharFilter(method=search_name, max_length=200)
    domain = django_filters.CharFilter(field_name="domain", lookup_expr="iexact", max_length=253)
    ordering = NullsLastOrderingFilter(fields=NAME_ORDERING)

    class Meta:
        model = Company
        fields: list[str] = []


class ContactFilterSet(TenantFilterSet):
    """Contacts by company, email, or a name/email search."""

    company = UUIDListFilter(field_name="company_id")
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact", max_length=254)
    q = django_filters.CharFilter(method="search", max_length=200)
    ordering = NullsLastOrderingFilter(fields=(*NAME_ORDERING, ("email", "email")))

    class Meta:
        model = Contact
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(Q(name__icontains=value) | Q(email__icontains=value))
