"""Ticket, comment and attachment shapes for the API (validation only; services write)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Department, Group, User
from catalog.api.serializers import CategorySerializer, SubcategorySerializer, TagSerializer
from catalog.models import Category, Subcategory, Tag
from companies.api.serializers import CompanySerializer, ContactSerializer
from companies.models import Company, Contact
from supportdesk.api.serializers import StrictModelSerializer, TenantRelatedField
from tickets.models import Attachment, Ticket, TicketComment


class BriefSerializer(serializers.Serializer):
    """An expanded row that has no richer shape of its own here: id and name."""

    id = serializers.UUIDField()
    name = serializers.CharField()


# ?expand= names -> the shape of the nested object (rows the ticket selector loads anyway).
EXPANDABLE: dict[str, type[serializers.BaseSerializer]] = {
    "requester": ContactSerializer,
    "company": CompanySerializer,
    "assignee": BriefSerializer,
    "group": BriefSerializer,
    "category": CategorySerializer,
    "subcategory": SubcategorySerializer,
    "department": BriefSerializer,
    "tags": TagSerializer,
}


@extend_schema_field({"type": "array", "items": {"type": "string"}, "description": "Tag ids or names."})
class TagsField(serializers.Field):
    """Tags as ids on output; ids or names of existing tags on input."""

    default_error_messages = {
        "invalid": "Give a list of tag ids or names.",
        "not_found": "Unknown tags: {tags}.",
    }

    def to_representation(self, value: Any) -> list[str]:
        return [str(tag.pk) for tag in value.all()]

    def represent(self, instance: Ticket) -> list[str]:
        """The ticket's tag ids: the ``tag_ids`` column the API list selects, else its tags."""
        ids = getattr(instance, "tag_ids", None)
        if ids is not None:
            return [str(pk) for pk in ids]
        return self.to_representation(instance.tags)

    def to_internal_value(self, data: Any) -> list[Tag]:
        if not isinstance(data, list) or len(data) > 100:
            self.fail("invalid")
        if any(
            not isinstance(item, str) or not item.strip() or len(item) > 100 or "\x00" in item
            for item in data
        ):
            self.fail("invalid")
        keys = [self._key(item) for item in data]
        rows = (
            Tag.objects.for_tenant(self.context["tenant_id"])
            .annotate(lname=Lower("name"))
            .filter(
                Q(pk__in=[k for k in keys if isinstance(k, uuid.UUID)])
                | Q(lname__in=[k for k in keys if isinstance(k, str)])
            )
        )
        by_key: dict[Any, Tag] = {}
        for tag in rows:
            by_key[tag.pk] = by_key[tag.name.lower()] = tag
        missing = [item for item, key in zip(data, keys, strict=True) if key not in by_key]
        if missing:
            self.fail("not_found", tags=", ".join(m[:100] for m in missing))
        return list({by_key[k].pk: by_key[k] for k in keys}.values())

    @staticmethod
    def _key(item: str) -> uuid.UUID | str:
        try:
            return uuid.UUID(item)
        except ValueError:
            return item.strip().lower()


class TicketSerializer(StrictModelSerializer):
    """A ticket; related rows are ids of the same tenant (``?expand=`` nests them instead)."""

    requester = TenantRelatedField(Contact)
    company = TenantRelatedField(Company, required=False, allow_null=True)
    assignee = TenantRelatedField(User, required=False, allow_null=True)
    group = TenantRelatedField(Group, required=False, allow_null=True)
    category = TenantRelatedField(Category, required=False, allow_null=True)
    subcategory = TenantRelatedField(Subcategory, required=False, allow_null=True)
    department = TenantRelatedField(Department, required=False, allow_null=True)
    tags = TagsField(required=False)

    class Meta:
        model = Ticket
        fields = (
            "id",
            "number",
            "subject",
            "description",
            "status",
            "priority",
            "requester",
            "company",
            "assignee",
            "group",
            "category",
            "subcategory",
            "department",
            "channel",
            "due_at",
            "tags",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "id",
            "number",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        )

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        data = super().to_representation(instance)
        for name in self.context.get("expand", ()):
            if name == "tags":
                data["tags"] = TagSerializer(instance.tags.all(), many=True).data
            else:
                related = getattr(instance, name)
                data[name] = EXPANDABLE[name](related).data if related is not None else None
        return data


class TicketBulkSerializer(serializers.Serializer):
    """``POST /api/tickets/bulk``: the same changes to many tickets, all or nothing."""

    class Changes(serializers.Serializer):
        status = serializers.ChoiceField(choices=Ticket._meta.get_field("status").choices, required=False)
        priority = serializers.ChoiceField(choices=Ticket._meta.get_field("priority").choices, required=False)
        assignee = TenantRelatedField(User, required=False, allow_null=True)
        group = TenantRelatedField(Group, required=False, allow_null=True)

        def to_internal_value(self, data: Any) -> Any:
            if isinstance(data, dict):
                unknown = sorted(str(k)[:64] for k in data if k not in self.fields)
                if unknown:
                    raise serializers.ValidationError({k: ["Unknown field."] for k in unknown})
            return super().to_internal_value(data)

    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=500)
    changes = Changes(required=False, default=dict)
    add_tags = TagsField(required=False, default=list)
    remove_tags = TagsField(required=False, default=list)


class CommentSerializer(StrictModelSerializer):
    """A reply or internal note in a ticket's thread."""

    attachments = serializers.SerializerMethodField()

    class Meta:
        model = TicketComment
        fields = (
            "id",
            "ticket",
            "author_user",
            "author_contact",
            "body",
            "is_internal",
            "attachments",
            "created_at",
        )
        read_only_fields = ("id", "ticket", "author_user", "author_contact", "attachments", "created_at")
        extra_kwargs = {"body": {"max_length": 100_000}}

    @extend_schema_field({"type": "array", "items": {"type": "string", "format": "uuid"}})
    def get_attachments(self, comment: TicketComment) -> list[str]:
        return [str(a.pk) for a in comment.attachments.all()]


class AttachmentSerializer(StrictModelSerializer):
    """A file of a ticket: metadata, and where to download it."""

    file = serializers.FileField(write_only=True, help_text="The file (multipart/form-data).")
    comment = TenantRelatedField(TicketComment, required=False, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "ticket",
            "comment",
            "file",
            "original_filename",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "created_at",
            "download_url",
        )
        read_only_fields = (
            "id",
            "ticket",
            "original_filename",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "created_at",
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: Attachment) -> str:
        path = reverse("api:ticket-attachment-download", args=[attachment.ticket_id, attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
