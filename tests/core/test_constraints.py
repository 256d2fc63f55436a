"""Every integrity rule lives in the database: each test tries to break one and is refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditLog
from catalog.models import Tag
from tests.factories import (
    AttachmentFactory,
    AuditLogFactory,
    CategoryFactory,
    CompanyFactory,
    ContactFactory,
    DepartmentFactory,
    GroupFactory,
    GroupMembershipFactory,
    ParentCompanyFactory,
    SubcategoryFactory,
    TagFactory,
    TenantFactory,
    TicketCommentFactory,
    TicketFactory,
    TicketTagFactory,
    UserFactory,
)
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def refused(action: Callable[[], Any], constraint: str | None = None) -> None:
    """The database refuses the write (IntegrityError naming the constraint) and keeps nothing."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        action()
    if constraint:
        assert constraint in str(info.value), str(info.value)


# --- Same-tenant references ------------------------------------------------------------------------
CROSS_TENANT_CASES = {
    "ticket.requester": lambda t, o: TicketFactory(tenant=t, requester=ContactFactory(tenant=o)),
    "ticket.assignee": lambda t, o: TicketFactory(tenant=t, assignee=UserFactory(tenant=o)),
    "ticket.company": lambda t, o: TicketFactory(tenant=t, company=CompanyFactory(tenant=o)),
    "ticket.group": lambda t, o: TicketFactory(tenant=t, group=GroupFactory(tenant=o)),
    "ticket.category": lambda t, o: TicketFactory(tenant=t, category=CategoryFactory(tenant=o)),
    "ticket.department": lambda t, o: TicketFactory(tenant=t, department=DepartmentFactory(tenant=o)),
    "ticket.created_by": lambda t, o: TicketFactory(tenant=t, created_by=UserFactory(tenant=o)),
    "comment.ticket": lambda t, o: TicketCommentFactory(
        tenant=t, ticket=TicketFactory(tenant=o), author_user=UserFactory(tenant=t)
    ),
    "comment.author_user": lambda t, o: TicketCommentFactory(
        ticket=TicketFactory(tenant=t), author_user=UserFactory(tenant=o)
    ),
    "comment.author_contact": lambda t, o: TicketCommentFactory(
        ticket=TicketFactory(tenant=t), author_user=None, author_contact=ContactFactory(tenant=o)
    ),
    "tickettag.tag": lambda t, o: TicketTagFactory(ticket=TicketFactory(tenant=t), tag=TagFactory(tenant=o)),
    "attachment.ticket": lambda t, o: AttachmentFactory(tenant=t, ticket=TicketFactory(tenant=o)),
    "contact.company": lambda t, o: ContactFactory(tenant=t, company=CompanyFactory(tenant=o)),
    "company.parent": lambda t, o: CompanyFactory(tenant=t, parent=ParentCompanyFactory(tenant=o)),
    "subcategory.category": lambda t, o: SubcategoryFactory(tenant=t, category=CategoryFactory(tenant=o)),
    "user.department": lambda t, o: UserFactory(tenant=t, department=DepartmentFactory(tenant=o)),
    "groupmembership.user": lambda t, o: GroupMembershipFactory(
        group=GroupFactory(tenant=t), user=UserFactory(tenant=o)
    ),
    "auditlog.actor": lambda t, o: AuditLogFactory(tenant=t, actor=UserFactory(tenant=o)),
}


@pytest.mark.parametrize("case", sorted(CROSS_TENANT_CASES))
def test_a_reference_to_another_tenants_row_is_refused(case: str) -> None:
    tenant, other = TenantFactory(), TenantFactory()
    refused(lambda: CROSS_TENANT_CASES[case](tenant, other), "same_tenant_fk")


def test_a_reference_inside_one_tenant_is_accepted() -> None:
    tenant = TenantFactory()
    ticket = TicketFactory(
        tenant=tenant,
        assignee=UserFactory(tenant=tenant),
        company=CompanyFactory(tenant=tenant),
        group=GroupFactory(tenant=tenant),
    )
    TicketTagFactory(ticket=ticket, tag=TagFactory(tenant=tenant))
    assert ticket.tags.count() == 1


