"""Abstract base models shared by every app: tenant scoping, common fields, soft delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from supportdesk.ids import new_id

if TYPE_CHECKING:
    from accounts.models import Tenant

_M = TypeVar("_M", bound=models.Model)


class TenantQuerySet(models.QuerySet[_M]):
    """Querysets of tenant-owned rows; every read that serves a request starts at ``for_tenant``."""

    def for_tenant(self, tenant: Tenant | Any) -> TenantQuerySet[_M]:
        tenant_id = getattr(tenant, "pk", tenant)
        return self.filter(tenant_id=tenant_id)


class LiveManager(models.Manager[_M]):
    """The default manager: rows that are not soft-deleted."""

    def get_queryset(self) -> TenantQuerySet[_M]:
        return TenantQuerySet(self.model, using=self._db).filter(is_deleted=False)

    def for_tenant(self, tenant: Tenant | Any) -> TenantQuerySet[_M]:
        # One filter() for both conditions (the same SQL): every request's reads start here.
        tenant_id = getattr(tenant, "pk", tenant)
        return TenantQuerySet(self.model, using=self._db).filter(is_deleted=False, tenant_id=tenant_id)


class AllRowsManager(models.Manager[_M]):
    """Every row, deleted or not (the base manager: relations and restores see deleted rows too)."""

    def get_queryset(self) -> TenantQuerySet[_M]:
        return TenantQuerySet(self.model, using=self._db)

    def for_tenant(self, tenant: Tenant | Any) -> TenantQuerySet[_M]:
        return self.get_queryset().for_tenant(tenant)


class TenantOwned(models.Model):
    """A row that belongs to one tenant, with a UUIDv7 key.

    ``UNIQUE (id, tenant_id)`` lets other tables point at ``(id, tenant_id)`` with a composite
    foreign key, which is how the database keeps every reference inside one tenant (see
    ``docs/decisions/0002-tenant-integrity-in-the-database.md``).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.PROTECT, related_name="+")
    legacy_id = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        editable=False,
        help_text="Id of this row in the old app's data.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["id", "tenant"], name="%(app_label)s_%(class)s_id_tenant_key"),
            models.UniqueConstraint(
                fields=["tenant", "legacy_id"], name="%(app_label)s_%(class)s_legacy_key"
            ),
        ]


class TenantModel(TenantOwned):
    """A tenant-owned entity with the old schema's common fields and soft delete."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_deleted = models.BooleanField(default=False)

    objects = LiveManager()
    all_objects = AllRowsManager()

    class Meta(TenantOwned.Meta):
        abstract = True
        base_manager_name = "all_objects"
        default_manager_name = "objects"


class ImportedRecord(models.Model):
    """Bookkeeping of ``migrate_mock_data``: one row per record it loaded.

    ``source_hash`` is the hash of the source record at its last import (an unchanged record is
    skipped); ``row_hash`` is the checksum of the database row right after that import (computed
    from the transformed source record the row was written from, which ``verify_migration`` proves
    equal), so a later run can tell whether the desk has edited the row since (a conflict: the
    desk's version stays).
    """

    entity = models.CharField(max_length=64)
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+")
    legacy_id = models.CharField(max_length=64)
    source_hash = models.CharField(max_length=32)
    row_hash = models.CharField(max_length=32)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "tenant", "legacy_id"], name="supportdesk_importedrecord_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.legacy_id}"
