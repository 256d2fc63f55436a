"""Every schema migration is reversible, on a database that holds data."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories

# Our apps, dependents first: migrating one to zero also unapplies what depends on it.
PROJECT_APPS = ("audit", "tickets", "catalog", "companies", "accounts")


def fill_every_table() -> None:
    """One row of every model of the project (demo-like data through the factories)."""
    tenant = factories.TenantFactory()
    parent = factories.ParentCompanyFactory(tenant=tenant)
    ticket = factories.TicketFactory(
        tenant=tenant, company=factories.CompanyFactory(tenant=tenant, parent=parent)
    )
    factories.TicketTagFactory(ticket=ticket)
    factories.TicketCommentFactory(ticket=ticket)
    factories.AttachmentFactory(ticket=ticket)
    factories.SubcategoryFactory(category=factories.CategoryFactory(tenant=tenant))
    factories.GroupMembershipFactory(group=factories.GroupFactory(tenant=tenant))
    factories.DepartmentFactory(tenant=tenant)
    factories.AuditLogFactory(tenant=tenant)


def project_models_have_rows() -> list[str]:
    empty = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            if not model._base_manager.exists():
                empty.append(model._meta.label)
    return empty


@pytest.mark.django_db(transaction=True)
def test_every_migration_reverses_to_zero_and_applies_again_with_data_present() -> None:
    fill_every_table()
    assert project_models_have_rows() == []
    try:
        for app in PROJECT_APPS:
            call_command("migrate", app, "zero", verbosity=0)
        tables = connection.introspection.table_names()
        assert not [t for t in tables if t.split("_")[0] in PROJECT_APPS], tables
    finally:
        call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    # The schema works again, constraints and triggers included.
    fill_every_table()
    assert project_models_have_rows() == []