def test_subcategory_must_belong_to_the_tickets_category() -> None:
    tenant = TenantFactory()
    billing, hardware = CategoryFactory(tenant=tenant), CategoryFactory(tenant=tenant)
    refund = SubcategoryFactory(category=billing)
    refused(
        lambda: TicketFactory(tenant=tenant, category=hardware, subcategory=refund),
        "tickets_ticket_subcategory_id_category_id_fk",
    )
    refused(lambda: TicketFactory(tenant=tenant, subcategory=refund), "subcategory_needs_category")
    assert TicketFactory(tenant=tenant, category=billing, subcategory=refund).subcategory == refund


def test_an_attachments_comment_must_be_on_the_same_ticket() -> None:
    tenant = TenantFactory()
    comment = TicketCommentFactory(ticket=TicketFactory(tenant=tenant))
    refused(
        lambda: AttachmentFactory(ticket=TicketFactory(tenant=tenant), comment=comment),
        "comment_id_ticket_id",
    )


# --- Enums -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "constraint"),
    [
        (lambda: TicketFactory(status="waiting"), "tickets_ticket_status_valid"),
        (lambda: TicketFactory(priority="critical"), "tickets_ticket_priority_valid"),
        (lambda: TicketFactory(channel="fax"), "tickets_ticket_channel_valid"),
        (lambda: UserFactory(role="owner"), "accounts_user_role_valid"),
        (lambda: UserFactory(status="suspended"), "accounts_user_status_valid"),
    ],
    ids=["ticket.status", "ticket.priority", "ticket.channel", "user.role", "user.status"],
)
def test_a_value_outside_the_enum_is_refused(build: Callable[[], Any], constraint: str) -> None:
    refused(build, constraint)


# --- Uniqueness ------------------------------------------------------------------------------------
def test_user_email_is_unique_across_the_install_in_any_case() -> None:
    UserFactory(email="sam@example.com")
    refused(lambda: UserFactory(email="sam@example.com", tenant=TenantFactory()), "email_ci_live_key")
    refused(lambda: User.objects.create_user("SAM@Example.com", "pw", tenant=TenantFactory(), name="Sam 2"))


def test_stored_emails_are_lower_case() -> None:
    refused(lambda: UserFactory(email="Mixed@Example.com"), "accounts_user_email_normalised")


def test_tag_names_are_unique_per_tenant_in_any_case_but_free_in_other_tenants() -> None:
    tag = TagFactory(name="VIP")
    refused(lambda: TagFactory(tenant=tag.tenant, name="vip"), "catalog_tag_name_live_key")
    assert TagFactory(tenant=TenantFactory(), name="vip").name == "vip"


def test_a_deleted_tags_name_can_be_used_again() -> None:
    tag = TagFactory(name="outage")
    Tag.all_objects.filter(pk=tag.pk).update(is_deleted=True)
    assert TagFactory(tenant=tag.tenant, name="Outage").pk != tag.pk


def test_legacy_id_is_unique_per_tenant_and_model() -> None:
    tenant = TenantFactory()
    TagFactory(tenant=tenant, legacy_id="tag_0001")
    refused(lambda: TagFactory(tenant=tenant, legacy_id="tag_0001"), "catalog_tag_legacy_key")
    TagFactory(tenant=TenantFactory(), legacy_id="tag_0001")
    CategoryFactory(tenant=tenant, legacy_id="tag_0001")


def test_a_tag_is_applied_to_a_ticket_once() -> None:
    link = TicketTagFactory()
    refused(lambda: TicketTagFactory(ticket=link.ticket, tag=link.tag), "tickets_tickettag_key")


def test_ticket_numbers_are_unique_per_tenant() -> None:
    ticket = TicketFactory()
    refused(lambda: TicketFactory(tenant=ticket.tenant, number=ticket.number), "tickets_ticket_number_key")


