"""The initial-load path: indexes and foreign keys dropped and rebuilt inside the run's transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import DatabaseError, connection
from django.db.models import Count, Max

from accounts.choices import Role
from accounts.models import Group, Tenant, User
from catalog.models import Tag
from companies.models import Contact
from supportdesk.mockdata import bulk, sql
from supportdesk.mockdata.loader import IMPORTED, Migration
from supportdesk.mockdata.spec import ENTITIES
from supportdesk.models import ImportedRecord
from tests.mockdata.conftest import fingerprint, run
from tickets.models import Ticket
from tickets.selectors import live_facet_count, live_tag_count, live_ticket_count
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

TABLES = [*(e.table for e in ENTITIES), IMPORTED]


def schema() -> dict[str, list[str]]:
    """Every index, constraint and trigger of the tables the migration fills, as PostgreSQL prints them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid) "
            "|| CASE WHEN convalidated THEN '' ELSE ' (not validated)' END "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT tgrelid::regclass::text, tgname || ' ' || tgenabled::text FROM pg_trigger "
            "WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal",
            [TABLES, TABLES, TABLES],
        )
        result: dict[str, list[str]] = {}
        for table, definition in cursor.fetchall():
            result.setdefault(table, []).append(definition)
        return {table: sorted(definitions) for table, definitions in result.items()}


def differences(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """What is in one schema snapshot and not in the other, line by line."""
    lines = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        lines += [f"- {table}: {d}" for d in sorted(old - new)] + [
            f"+ {table}: {d}" for d in sorted(new - old)
        ]
    return lines


def names(snapshot: dict[str, list[str]]) -> dict[str, list[str]]:
    """The index, constraint and trigger names of a snapshot (index lines carry the name 3rd)."""
    return {
        table: sorted(d.split()[2] if d.startswith("CREATE") else d.split()[0] for d in definitions)
        for table, definitions in snapshot.items()
    }


def rebuilt_once() -> dict[str, list[str]]:
    """The schema after one drop/rebuild of every table: PostgreSQL prints a few recreated
    predicates differently from how the migration wrote them (same meaning), and then stably."""
    with connection.cursor() as cursor:
        for table in TABLES:
            bulk.restore(cursor, bulk.suspend(cursor, table))
    return schema()


def test_an_initial_load_rebuilds_every_index_and_constraint_it_dropped(source: Path) -> None:
    original = schema()
    before = rebuilt_once()
    assert names(before) == names(original)
    assert sum(1 for d in before["tickets_ticket"] if "FOREIGN KEY" in d) > 10

    migration = Migration(source=source, bulk_min_rows=1)
    result = migration.run()

    assert result.applied and not result.problems
    # Every table that received rows went through the drop/rebuild path.
    assert {"tickets_ticket", "tickets_ticketcomment", IMPORTED} <= set(migration.suspended)
    assert differences(before, schema()) == []
    assert names(schema()) == names(original)
    assert run("verify_migration", "--source", str(source)).ok
    # The rebuilt constraints are enforced: a ticket of one tenant cannot name another's requester.
    ticket = Ticket.all_objects.first()
    other = Ticket.all_objects.exclude(tenant_id=ticket.tenant_id).first()
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET requester_id = %s WHERE id = %s", [other.requester_id, ticket.pk]
        )


def test_the_bulk_path_stores_the_same_checksums_and_reruns_change_nothing(source: Path) -> None:
    Migration(source=source, bulk_min_rows=1).run()
    loaded = fingerprint()
    hashes = dict(ImportedRecord.objects.values_list("legacy_id", "row_hash"))

    second = Migration(source=source, bulk_min_rows=1)
    second.run()

    assert second.suspended == []  # nothing is empty any more: the ordinary path
    assert fingerprint() == loaded
    assert dict(ImportedRecord.objects.values_list("legacy_id", "row_hash")) == hashes


