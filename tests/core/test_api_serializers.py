"""FastReadMixin: the precomputed read plan gives exactly what DRF's field-by-field path gives."""

from __future__ import annotations

import datetime
import json

from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from supportdesk.api.serializers import StrictModelSerializer
from tests.factories import CategoryFactory, TagFactory, TicketFactory, TicketTagFactory, UserFactory
from tickets.api.serializers import TicketSerializer
from tickets.api.views import TicketViewSet
from tickets.models import Ticket
from tickets.selectors import ticket_list, ticket_tag_ids


def as_json(data: dict) -> dict:
    """What a client receives (related ids are UUIDs in DRF's data and text in the plan's)."""
    return json.loads(JSONRenderer().render(data))


def drf_representation(serializer: serializers.ModelSerializer, ticket: Ticket) -> dict:
    """DRF's own path: every declared field's get_attribute + to_representation."""
    return as_json(serializers.ModelSerializer.to_representation(serializer, ticket))


def test_ticket_read_plan_matches_drf_for_full_and_empty_tickets(tenant, admin) -> None:
    full = TicketFactory(
        tenant=tenant,
        assignee=admin,
        category=CategoryFactory(tenant=tenant),
        due_at=timezone.now() + datetime.timedelta(days=2),
        status="pending",
        priority="urgent",
        first_response_at=timezone.now(),
    )
    for name in ("zulu", "alpha", "mike"):
        TicketTagFactory(ticket=full, tag=TagFactory(tenant=tenant, name=name))
    bare = TicketFactory(tenant=tenant, description="")
    rows = ticket_list(tenant=tenant.pk, user=admin).filter(pk__in=[full.pk, bare.pk])
    annotated = rows.prefetch_related(None).annotate(tag_ids=ticket_tag_ids())
    serializer = TicketSerializer()

    assert TicketSerializer.read_plan() is not None
    for ticket, plain in zip(annotated.order_by("number"), rows.order_by("number"), strict=True):
        fast = serializer.to_representation(ticket)
        assert as_json(fast) == drf_representation(serializer, plain)
        # Null relations and dates stay null; tag ids come ordered by tag name.
        assert list(fast) == list(TicketSerializer.Meta.fields)
    fast_full = serializer.to_representation(annotated.get(pk=full.pk))
    assert fast_full["tags"] == [str(t.pk) for t in sorted(full.tags.all(), key=lambda tag: tag.name)]
    assert fast_full["due_at"].endswith("Z") and fast_full["assignee"] == str(admin.pk)
    assert serializer.to_representation(annotated.get(pk=bare.pk))["company"] is None


def test_date_times_follow_the_current_timezone_like_drf(tenant, admin) -> None:
    ticket = TicketFactory(tenant=tenant)
    row = ticket_list(tenant=tenant.pk, user=admin).get(pk=ticket.pk)
    with timezone.override("Europe/Berlin"):
        fast = TicketSerializer().to_representation(row)
        assert as_json(fast) == drf_representation(TicketSerializer(), row)
    assert fast["created_at"].endswith(("+01:00", "+02:00"))


def test_a_serializer_with_a_context_dependent_field_keeps_drfs_path(tenant) -> None:
    class WithMethod(StrictModelSerializer):
        shout = serializers.SerializerMethodField()

        class Meta:
            model = User
            fields = ("id", "name", "shout")

        def get_shout(self, user: User) -> str:
            return f"{user.name.upper()} {self.context['suffix']}"

    user = UserFactory(tenant=tenant, name="quiet")
    assert WithMethod.read_plan() is None
    data = WithMethod(user, context={"suffix": "!"}).data
    assert data == {"id": str(user.pk), "name": "quiet", "shout": "QUIET !"}


def test_api_list_and_detail_write_the_same_ticket(tenant, admin, client_for) -> None:
    ticket = TicketFactory(tenant=tenant, assignee=admin)
    TicketTagFactory(ticket=ticket, tag=TagFactory(tenant=tenant, name="vip"))
    client = client_for(admin)
    listed = client.get("/api/tickets").json()["data"][0]
    detail = client.get(f"/api/tickets/{ticket.pk}").json()
    expanded = client.get(f"/api/tickets/{ticket.pk}?expand=tags").json()
    assert listed == detail
    assert listed["tags"] == [expanded["tags"][0]["id"]]
    assert TicketViewSet.serializer_class is TicketSerializer
