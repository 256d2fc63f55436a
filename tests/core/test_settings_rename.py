"""Renaming departments, groups, categories and tags from the settings pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from audit.models import AuditLog
from tests.factories import CategoryFactory, DepartmentFactory, GroupFactory, TagFactory

pytestmark = pytest.mark.django_db

SECTIONS: dict[str, tuple[str, Callable[..., Any]]] = {
    "department": ("/settings/departments", DepartmentFactory),
    "group": ("/settings/groups", GroupFactory),
    "category": ("/settings/categories", CategoryFactory),
    "tag": ("/settings/tags", TagFactory),
}


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_an_admin_renames_a_row_and_the_rename_is_audited(client_for, admin, tenant, section: str) -> None:  # type: ignore[no-untyped-def]
    url, factory = SECTIONS[section]
    row = factory(tenant=tenant, name="Old name")
    client = client_for(admin)
    page = client.get(url).content.decode()
    assert f'aria-label="Rename {row.name}"' in page
    assert f"New name for {row.name}</label>" in page

    response = client.post(url, {"action": "rename", "pk": str(row.pk), "name": "  New name "})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.name == "New name"
    entry = AuditLog.objects.get(tenant=tenant, entity_id=str(row.pk), action=f"{section}.updated")
    assert entry.changes["name"] == {"before": "Old name", "after": "New name"}
    assert "Renamed Old name to New name." in client.get(url).content.decode()


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_a_duplicate_or_blank_name_is_refused_and_changes_nothing(
    client_for, admin, tenant, section: str
) -> None:  # type: ignore[no-untyped-def]
    url, factory = SECTIONS[section]
    factory(tenant=tenant, name="Taken")
    row = factory(tenant=tenant, name="Mine")
    client = client_for(admin)
    for bad in ("taken", "   "):
        client.post(url, {"action": "rename", "pk": str(row.pk), "name": bad})
        row.refresh_from_db()
        assert row.name == "Mine"
        assert 'class="message message-error"' in client.get(url).content.decode()


def test_a_manager_may_rename_tags_but_not_departments(client_for, manager, tenant) -> None:  # type: ignore[no-untyped-def]
    tag = TagFactory(tenant=tenant, name="vip")
    department = DepartmentFactory(tenant=tenant, name="Sales")
    client = client_for(manager)
    client.post("/settings/tags", {"action": "rename", "pk": str(tag.pk), "name": "key-account"})
    client.post("/settings/departments", {"action": "rename", "pk": str(department.pk), "name": "Revenue"})
    tag.refresh_from_db()
    department.refresh_from_db()
    assert (tag.name, department.name) == ("key-account", "Sales")
    assert "Rename Sales" not in client.get("/settings/departments").content.decode()


def test_a_row_of_another_tenant_cannot_be_renamed(client_for, admin, other_tenant) -> None:  # type: ignore[no-untyped-def]
    foreign = TagFactory(tenant=other_tenant, name="theirs")
    client_for(admin).post("/settings/tags", {"action": "rename", "pk": str(foreign.pk), "name": "mine"})
    foreign.refresh_from_db()
    assert foreign.name == "theirs"
