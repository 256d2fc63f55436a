"""Shared reads of users, departments, groups and API tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.filters import DepartmentFilterSet, GroupFilterSet, UserFilterSet
from accounts.models import ApiToken, Department, Group, GroupMembership, Tenant, User
from supportdesk.selectors import filtered_rows, get_row, tenant_rows


def user_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[User]:
    """The tenant's live users, filtered by ``UserFilterSet``."""
    qs = tenant_rows(User, tenant).select_related("department")
    return filtered_rows(qs, UserFilterSet, tenant=tenant, user=user, filters=filters)


def user_get(*, tenant: Tenant | Any, pk: Any) -> User:
    """One live user of the tenant (``NotFound`` otherwise)."""
    return get_row(tenant_rows(User, tenant).select_related("department"), pk, "User")


def department_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Department]:
    """The tenant's live departments."""
    return filtered_rows(
        tenant_rows(Department, tenant), DepartmentFilterSet, tenant=tenant, user=user, filters=filters
    )


def group_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Group]:
    """The tenant's live groups, with their member ids."""
    qs = tenant_rows(Group, tenant).prefetch_related(
        Prefetch("memberships", queryset=GroupMembership.objects.order_by("user_id"))
    )
    return filtered_rows(qs, GroupFilterSet, tenant=tenant, user=user, filters=filters)


def api_token_list(*, tenant: Tenant | Any, user: User) -> QuerySet[ApiToken]:
    """Tokens the user may see: their own; an admin sees every token of the tenant."""
    qs = ApiToken.objects.filter(tenant_id=getattr(tenant, "pk", tenant), revoked_at__isnull=True)
    if not user.is_admin:
        qs = qs.filter(user_id=user.pk)
    return qs.select_related("user").order_by("-created_at", "-id")