# --- Ticket numbers and status timestamps ----------------------------------------------------------
def test_new_tickets_are_numbered_per_tenant_and_continue_after_imported_numbers() -> None:
    tenant, other = TenantFactory(), TenantFactory()
    assert [TicketFactory(tenant=tenant).number for _ in range(3)] == [1, 2, 3]
    assert TicketFactory(tenant=other).number == 1
    assert TicketFactory(tenant=tenant, number=1042).number == 1042  # an imported ticket keeps its number
    assert TicketFactory(tenant=tenant).number == 1043


def test_resolved_at_is_set_exactly_when_resolved_or_closed() -> None:
    now = timezone.now()
    refused(lambda: TicketFactory(status="resolved"), "resolved_at_matches_status")
    refused(lambda: TicketFactory(status="open", resolved_at=now), "resolved_at_matches_status")
    refused(lambda: TicketFactory(status="closed", resolved_at=now), "closed_at_matches_status")
    refused(
        lambda: TicketFactory(status="resolved", resolved_at=now, closed_at=now), "closed_at_matches_status"
    )
    ticket = TicketFactory(status="closed", resolved_at=now, closed_at=now)
    # Reopening without clearing the timestamps is refused.
    refused(lambda: Ticket.objects.filter(pk=ticket.pk).update(status="open"), "matches_status")
    Ticket.objects.filter(pk=ticket.pk).update(status="open", resolved_at=None, closed_at=None)


def test_priority_sorts_by_severity() -> None:
    tenant = TenantFactory()
    for priority in ["low", "urgent", "medium", "high"]:
        TicketFactory(tenant=tenant, priority=priority)
    ordered = Ticket.objects.for_tenant(tenant).order_by("-priority_rank")
    assert [t.priority for t in ordered] == ["urgent", "high", "medium", "low"]


# --- Comments, attachments ---------------------------------------------------------------------------
def test_a_comment_has_exactly_one_author() -> None:
    refused(lambda: TicketCommentFactory(author_user=None), "tickets_ticketcomment_one_author")
    refused(lambda: TicketCommentFactory(author_contact=ContactFactory()), "tickets_ticketcomment_one_author")


def test_an_internal_note_cannot_come_from_a_customer() -> None:
    ticket = TicketFactory()
    refused(
        lambda: TicketCommentFactory(
            ticket=ticket, author_user=None, author_contact=ticket.requester, is_internal=True
        ),
        "internal_by_agent",
    )


def test_an_attachment_needs_a_hex_sha256() -> None:
    refused(lambda: AttachmentFactory(sha256="not-a-hash"), "sha256_hex")


def test_required_fields_are_not_null() -> None:
    refused(lambda: TicketFactory(requester=None), "requester_id")


# --- Audit log: append-only ---------------------------------------------------------------------------
def test_the_audit_log_refuses_update_and_delete() -> None:
    entry = AuditLogFactory()
    refused(lambda: AuditLog.objects.filter(pk=entry.pk).update(action="tampered"), "append-only")
    refused(lambda: AuditLog.objects.filter(pk=entry.pk).delete(), "append-only")
    entry.refresh_from_db()
    assert entry.action == "ticket.updated"


# --- Keys, soft delete --------------------------------------------------------------------------------
def test_primary_keys_are_time_ordered_uuid7() -> None:
    first, second = TagFactory(), TagFactory()
    assert isinstance(first.pk, uuid.UUID)
    assert first.pk.version == 7
    assert first.pk < second.pk


def test_the_default_manager_hides_deleted_rows_and_the_base_manager_sees_them() -> None:
    tag = TagFactory()
    Tag.all_objects.filter(pk=tag.pk).update(is_deleted=True)
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert Tag.all_objects.filter(pk=tag.pk).exists()
    link = TicketTagFactory(ticket=TicketFactory(tenant=tag.tenant), tag=TagFactory(tenant=tag.tenant))
    Tag.all_objects.filter(pk=link.tag_id).update(is_deleted=True)
    link.refresh_from_db()
    assert link.tag.is_deleted  # relations still reach a deleted row


def test_for_tenant_scopes_a_queryset() -> None:
    mine, theirs = TagFactory(), TagFactory()
    assert list(Tag.objects.for_tenant(mine.tenant)) == [mine]
    assert theirs not in Tag.objects.for_tenant(mine.tenant)
