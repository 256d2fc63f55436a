"""Serializer pieces shared by every resource: tenant-scoped related fields, strict input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


def request_tenant_id(serializer_field: serializers.Field) -> Any:
    request = serializer_field.context.get("request")
    user = getattr(request, "user", None)
    return getattr(user, "tenant_id", None)


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id, looked up only among the request tenant's live rows.

    An id of another tenant is "does not exist" — a 400 on the field, like a made-up id.
    """

    default_error_messages = {
        "does_not_exist": 'Object "{pk_value}" does not exist.',
        "incorrect_type": "Expected an id (UUID), got {data_type}.",
    }

    def __init__(self, model: Any = None, **kwargs: Any) -> None:
        self.model = model
        if not kwargs.get("read_only"):
            kwargs["queryset"] = model.objects
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return self.model.objects.filter(tenant_id=request_tenant_id(self))

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return self.get_queryset().get(pk=str(data))
        except (ObjectDoesNotExist, DjangoValidationError, ValueError, TypeError):
            self.fail("does_not_exist", pk_value=str(data)[:64])


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that refuses unknown fields (typos should not pass silently) and non-text as text."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {str(key)[:64]: ["Unknown field."] for key in data if key not in self.fields}
            # DRF would turn 12 into "12"; a number where text belongs is a client bug worth reporting.
            errors.update(
                {
                    key: ["Expected a string."]
                    for key, field in self.fields.items()
                    if isinstance(field, serializers.CharField)
                    and key in data
                    and data[key] is not None
                    and not isinstance(data[key], str)
                }
            )
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = serializers.CharField(help_text="One sentence for people.")
    details = serializers.DictField(
        child=serializers.JSONField(), help_text="Field (or ticket id) -> list of messages."
    )
