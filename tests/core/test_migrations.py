"""Every schema migration is reversible, on a database that holds data."""

from __future__ import annotations

import io
from pathlib import Path

import factory
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories

# The project's own apps with migrations (Django's contrib apps stay). Migrating one to zero also
# unapplies whatever depends on it, so the order does not matter.
PROJECT_APPS = tuple(
    config.label
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(settings.BASE_DIR) and (Path(config.path) / "migrations").is_dir()
)
# Every model a factory builds: the data the test expects to survive the round trip's schema.
FACTORY_MODELS = {
    cls._meta.model
    for cls in vars(factories).values()
    if isinstance(cls, type) and issubclass(cls, factory.django.DjangoModelFactory) and cls._meta.model
}


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


def empty_factory_models() -> list[str]:
    return sorted(model._meta.label for model in FACTORY_MODELS if not model._base_manager.exists())


@pytest.mark.django_db(transaction=True)
def test_every_migration_reverses_to_zero_and_applies_again_with_data_present() -> None:
    fill_every_table()
    assert empty_factory_models() == []
    try:
        for app in PROJECT_APPS:
            call_command("migrate", app, "zero", verbosity=0)
        tables = connection.introspection.table_names()
        project_tables = {
            m._meta.db_table for app in PROJECT_APPS for m in apps.get_app_config(app).get_models()
        }
        assert project_tables.isdisjoint(tables), sorted(project_tables & set(tables))
    finally:
        call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    # The schema works again, constraints and triggers included.
    fill_every_table()
    assert empty_factory_models() == []


@pytest.mark.django_db(transaction=True)
def test_migrations_reverse_and_reapply_on_a_database_holding_the_demo_data() -> None:
    from tickets.models import Ticket

    demo = str(Path(settings.BASE_DIR) / "fixtures" / "mock")
    call_command("migrate_mock_data", "--source", demo, verbosity=0, stdout=io.StringIO())
    assert Ticket.all_objects.count() >= 3000
    try:
        for app in PROJECT_APPS:
            call_command("migrate", app, "zero", verbosity=0)
    finally:
        call_command("migrate", verbosity=0)
    # The rebuilt schema takes the demo data again, and it verifies row for row.
    call_command("migrate_mock_data", "--source", demo, verbosity=0, stdout=io.StringIO())
    call_command("verify_migration", "--source", demo, stdout=io.StringIO())
    assert Ticket.all_objects.count() >= 3000
