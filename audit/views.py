"""The audit log page (admins and managers): who changed what, filterable by actor, entity, date."""

from __future__ import annotations

import datetime
from typing import Any

from django.views.generic import TemplateView

from accounts.permissions import MATRIX
from accounts.selectors import user_list
from audit.selectors import audit_log_list
from supportdesk.errors import ServiceError
from supportdesk.views import TenantScopedMixin, page_number, query_string, service_error_lines

PAGE_SIZE = 50
ENTITY_TYPES = sorted({"tenant", *MATRIX})


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


class AuditLogView(TenantScopedMixin, TemplateView):
    template_name = "audit/list.html"
    nav = "audit"
    permission = ("view", "audit_log")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        filters: dict[str, str] = {
            k: params[k] for k in ("actor", "entity_type", "entity_id") if params.get(k)
        }
        since, until = _day(params.get("from", "")), _day(params.get("to", ""))
        if since:
            filters["created_after"] = since.isoformat()
        if until:  # "to" includes that whole day
            filters["created_before"] = (until + datetime.timedelta(days=1)).isoformat()
        page = page_number(params)
        errors: list[str] = []
        try:
            qs = audit_log_list(tenant=self.tenant_id, user=self.user, filters=filters).select_related(
                "actor"
            )
            rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
        except ServiceError as exc:
            errors, rows = service_error_lines(exc), []
        context.update(
            entries=rows[:PAGE_SIZE],
            errors=errors,
            show_entity=True,
            current=params,
            actors=user_list(tenant=self.tenant_id),
            entity_types=ENTITY_TYPES,
            page=page,
            previous_url=query_string(params, page=str(page - 1)) if page > 1 else None,
            next_url=query_string(params, page=str(page + 1)) if len(rows) > PAGE_SIZE else None,
        )
        return context
