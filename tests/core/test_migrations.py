"""Every schema migration is reversible, on a database that holds data."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import django.db
import factory
import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
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


@pytest.mark.django_db(transaction=True)
def test_a_tag_write_waiting_on_the_tag_count_migration_is_counted_not_refused() -> None:
    """tickets.0009 changes the tag-count triggers and their table in one transaction. A ticket
    write that arrives meanwhile waits and then runs the new triggers; it used to wait inside the
    old trigger body and fail (NOT NULL) once the new columns were committed."""
    from tickets.selectors import tag_counts_differences

    ticket = factories.TicketFactory()
    tag = factories.TagFactory(tenant=ticket.tenant)
    info = connection.get_connection_params()
    info.pop("cursor_factory", None)
    info.pop("context", None)
    errors: list[str] = []
    wrote = threading.Event()

    def tag_the_ticket() -> None:
        with psycopg.connect(**info, autocommit=True) as conn:
            try:
                conn.execute(
                    "INSERT INTO tickets_tickettag (id, tenant_id, ticket_id, tag_id, created_at) "
                    "VALUES (gen_random_uuid(), %s, %s, %s, now())",
                    (ticket.tenant_id, ticket.pk, tag.pk),
                )
            except psycopg.Error as exc:
                errors.append(str(exc))
            wrote.set()

    try:
        call_command("migrate", "tickets", "0008_tag_counts", verbosity=0)
        writer = threading.Thread(target=tag_the_ticket)
        with transaction.atomic():
            MigrationExecutor(connection).migrate([("tickets", "0009_tag_counts_by_status")])
            writer.start()
            assert not wrote.wait(1), "the write should wait for the migration"
        writer.join(30)
        assert wrote.is_set()
        assert errors == []
    finally:
        call_command("migrate", verbosity=0)
    assert tag_counts_differences() == []


@pytest.mark.django_db(transaction=True)
def test_back_to_the_tag_counts_per_tag_keeps_tag_writes_counted() -> None:
    """Rolling tickets.0009 back restores 0008's triggers, which name no status or priority."""
    from tickets.selectors import tag_counts_differences

    ticket = factories.TicketFactory()
    kept = factories.TicketTagFactory(ticket=ticket)
    added = factories.TagFactory(tenant=ticket.tenant)
    try:
        call_command("migrate", "tickets", "0008_tag_counts", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tickets_tickettag (id, tenant_id, ticket_id, tag_id, created_at) "
                "VALUES (gen_random_uuid(), %s, %s, %s, now())",
                [ticket.tenant_id, ticket.pk, added.pk],
            )
            cursor.execute(
                "SELECT tag_id, sum(n) FROM tickets_tagcount WHERE tenant_id = %s GROUP BY 1",
                [ticket.tenant_id],
            )
            assert dict(cursor.fetchall()) == {kept.tag_id: 1, added.pk: 1}
            cursor.execute("UPDATE tickets_ticket SET is_deleted = true WHERE id = %s", [ticket.pk])
            cursor.execute("SELECT sum(n) FROM tickets_tagcount WHERE tenant_id = %s", [ticket.tenant_id])
            assert cursor.fetchone()[0] == 0
    finally:
        call_command("migrate", verbosity=0)
    assert tag_counts_differences() == []


@pytest.mark.django_db(transaction=True)
def test_the_concurrent_index_migration_runs_again_after_it_was_interrupted() -> None:
    """tickets.0011 builds outside a transaction: a run stopped midway leaves an index behind (here
    one built, one INVALID as a cancelled CREATE INDEX CONCURRENTLY leaves it) and records nothing.
    Running migrate again must finish the job rather than stop on "already exists"."""
    factories.TicketFactory.create_batch(2, tenant=factories.TenantFactory())
    try:
        call_command("migrate", "tickets", "0010_facet_counts", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX tickets_live_updated_idx ON tickets_ticket (tenant_id, updated_at, id) "
                "WHERE NOT is_deleted"
            )
            # Fails on the two tickets of one tenant, leaving the index INVALID.
            with pytest.raises(django.db.IntegrityError):
                cursor.execute(
                    "CREATE UNIQUE INDEX CONCURRENTLY tickets_live_status_idx ON tickets_ticket (tenant_id)"
                )
    finally:
        call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'tickets_live_%%_idx'"
        )
        built = {name: (valid, definition) for name, valid, definition in cursor.fetchall()}
    for name in ("updated", "priority", "status", "due", "due_desc"):
        assert built[f"tickets_live_{name}_idx"][0], built
    assert "UNIQUE" not in built["tickets_live_status_idx"][1]
    assert "(tenant_id, status, id)" in built["tickets_live_status_idx"][1]


@pytest.mark.django_db(transaction=True)
def test_the_channel_index_migration_replaces_an_invalid_index_an_interrupted_run_left() -> None:
    """tickets.0014 as tickets.0011: an interrupted run's INVALID index is dropped and built anew."""
    factories.TicketFactory.create_batch(2, tenant=factories.TenantFactory())
    try:
        call_command("migrate", "tickets", "0013_unassigned_group_index", verbosity=0)
        with connection.cursor() as cursor, pytest.raises(django.db.IntegrityError):
            cursor.execute(
                "CREATE UNIQUE INDEX CONCURRENTLY tickets_live_channel_idx ON tickets_ticket (tenant_id)"
            )
    finally:
        call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indexrelid = 'tickets_live_channel_idx'::regclass"
        )
        valid, definition = cursor.fetchone()
    assert valid and "(tenant_id, channel, status) WHERE (NOT is_deleted)" in definition, definition


@pytest.mark.django_db(transaction=True)
def test_the_channel_count_migration_counts_the_tickets_there_and_back_counts_no_channel() -> None:
    """tickets.0012 counts the tickets already there by channel and has the triggers count every
    later write; rolled back, the channel rows go and the triggers count what 0010 counted."""
    from tickets.models import Ticket
    from tickets.selectors import facet_counts_differences

    def channel_rows() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tickets_facetcount WHERE facet = 'channel'")
            return int(cursor.fetchone()[0])

    tenant = factories.TenantFactory()
    factories.TicketFactory.create_batch(2, tenant=tenant, channel="email")
    try:
        call_command("migrate", "tickets", "0011_ordering_indexes", verbosity=0)
        assert channel_rows() == 0
        factories.TicketFactory(tenant=tenant, channel="phone")  # counted by 0010's triggers
        Ticket.objects.filter(channel="email").update(channel="chat")
        assert channel_rows() == 0
    finally:
        call_command("migrate", verbosity=0)
    assert channel_rows() > 0
    assert facet_counts_differences() == []
    Ticket.objects.filter(channel="chat").update(channel="web")
    assert facet_counts_differences() == []
