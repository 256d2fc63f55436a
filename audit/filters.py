"""AuditLogFilterSet: the audit trail by entity, actor, action and time."""

from __future__ import annotations

import django_filters

from audit.models import AuditLog
from supportdesk.filters import (
    DateTimeFilter,
    ListFilter,
    NullsLastOrderingFilter,
    TenantFilterSet,
    UUIDListFilter,
)


class AuditLogFilterSet(TenantFilterSet):
    """Audit entries by entity, actor, action and time."""

    entity_type = ListFilter(field_name="entity_type")
    entity_id = django_filters.CharFilter(field_name="entity_id", max_length=64)
    actor = UUIDListFilter(field_name="actor_id")
    action = ListFilter(field_name="action")
    request_id = django_filters.CharFilter(field_name="request_id", max_length=64)
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = NullsLastOrderingFilter(fields=(("created_at", "created_at"), ("action", "action")))

    class Meta:
        model = AuditLog
        fields: list[str] = []
