"""Shared reads of the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import F, QuerySet

from accounts.models import Tenant, User
from accounts.permissions import require
from audit.filters import AuditLogFilterSet
from audit.models import AuditLog
from supportdesk.selectors import filtered_rows


def audit_log_list(
    *, tenant: Tenant | Any, user: User | Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[AuditLog]:
    """The tenant's audit entries, newest first; ``PermissionDenied`` for roles that may not read them."""
    if user is not None:
        require(user, "view", "audit_log")
    qs = AuditLog.objects.filter(tenant_id=getattr(tenant, "pk", tenant)).order_by(
        F("created_at").desc(), F("id").desc()
    )
    return filtered_rows(qs, AuditLogFilterSet, tenant=tenant, user=user, filters=filters)
