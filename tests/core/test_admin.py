"""Every model is in the admin, lists are scoped for tenant staff, and list pages do not N+1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

MODELS: dict[str, Callable[[Any], Any]] = {
    "accounts.user": lambda t: f.UserFactory(tenant=t, department=f.DepartmentFactory(tenant=t)),
    "accounts.department": lambda t: f.DepartmentFactory(tenant=t),
    "accounts.group": lambda t: f.GroupFactory(tenant=t),
    "accounts.groupmembership": lambda t: f.GroupMembershipFactory(group=f.GroupFactory(tenant=t)),
    "companies.parentcompany": lambda t: f.ParentCompanyFactory(tenant=t),
    "companies.company": lambda t: f.CompanyFactory(tenant=t, parent=f.ParentCompanyFactory(tenant=t)),
    "companies.contact": lambda t: f.ContactFactory(tenant=t, company=f.CompanyFactory(tenant=t)),
    "catalog.category": lambda t: f.CategoryFactory(tenant=t),
    "catalog.subcategory": lambda t: f.SubcategoryFactory(category=f.CategoryFactory(tenant=t)),
    "catalog.tag": lambda t: f.TagFactory(tenant=t),
    "tickets.ticket": lambda t: f.TicketFactory(tenant=t, assignee=f.UserFactory(tenant=t)),
    "tickets.ticketcomment": lambda t: f.TicketCommentFactory(ticket=f.TicketFactory(tenant=t)),
    "tickets.tickettag": lambda t: f.TicketTagFactory(
        ticket=f.TicketFactory(tenant=t), tag=f.TagFactory(tenant=t)
    ),
    "tickets.attachment": lambda t: f.AttachmentFactory(ticket=f.TicketFactory(tenant=t)),
    "audit.auditlog": lambda t: f.AuditLogFactory(tenant=t),
}


def test_every_model_is_registered_in_the_admin() -> None:
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert set(MODELS) | {"accounts.tenant"} <= registered


def changelist(label: str) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_changelist")


@pytest.mark.parametrize("label", sorted(MODELS))
def test_admin_list_queries_do_not_grow_with_rows(label: str, django_assert_max_num_queries: Any) -> None:
    tenant = f.TenantFactory()
    superuser = User.objects.create_superuser("root@ops.example", "pw")
    client = Client()
    client.force_login(superuser)
    MODELS[label](tenant)
    client.get(changelist(label))  # warm caches (content types, permissions)
    with django_assert_max_num_queries(12) as small:
        assert client.get(changelist(label)).status_code == 200
    for _ in range(6):
        MODELS[label](tenant)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(changelist(label))
    assert response.status_code == 200


def test_tenant_staff_see_only_their_own_tenants_rows() -> None:
    mine, theirs = f.TenantFactory(), f.TenantFactory()
    f.TagFactory(tenant=mine, name="mine-tag")
    f.TagFactory(tenant=theirs, name="their-tag")
    staff = f.UserFactory(tenant=mine, role=Role.ADMIN, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename="view_tag"))
    client = Client()
    client.force_login(staff)
    body = client.get(changelist("catalog.tag")).content.decode()
    assert "mine-tag" in body
    assert "their-tag" not in body


def test_the_audit_log_is_read_only_in_the_admin() -> None:
    entry = f.AuditLogFactory()
    client = Client()
    client.force_login(User.objects.create_superuser("root@ops.example", "pw"))
    assert client.get(reverse("admin:audit_auditlog_add")).status_code == 403
    assert (
        client.post(reverse("admin:audit_auditlog_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