def test_the_bulk_path_stores_each_rows_own_checksum_and_moves_ticket_counters(source: Path) -> None:
    migration = Migration(source=source, bulk_min_rows=1)
    migration.run()
    assert {"tickets_ticket", "tickets_tickettag", IMPORTED} <= set(migration.suspended)

    # The checksums are computed from the staged records: each must be the loaded row's own, or the
    # next run would take every imported row for one edited in the desk.
    with connection.cursor() as cursor:
        for entity in ENTITIES:
            checksum, joins = sql.db_checksum(entity)
            cursor.execute(
                f"SELECT count(*), count(*) FILTER (WHERE r.row_hash <> {checksum}) FROM {entity.table} d "
                f"JOIN supportdesk_importedrecord r ON r.entity = %s AND r.tenant_id = d.tenant_id "
                f"AND r.legacy_id = d.legacy_id {joins}",
                [entity.name],
            )
            rows, differing = cursor.fetchone()
            assert rows == entity_rows(entity.table) and differing == 0, entity.name
    # The numbering trigger was off for the insert: each tenant's counter was moved once, after it,
    # and the trigger numbers the desk's next ticket after the imported ones.
    for tenant in Tenant.objects.all():
        numbers = Ticket.all_objects.filter(tenant=tenant).aggregate(Max("number"))["number__max"]
        assert tenant.last_ticket_number == numbers
        # The live-count trigger was off too: the tenant's counts were taken once, and are exact.
        for status in ("new", "open", "pending", "resolved", "closed"):
            live = Ticket.objects.filter(tenant=tenant, status=status).count()
            assert live_ticket_count(tenant=tenant, statuses=[status]) == live
        # So were the tag-count triggers for the ticket tags: each tag's count was taken once.
        tag = Tag.objects.filter(tenant=tenant).annotate(n=Count("tickets")).order_by("-n")[0]
        tagged = Ticket.objects.filter(tenant=tenant, tags=tag).count()
        assert tagged > 0 and live_tag_count(tenant=tenant, tag_id=tag.pk) == tagged
        # And the facet-count trigger: each group's tickets were counted once.
        group = Group.objects.filter(tenant=tenant).annotate(n=Count("tickets")).order_by("-n")[0]
        grouped = Ticket.objects.filter(tenant=tenant, group=group).count()
        assert grouped > 0 and live_facet_count(tenant=tenant, facet="group", values=[group.pk]) == grouped
        agent = User.objects.filter(tenant=tenant, role=Role.ADMIN).first()
        ticket = ticket_create(
            tenant=tenant,
            actor=agent,
            data={
                "subject": "After the import",
                "requester": Contact.objects.filter(tenant=tenant)[0],
                "tags": [tag],
                "group": group,
            },
        )
        assert ticket.number == numbers + 1
        assert live_ticket_count(tenant=tenant) == Ticket.objects.filter(tenant=tenant).count()
        # Both kinds of trigger are on again: the desk's next ticket is counted, tag and all.
        assert live_tag_count(tenant=tenant, tag_id=tag.pk) == tagged + 1
        assert live_facet_count(tenant=tenant, facet="group", values=[group.pk]) == grouped + 1
    # Every kept count (status/priority/assignee, per facet and per tag) matches the imported tickets.
    assert run("recount_tickets", "--check").ok


def entity_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE legacy_id IS NOT NULL")
        return int(cursor.fetchone()[0])


def test_a_failure_after_the_drop_leaves_tables_indexes_and_constraints_as_before(source: Path) -> None:
    # The database refuses the tickets (a trigger of the desk's, say): by then the earlier tables
    # and the ticket table have been emptied of their indexes and foreign keys.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'no tickets today'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON tickets_ticket "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse()"
        )
    before, tables = rebuilt_once(), fingerprint()
    migration = Migration(source=source, bulk_min_rows=1)

    with pytest.raises(DatabaseError, match="no tickets today"):
        migration.run()

    assert "accounts_user" in migration.suspended and migration.suspended[-1] == "tickets_ticket"
    assert differences(before, schema()) == []
    assert fingerprint() == tables


def test_a_table_that_is_not_empty_keeps_its_indexes(source: Path) -> None:
    assert run("migrate_mock_data", "--source", str(source), "--only", "departments,users").ok
    migration = Migration(source=source, bulk_min_rows=1)
    migration.run()
    assert "accounts_user" not in migration.suspended
    assert "tickets_ticket" in migration.suspended


def test_small_loads_take_the_ordinary_path(source: Path) -> None:
    migration = Migration(source=source)
    migration.run()
    assert Ticket.all_objects.count() < bulk.MIN_ROWS
    assert migration.suspended == []
