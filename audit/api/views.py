"""The audit trail, read-only (managers and admins)."""

from __future__ import annotations

from audit.api.serializers import AuditLogSerializer
from audit.filters import AuditLogFilterSet
from audit.models import AuditLog
from audit.selectors import audit_log_list
from supportdesk.api.views import TenantScopedViewSet


class AuditLogViewSet(TenantScopedViewSet):
    """Who changed what, when, from where. Other methods than GET answer 405."""

    resource = "audit_log"
    selector = audit_log_list
    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilterSet
    queryset = AuditLog.objects.none()  # for the schema only; requests use the selector
