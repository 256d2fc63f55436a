"""Admin base: every tenant-owned model is shown with its tenant and scoped for tenant staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest


class TenantScopedAdmin(admin.ModelAdmin):
    """Superusers see every tenant; other staff see only their own tenant's rows."""

    list_filter: Any = ("tenant",)
    readonly_fields: Any = ("id", "legacy_id", "created_at")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        user = request.user
        if getattr(user, "is_superuser", False):
            return qs
        return qs.filter(tenant_id=getattr(user, "tenant_id", None))
