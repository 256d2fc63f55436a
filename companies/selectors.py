"""Shared reads of parent companies, companies and contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from accounts.models import Tenant, User
from companies.filters import CompanyFilterSet, ContactFilterSet, ParentCompanyFilterSet
from companies.models import Company, Contact, ParentCompany
from supportdesk.selectors import filtered_rows, tenant_rows


def parent_company_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[ParentCompany]:
    """The tenant's live parent companies."""
    qs = tenant_rows(ParentCompany, tenant)
    return filtered_rows(qs, ParentCompanyFilterSet, tenant=tenant, user=user, filters=filters)


def company_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Company]:
    """The tenant's live companies."""
    return filtered_rows(
        tenant_rows(Company, tenant), CompanyFilterSet, tenant=tenant, user=user, filters=filters
    )


def contact_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Contact]:
    """The tenant's live contacts."""
    return filtered_rows(
        tenant_rows(Contact, tenant), ContactFilterSet, tenant=tenant, user=user, filters=filters
    )
