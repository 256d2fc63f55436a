from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditLog
from supportdesk.admin import TenantScopedAdmin


@admin.register(AuditLog)
class AuditLogAdmin(TenantScopedAdmin):
    """Read-only: the audit log is append-only (the database refuses changes anyway)."""

    list_display = ("created_at", "action", "entity_type", "entity_id", "actor_label", "tenant", "request_id")
    list_filter = ("tenant", "action", "entity_type")
    list_select_related = ("tenant",)
    search_fields = ("entity_id", "actor_label", "request_id", "action")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
