"""Audit entry shape for the API (read-only)."""

from __future__ import annotations

from rest_framework import serializers

from audit.models import AuditLog


class AuditLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditLog
        fields = (
            "id",
            "actor",
            "actor_label",
            "action",
            "entity_type",
            "entity_id",
            "changes",
            "request_id",
            "ip",
            "created_at",
        )
        read_only_fields = fields
