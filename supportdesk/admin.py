"""Admin base: every tenant-owned model is shown with its tenant and scoped for tenant staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from supportdesk.caching import KINDS, invalidate, invalidate_for


class TenantScopedAdmin(admin.ModelAdmin):
    """Superusers see every tenant; other staff see only their own tenant's rows.

    Writes here go around the services, so each one drops what the tenant's cache holds from the
    model it wrote (pickers, view counts, list totals), as the services do. A delete drops all of
    it: its cascades and SET_NULLs write other models' rows too (a deleted agent's tickets become
    unassigned, a deleted group's leave the group's queue, a deleted parent company's companies
    lose their parent).
    """

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

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        invalidate_for(type(obj), obj.tenant_id)

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: BaseFormSet, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        invalidate_for(formset.model, form.instance.tenant_id)  # type: ignore[attr-defined]

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        invalidate_deleted(obj.tenant_id)  # type: ignore[attr-defined]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        tenants = set(queryset.values_list("tenant_id", flat=True))
        super().delete_queryset(request, queryset)
        for tenant_id in tenants:
            invalidate_deleted(tenant_id)


def invalidate_deleted(tenant_id: Any) -> None:
    """Rows of the tenant were deleted, with whatever their foreign keys cascade to: drop every kind."""
    for kind in KINDS:
        invalidate(tenant_id, kind)
