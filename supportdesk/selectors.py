"""Read helpers every app's selectors share: one tenant's live rows, filtered, in a total order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, QuerySet

from supportdesk.errors import NotFound
from supportdesk.filters import TenantFilterSet, filtered

M = TypeVar("M", bound=models.Model)


def tenant_rows(model: type[M], tenant: Any, *, deleted: bool = False) -> QuerySet[M]:
    """The tenant's rows of ``model`` (live ones unless ``deleted``), in the model's order plus id."""
    manager = model.all_objects if deleted else model._default_manager  # type: ignore[attr-defined]
    qs: QuerySet[M] = manager.filter(tenant_id=getattr(tenant, "pk", tenant))
    ordering = [*(model._meta.ordering or []), "id"]
    keys = [
        F(o.lstrip("-")).desc(nulls_last=True) if o.startswith("-") else F(o).asc(nulls_last=True)
        for o in ordering
    ]
    return qs.order_by(*keys)


def filtered_rows(
    qs: QuerySet[M],
    filterset_class: type[TenantFilterSet],
    *,
    tenant: Any,
    user: Any = None,
    filters: Mapping[str, Any] | None = None,
) -> QuerySet[M]:
    """``qs`` through the FilterSet (``ValidationFailed`` naming a bad parameter)."""
    return filtered(filterset_class, qs, filters, tenant=tenant, user=user)


def get_row(qs: QuerySet[M], pk: Any, label: str = "Object") -> M:
    """One row of an already tenant-scoped queryset, or ``NotFound`` (bad ids too)."""
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound(f"{label} not found.") from exc
