"""The write steps every entity shares: validate, lock, check the version, save, audit.

App services (``catalog.services.tag_create`` ...) call these with their model, role-matrix
resource and the fields a caller may set; the ticket services reuse the pieces for their own rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.permissions import require
from audit.services import audit_record, diff, snapshot
from supportdesk.errors import NotFound, StaleVersion, ValidationFailed
from supportdesk.models import TenantModel

M = TypeVar("M", bound=TenantModel)

# Words in a unique constraint's name -> the field a duplicate is reported on.
_UNIQUE_FIELDS = ("email", "name")


def etag_for(instance: models.Model) -> str:
    """A strong ETag for a row: changes whenever a service saves it (``updated_at`` moves)."""
    stamp = getattr(instance, "updated_at", None)
    raw = f"{instance.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def if_match_ok(instance: models.Model, if_match: str | None) -> bool:
    """Whether an ``If-Match`` header value names the current version (``*`` matches any)."""
    if if_match is None:
        return True
    current = etag_for(instance)
    for candidate in if_match.split(","):
        tag = candidate.strip()
        tag = tag.removeprefix("W/")
        if tag == "*" or tag == current or f'"{tag}"' == current:
            return True
    return False


def check_text(data: Mapping[str, Any]) -> None:
    """PostgreSQL text cannot hold NUL bytes; refuse them as a field error instead of a 500."""
    errors = {
        key: ["NUL characters are not allowed."]
        for key, value in data.items()
        if isinstance(value, str) and "\x00" in value
    }
    if errors:
        raise ValidationFailed("The request has invalid fields.", errors)


def check_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Only the fields a caller may set are accepted."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            "The request has unknown fields.", {key: ["This field cannot be set."] for key in unknown}
        )


def check_same_tenant(tenant_id: Any, data: Mapping[str, Any]) -> None:
    """A related row of another tenant (or a deleted one) is "not found", never a silent link."""
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        values = value if isinstance(value, list | tuple | set) else [value]
        for item in values:
            foreign = getattr(item, "tenant_id", tenant_id) != tenant_id
            if isinstance(item, models.Model) and (foreign or getattr(item, "is_deleted", False)):
                errors[key] = [f'Object "{item.pk}" not found.']
    if errors:
        raise ValidationFailed("The request refers to objects that do not exist.", errors)


def full_clean(instance: models.Model) -> None:
    """Field validation (lengths, choices, blanks); relations and constraints are checked elsewhere."""
    relations = [f.name for f in instance._meta.concrete_fields if f.is_relation]
    try:
        instance.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed("The request has invalid fields.", exc.message_dict) from exc


def save_or_refuse(instance: models.Model, **kwargs: Any) -> None:
    """Save; a duplicate of a unique value becomes a 400 on that field, not a 500."""
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
        field = next((name for name in _UNIQUE_FIELDS if f"_{name}_" in constraint), "__all__")
        if constraint.endswith("_key"):
            message = f"A {instance._meta.verbose_name} with this {field} already exists."
            raise ValidationFailed(message, {field: [message]}) from exc
        message = f"The change breaks the data rule {constraint or 'of the database'}."
        raise ValidationFailed(message, {"__all__": [message]}) from exc


def lock(model: type[M], instance: M, *, deleted: bool = False) -> M:
    """The row again, locked for the rest of the transaction (NotFound if gone)."""
    manager = model.all_objects if deleted else model.objects
    try:
        locked: M = manager.for_tenant(instance.tenant_id).select_for_update().get(pk=instance.pk)
    except model.DoesNotExist as exc:
        raise NotFound() from exc
    return locked


@transaction.atomic
def entity_create(
    *,
    model: type[M],
    resource: str,
    tenant: Any,
    actor: Any,
    data: Mapping[str, Any],
    fields: Iterable[str],
    defaults: Mapping[str, Any] | None = None,
) -> M:
    """Create one row of ``model`` in ``tenant`` from ``data`` (related rows as instances), audited.

    ``defaults`` are values the service sets itself (never taken from the caller's ``data``).
    """
    require(actor, "create", resource)
    fields = tuple(fields)
    check_fields(data, fields)
    check_text(data)
    check_same_tenant(tenant.pk, data)
    instance = model(tenant=tenant, created_by=actor, updated_by=actor, **{**(defaults or {}), **data})
    full_clean(instance)
    save_or_refuse(instance, force_insert=True)
    audit_record(
        tenant=tenant,
        actor=actor,
        action=f"{resource}.created",
        entity_type=resource,
        entity_id=instance.pk,
        changes=diff({}, snapshot(instance, [f for f in fields if f in data])),
    )
    return instance


@transaction.atomic
def entity_update(
    *,
    model: type[M],
    resource: str,
    instance: M,
    actor: Any,
    data: Mapping[str, Any],
    fields: Iterable[str],
    if_match: str | None = None,
    authorized: bool = False,
) -> M:
    """Change some fields of one row under a row lock; a stale ``if_match`` changes nothing.

    ``authorized=True`` skips the role check when the caller has decided already (a user editing
    their own profile).
    """
    if not authorized:
        require(actor, "update", resource)
    check_fields(data, fields)
    check_text(data)
    check_same_tenant(instance.tenant_id, data)
    locked = lock(model, instance)
    if not if_match_ok(locked, if_match):
        raise StaleVersion(current=locked)
    names = list(data)
    before = snapshot(locked, names)
    for key, value in data.items():
        setattr(locked, key, value)
    locked.updated_at = timezone.now()
    locked.updated_by = actor
    full_clean(locked)
    save_or_refuse(locked, update_fields=[*names, "updated_at", "updated_by"])
    changes = diff(before, snapshot(locked, names))
    if changes:
        audit_record(
            tenant=locked.tenant,
            actor=actor,
            action=f"{resource}.updated",
            entity_type=resource,
            entity_id=locked.pk,
            changes=changes,
        )
    return locked


@transaction.atomic
def entity_delete(
    *, model: type[M], resource: str, instance: M, actor: Any, if_match: str | None = None
) -> M:
    """Soft-delete one row: it disappears from reads; the audit log keeps the deletion."""
    require(actor, "delete", resource)
    locked = lock(model, instance)
    if not if_match_ok(locked, if_match):
        raise StaleVersion(current=locked)
    locked.is_deleted = True
    locked.updated_at = timezone.now()
    locked.updated_by = actor
    locked.save(update_fields=["is_deleted", "updated_at", "updated_by"])
    audit_record(
        tenant=locked.tenant,
        actor=actor,
        action=f"{resource}.deleted",
        entity_type=resource,
        entity_id=locked.pk,
        changes={"is_deleted": {"before": False, "after": True}},
    )
    return locked


@transaction.atomic
def entity_restore(*, model: type[M], resource: str, instance: M, actor: Any) -> M:
    """Bring a soft-deleted row back (a live row with the same unique name makes it a 400)."""
    require(actor, "restore", resource)
    locked = lock(model, instance, deleted=True)
    if not locked.is_deleted:
        return locked
    locked.is_deleted = False
    locked.updated_at = timezone.now()
    locked.updated_by = actor
    save_or_refuse(locked, update_fields=["is_deleted", "updated_at", "updated_by"])
    audit_record(
        tenant=locked.tenant,
        actor=actor,
        action=f"{resource}.restored",
        entity_type=resource,
        entity_id=locked.pk,
        changes={"is_deleted": {"before": True, "after": False}},
    )
    return locked
