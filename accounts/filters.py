"""FilterSets for users, departments, groups and API tokens."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from accounts.choices import Role, UserStatus
from accounts.models import Department, Group, User
from supportdesk.filters import ChoiceListFilter, NullsLastOrderingFilter, TenantFilterSet, UUIDListFilter

NAME_ORDERING = (("name", "name"), ("created_at", "created_at"), ("updated_at", "updated_at"))


def search_name(qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
    return qs.filter(name__icontains=value)


class UserFilterSet(TenantFilterSet):
    """Users by role, status, department, group, or a name/email search."""

    role = ChoiceListFilter(field_name="role", choices=Role.choices)
    status = ChoiceListFilter(field_name="status", choices=UserStatus.choices)
    department = UUIDListFilter(field_name="department_id")
    group = UUIDListFilter(field_name="group_memberships__group_id", distinct=True)
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact", max_length=254)
    q = django_filters.CharFilter(method="search", max_length=200)
    ordering = NullsLastOrderingFilter(fields=(*NAME_ORDERING, ("email", "email"), ("role", "role")))

    class Meta:
        model = User
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(Q(name__icontains=value) | Q(email__icontains=value))


class DepartmentFilterSet(TenantFilterSet):
    """Departments by name."""

    q = django_filters.CharFilter(method=search_name, max_length=200)
    ordering = NullsLastOrderingFilter(fields=NAME_ORDERING)

    class Meta:
        model = Department
        fields: list[str] = []


class GroupFilterSet(TenantFilterSet):
    """Groups by name or member."""

    q = django_filters.CharFilter(method=search_name, max_length=200)
    member = UUIDListFilter(field_name="memberships__user_id", distinct=True)
    ordering = NullsLastOrderingFilter(fields=NAME_ORDERING)

    class Meta:
        model = Group
        fields: list[str] = []
