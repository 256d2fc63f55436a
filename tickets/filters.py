"""TicketFilterSet: the ticket list's filters, shared by the API and the UI."""

from __future__ import annotations

import re
import uuid
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from supportdesk.filters import (
    ChoiceListFilter,
    DateTimeFilter,
    IntListFilter,
    ListField,
    NullsLastOrderingFilter,
    TenantFilterSet,
    UUIDListFilter,
    parse_uuid,
)
from tickets.choices import Channel, Priority, Status
from tickets.models import Ticket, TicketComment, TicketTag

# The same expressions as the GIN indexes in tickets.models, so PostgreSQL can use them.
SEARCH_CONFIG = "english"
TICKET_SEARCH_VECTOR = SearchVector("subject", "description", config=SEARCH_CONFIG)
COMMENT_SEARCH_VECTOR = SearchVector("body", config=SEARCH_CONFIG)
NUMBER_QUERY = re.compile(r"^#?(\d{1,9})$")

ORDERING_FIELDS = (
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("priority_rank", "priority"),
    ("status", "status"),
    ("number", "number"),
    ("due_at", "due_at"),
)


class AssigneeField(ListField):
    """``me``, ``none`` or a user id (comma list allowed)."""

    def clean_item(self, item: str) -> str | uuid.UUID:
        if item in ("me", "none"):
            return item
        return parse_uuid(item)


@extend_schema_field(OpenApiTypes.STR)
class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeField

    def filter(self, qs: QuerySet[Any], value: list[Any] | None) -> QuerySet[Any]:
        if not value:
            return qs
        condition = Q()
        ids = [item for item in value if isinstance(item, uuid.UUID)]
        if ids:
            condition |= Q(assignee_id__in=ids)
        if "me" in value:
            user = self.parent.user
            condition |= Q(assignee_id=getattr(user, "pk", None))
        if "none" in value:
            condition |= Q(assignee__isnull=True)
        return qs.filter(condition)


class TagField(forms.Field):
    """Repeatable ``tag=``: names or ids; a ticket must carry every one of them."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[str] | None:
        values = [value] if isinstance(value, str) else list(value or [])
        items = [str(v).strip() for v in values if str(v).strip()]
        for item in items:
            if "\x00" in item or len(item) > 100:
                raise forms.ValidationError("Not a valid tag name or id.")
        return items or None


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class TagFilter(django_filters.Filter):
    field_class = TagField

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        for item in value or []:
            try:
                match = Q(tag_id=uuid.UUID(item))
            except ValueError:
                match = Q(tag__name__iexact=item)
            qs = qs.filter(
                Exists(TicketTag.objects.filter(match, ticket_id=OuterRef("pk"), tag__is_deleted=False))
            )
        return qs


class TicketFilterSet(TenantFilterSet):
    """Every filter of the ticket list. Parameter names are the API's (``assignedTo`` is the old one)."""

    status = ChoiceListFilter(field_name="status", choices=Status.choices)
    priority = ChoiceListFilter(field_name="priority", choices=Priority.choices)
    channel = ChoiceListFilter(field_name="channel", choices=Channel.choices)
    assignedTo = AssigneeFilter(field_name="assignee")  # the old frontend's parameter name
    assignee = AssigneeFilter(field_name="assignee")
    requester = UUIDListFilter(field_name="requester_id")
    company = UUIDListFilter(field_name="company_id")
    parent_company = UUIDListFilter(field_name="company__parent_id")
    group = UUIDListFilter(field_name="group_id")
    category = UUIDListFilter(field_name="category_id")
    subcategory = UUIDListFilter(field_name="subcategory_id")
    department = UUIDListFilter(field_name="department_id")
    number = IntListFilter(field_name="number")
    tag = TagFilter()
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = DateTimeFilter(field_name="updated_at", lookup_expr="lt")
    due_after = DateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", max_length=500)
    ordering = NullsLastOrderingFilter(fields=ORDERING_FIELDS)

    class Meta:
        model = Ticket
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Full-text search over subject, description and comment bodies; ``#1042`` finds a number."""
        value = value.strip()
        if not value:
            return qs
        query = SearchQuery(value, search_type="websearch", config=SEARCH_CONFIG)
        # A UNION of two index scans (ticket text, comment text): an OR across the two tables
        # would make PostgreSQL scan every ticket of the tenant.
        in_tickets = (
            Ticket.objects.for_tenant(self.tenant)
            .annotate(document=TICKET_SEARCH_VECTOR)
            .filter(document=query)
        )
        in_comments = (
            TicketComment.objects.for_tenant(self.tenant)
            .annotate(document=COMMENT_SEARCH_VECTOR)
            .filter(document=query)
            .values("ticket_id")
        )
        condition = Q(pk__in=in_tickets.order_by().values("pk").union(in_comments.order_by()))
        number = NUMBER_QUERY.match(value)
        if number:
            condition |= Q(number=int(number.group(1)))
        qs = qs.annotate(rank=SearchRank(TICKET_SEARCH_VECTOR, query)).filter(condition)
        if not self.data.get("ordering"):
            qs = qs.order_by(F("rank").desc(), F("created_at").desc(), F("id").desc())
        return qs

    @property
    def is_full_text(self) -> bool:
        return bool(str(self.data.get("q") or "").strip())
