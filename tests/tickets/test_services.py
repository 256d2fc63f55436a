"""Ticket services: status timestamps, versions, bulk all-or-nothing, comments, tags, attachments."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from supportdesk.errors import PermissionDenied, StaleVersion, TooLarge, ValidationFailed
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    SubcategoryFactory,
    TagFactory,
    TicketFactory,
    UserFactory,
)
from tests.helpers import assert_audited
from tickets import services
from tickets.models import Ticket
from tickets.selectors import ticket_etag, ticket_get, ticket_thread, ticket_view_counts

pytestmark = pytest.mark.django_db


def test_create_numbers_the_ticket_takes_company_from_requester_and_is_audited(tenant, agent: User) -> None:
    requester = ContactFactory(tenant=tenant, company=CompanyFactory(tenant=tenant))
    tag = TagFactory(tenant=tenant, name="VIP")
    ticket = services.ticket_create(
        tenant=tenant, actor=agent, data={"subject": "Printer", "requester": requester, "tags": ["vip"]}
    )
    assert ticket.number >= 1
    assert ticket.company_id == requester.company_id
    assert list(ticket.tags.all()) == [tag]
    assert_audited("ticket.created", ticket.pk, subject=(None, "Printer"), tags=(None, ["VIP"]))


def test_status_changes_keep_resolved_and_closed_at_right(tenant, agent: User) -> None:
    ticket = TicketFactory(tenant=tenant)
    ticket = services.ticket_update(ticket=ticket, actor=agent, data={"status": "resolved"})
    assert ticket.resolved_at is not None and ticket.closed_at is None
    resolved_at = ticket.resolved_at
    ticket = services.ticket_update(ticket=ticket, actor=agent, data={"status": "closed"})
    assert ticket.resolved_at == resolved_at and ticket.closed_at is not None
    ticket = services.ticket_update(ticket=ticket, actor=agent, data={"status": "open"})
    assert ticket.resolved_at is None and ticket.closed_at is None
    assert_audited("ticket.updated", ticket.pk, status=("closed", "open"))


def test_stale_if_match_changes_nothing(tenant, agent: User) -> None:
    ticket = TicketFactory(tenant=tenant)
    old = ticket_etag(ticket)
    services.ticket_update(ticket=ticket, actor=agent, data={"priority": "high"}, if_match=old)
    with pytest.raises(StaleVersion) as info:
        services.ticket_update(ticket=ticket, actor=agent, data={"priority": "low"}, if_match=old)
    assert info.value.current.priority == "high"
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"


def test_subcategory_must_belong_to_category(tenant, agent: User) -> None:
    ticket = TicketFactory(tenant=tenant)
    sub = SubcategoryFactory(category__tenant=tenant)
    other = SubcategoryFactory(category__tenant=tenant)
    ticket = services.ticket_update(ticket=ticket, actor=agent, data={"subcategory": sub})
    assert ticket.category_id == sub.category_id
    with pytest.raises(ValidationFailed) as info:
        services.ticket_update(ticket=ticket, actor=agent, data={"subcategory": other})
    assert "subcategory" in info.value.details


def test_related_rows_of_another_tenant_are_not_found(tenant, other_tenant, agent: User) -> None:
    ticket = TicketFactory(tenant=tenant)
    with pytest.raises(ValidationFailed) as info:
        services.ticket_update(
            ticket=ticket, actor=agent, data={"assignee": UserFactory(tenant=other_tenant)}
        )
    assert list(info.value.details) == ["assignee"]


def test_agents_cannot_delete_managers_delete_and_restore(tenant, agent: User, manager: User) -> None:
    ticket = TicketFactory(tenant=tenant)
    with pytest.raises(PermissionDenied):
        services.ticket_delete(ticket=ticket, actor=agent)
    services.ticket_delete(ticket=ticket, actor=manager)
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    assert_audited("ticket.deleted", ticket.pk, is_deleted=(False, True))
    services.ticket_restore(ticket=ticket, actor=manager)
    assert ticket_get(tenant=tenant, pk=ticket.pk)


def test_bulk_update_is_all_or_nothing_with_details_by_ticket(tenant, manager: User) -> None:
    good, bad = TicketFactory(tenant=tenant), TicketFactory(tenant=tenant)
    inactive = UserFactory(tenant=tenant, status="inactive")
    with pytest.raises(ValidationFailed) as info:
        services.tickets_bulk_update(
            tenant=tenant,
            actor=manager,
            ids=[good.pk, bad.pk, "00000000-0000-0000-0000-000000000000"],
            changes={"priority": "urgent"},
        )
    assert list(info.value.details) == ["00000000-0000-0000-0000-000000000000"]
    with pytest.raises(ValidationFailed) as info:
        services.tickets_bulk_update(
            tenant=tenant, actor=manager, ids=[good.pk, bad.pk], changes={"assignee": inactive}
        )
    assert set(info.value.details) == {str(good.pk), str(bad.pk)}
    assert Ticket.objects.get(pk=good.pk).assignee_id is None
    tag = TagFactory(tenant=tenant)
    updated = services.tickets_bulk_update(
        tenant=tenant, actor=manager, ids=[good.pk, bad.pk], changes={"status": "pending"}, add_tags=[tag]
    )
    assert {t.status for t in updated} == {"pending"}
    assert all(list(t.tags.all()) == [tag] for t in Ticket.objects.filter(pk__in=[good.pk, bad.pk]))


def test_first_public_agent_reply_sets_first_response_at(tenant, agent: User) -> None:
    ticket = TicketFactory(tenant=tenant)
    services.comment_add(ticket=ticket, actor=agent, body="internal", is_internal=True)
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None
    services.comment_add(ticket=ticket, actor=agent, body="Hello!", is_internal=False)
    first = Ticket.objects.get(pk=ticket.pk).first_response_at
    services.comment_add(ticket=ticket, actor=agent, body="Again", is_internal=False)
    assert first is not None and Ticket.objects.get(pk=ticket.pk).first_response_at == first
    assert [c.body for c in ticket_thread(ticket=ticket)] == ["internal", "Hello!", "Again"]


def test_attachment_gets_a_generated_name_and_sha256(tenant, agent: User, settings) -> None:
    ticket = TicketFactory(tenant=tenant)
    upload = SimpleUploadedFile("../../etc/passwd", b"secret bytes", content_type="text/plain")
    attachment = services.attachment_add(ticket=ticket, actor=agent, upload=upload)
    assert attachment.original_filename == "passwd"
    assert attachment.file.name == f"attachments/{tenant.pk}/{attachment.pk}"
    assert attachment.sha256 == hashlib.sha256(b"secret bytes").hexdigest()
    settings.ATTACHMENT_MAX_BYTES = 4
    with pytest.raises(TooLarge):
        services.attachment_add(ticket=ticket, actor=agent, upload=SimpleUploadedFile("a", b"12345"))


def test_view_counts(tenant, agent: User) -> None:
    TicketFactory(tenant=tenant, assignee=agent)
    TicketFactory(tenant=tenant)
    services.ticket_update(ticket=TicketFactory(tenant=tenant), actor=agent, data={"status": "resolved"})
    assert ticket_view_counts(tenant=tenant, user=agent) == {
        "my_open": 1,
        "unassigned": 1,
        "all_open": 2,
        "recently_solved": 1,
    }


def test_bulk_update_refuses_malformed_ids(tenant, manager: User) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.tickets_bulk_update(tenant=tenant, actor=manager, ids=["#12"], changes={"priority": "low"})
    assert list(info.value.details) == ["ids"]
