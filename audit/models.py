"""The audit trail: who changed what, when, from where. Append-only, enforced by the database."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from supportdesk.ids import new_id


class AuditLog(models.Model):
    """One recorded action. The database refuses UPDATE and DELETE on this table (a trigger)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.PROTECT, related_name="+")
    legacy_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted, as text: survives the user and names non-user actors ("migrate_mock_data").
    actor_label = models.CharField(max_length=254, blank=True, default="")
    action = models.CharField(max_length=100)
    entity_type = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=64, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True, help_text='{"field": {"before": x, "after": y}}')
    request_id = models.CharField(max_length=64, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "entity_type", "entity_id"], name="audit_entity_idx"),
            models.Index(fields=["tenant", "-created_at"], name="audit_tenant_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id", "tenant"], name="audit_auditlog_id_tenant_key"),
            models.UniqueConstraint(fields=["tenant", "legacy_id"], name="audit_auditlog_legacy_key"),
            models.CheckConstraint(condition=~models.Q(action=""), name="audit_auditlog_action_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type}:{self.entity_id}"
