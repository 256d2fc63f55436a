"""The one way to write the audit trail. Call it inside the service's transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from accounts.models import Tenant, User
from audit.models import AuditLog
from supportdesk import request_context


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` (foreign keys as ids), ready for ``audit_record``."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _jsonable(getattr(instance, attname))
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"field": {"before": x, "after": y}}`` for the fields whose value changed."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_record(
    *,
    tenant: Tenant,
    actor: User | None,
    action: str,
    entity_type: str,
    entity_id: Any = "",
    changes: Mapping[str, Any] | None = None,
    actor_label: str = "",
    request_id: str | None = None,
    ip: str | None = None,
) -> AuditLog:
    """Append one audit entry. Request id and ip default to those bound for the current request."""
    return AuditLog.objects.create(
        tenant=tenant,
        actor=actor,
        actor_label=actor_label or (actor.email if actor is not None else "system"),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id else "",
        changes=_jsonable(dict(changes or {})),
        request_id=request_id if request_id is not None else request_context.request_id.get(),
        ip=ip if ip is not None else request_context.client_ip.get(),
    )
