"""The migration run: stage and check the whole source, then apply it step by step, set-based.

Everything happens in one database transaction, so a failed, rejected or killed run leaves the
database exactly as it was (PostgreSQL rolls back the transaction of a vanished client), and the
next run starts from the same state. Attachment files are written to storage before the commit
under content-addressed names, so a file left by a killed run is simply found again next time.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction

from accounts.models import Tenant
from audit.services import audit_record
from supportdesk.caching import REFERENCE, TICKETS, invalidate
from supportdesk.mockdata import bulk, sql, staging
from supportdesk.mockdata.reader import Problem
from supportdesk.mockdata.spec import BY_NAME, ENTITIES, ORDER, STEPS, Entity
from tickets.services import tag_counts_rebuild, ticket_counts_rebuild

ACTOR_LABEL = "migrate_mock_data"
# Serialises runs: two imports at once would both see a record as new.
LOCK_KEY = 0x5D_4D0C_DA7A
IMPORTED = "supportdesk_importedrecord"
# Keeps each tenant's ticket counter at or above its numbers (tickets/migrations/0002_integrity.py).
NUMBERING_TRIGGER = "tickets_ticket_number"
# Adds the live ticket counts of each inserted batch (tickets/migrations/0006_ticket_counts.py).
COUNTING_TRIGGER = "tickets_count_inserted"
# ... and their counts per company, group, category, ... (tickets/migrations/0010_facet_counts.py).
FACET_COUNTING_TRIGGER = "tickets_facetcount_inserted"
# Adds the tag counts of each inserted batch of ticket tags (tickets/migrations/0008_tag_counts.py).
TAG_COUNTING_TRIGGER = "tickets_tagcount_tagged"
# The per-insert triggers an initial load (an empty table, see bulk.py) goes around, and makes up
# for in one pass after its insert.
BULK_PAUSED_TRIGGERS = {
    "tickets": (NUMBERING_TRIGGER, COUNTING_TRIGGER, FACET_COUNTING_TRIGGER),
    "ticket_tags": (TAG_COUNTING_TRIGGER,),
}


@dataclass
class StepResult:
    """The per-entity line of the summary."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    conflicts: int = 0
    seconds: float = 0.0


@dataclass
class RunResult:
    steps: dict[str, StepResult] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    tenants_created: int = 0
    applied: bool = False


class SourceInvalid(Exception):
    """The source has problems and rejects are not allowed: nothing was written."""

    def __init__(self, result: RunResult) -> None:
        super().__init__(f"{len(result.problems)} problem(s) in the source")
        self.result = result


Progress = Callable[[str, int, int], None]


class Migration:
    """One run of ``migrate_mock_data``."""

    def __init__(
        self,
        *,
        source: Path,
        only: tuple[str, ...] = STEPS,
        dry_run: bool = False,
        allow_rejects: bool = False,
        progress: Progress | None = None,
        step_done: Callable[[str, StepResult], None] | None = None,
        bulk_min_rows: int = bulk.MIN_ROWS,
    ) -> None:
        self.source = source
        self.only = tuple(s for s in STEPS if s in only)
        self.dry_run = dry_run
        self.allow_rejects = allow_rejects
        self.progress = progress
        self.step_done = step_done
        self.bulk_min_rows = bulk_min_rows
        self.empty: set[str] = set()
        self.suspended: list[str] = []  # tables loaded through the drop/rebuild path
        self.hashing: Future[list[tuple[str, str]]] | None = None
        self.stop_hashing = threading.Event()
        self.result = RunResult(steps={name: StepResult() for name in self.only})
        # Per step, per tenant: rows created and updated (for the audit).
        self.changes: dict[str, dict[Any, dict[str, int]]] = {}

    def run(self) -> RunResult:
        # Passwords are hashed in a thread while the later steps run in PostgreSQL (see _hash_passwords).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="migrate-passwords") as executor:
            self.executor = executor
            try:
                return self._run()
            finally:
                self.stop_hashing.set()

    def _run(self) -> RunResult:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            # Memory for the big joins, sorts and index builds of this run (per operation, server side).
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            started = time.monotonic()
            staged = staging.stage_source(cursor, self.source, self.progress)
            staging.check(cursor)
            if self.only != STEPS:
                staging.check_outside(cursor, self.only)
            staging.reject(cursor)
            self.result.problems = staging.problems(cursor)
            for name in self.only:
                self.result.steps[name].read = staged.read.get(name, 0)
                if self.result.problems:  # a record is invalid only because of a problem
                    cursor.execute(f"SELECT count(*) FROM {BY_NAME[name].staging} WHERE NOT valid")
                    self.result.steps[name].rejected = cursor.fetchone()[0] + sum(
                        1 for p in self.result.problems if p.file == BY_NAME[name].file and p.record is None
                    )
            reading = time.monotonic() - started
            if staged.unreadable or (self.result.problems and not self.allow_rejects):
                raise SourceInvalid(self.result)
            self.empty = {
                t for t in (*(BY_NAME[n].table for n in self.only), IMPORTED) if bulk.is_empty(cursor, t)
            }
            self._tenants(cursor)
            for name in self.only:
                began = time.monotonic()
                self._step(cursor, BY_NAME[name])
                step = self.result.steps[name]
                step.seconds = time.monotonic() - began + (reading if name == self.only[0] else 0)
                if self.step_done is not None:
                    self.step_done(name, step)
            self._store_passwords(cursor)
            created = sum(self.result.steps[name].created for name in self.only)
            suspended = self._suspend(cursor, IMPORTED, created)
            for name in self.only:
                self._remember(cursor, BY_NAME[name], bulk_load=suspended is not None)
            if suspended is not None:
                bulk.restore(cursor, suspended)
            self._audit()
            if self.dry_run:
                transaction.set_rollback(True)
            else:
                self.result.applied = True
        return self.result

    # --- tenants ----------------------------------------------------------------------------------
    def _tenants(self, cursor: Any) -> None:
        union = " UNION ".join(f"SELECT tenant FROM {e.staging} WHERE valid" for e in ENTITIES)
        cursor.execute(
            f"INSERT INTO accounts_tenant (id, name, slug, legacy_id, created_at, last_ticket_number) "
            f"SELECT gen_random_uuid(), coalesce(n.name, 'Tenant ' || t.tenant), "
            f"left(regexp_replace(lower(coalesce(n.name, t.tenant)), '[^a-z0-9]+', '-', 'g'), 40) "
            f"|| '-' || left(md5(t.tenant), 6), t.tenant, now(), 0 "
            f"FROM ({union}) t LEFT JOIN {staging.TENANTS} n ON n.legacy_id = t.tenant "
            f"ON CONFLICT (legacy_id) DO NOTHING RETURNING id"
        )
        self.created_tenants = [row[0] for row in cursor.fetchall()]
        self.result.tenants_created = len(self.created_tenants)

    # --- one step ---------------------------------------------------------------------------------
    def _suspend(self, cursor: Any, table: str, rows: int) -> bulk.Suspended | None:
        """An initial load of many rows goes into ``table`` without its foreign keys and indexes.

        The bookkeeping table also loses its unique key until its rows are in: nothing points at
        it, and rows of one run are unique (a legacy id appears once in the whole source).
        """
        if table not in self.empty or rows < max(self.bulk_min_rows, 1):
            return None
        self.suspended.append(table)
        return bulk.suspend(cursor, table, uniques=table == IMPORTED)

    def _step(self, cursor: Any, entity: Entity) -> None:
        cls = f"mig_cls_{entity.name}"
        self._classify(cursor, entity, cls)
        # One pass gives the step's totals and, per tenant, what the audit records.
        cursor.execute(f"SELECT tenant_id, action, count(*) FROM {cls} GROUP BY tenant_id, action")
        counts: dict[str, int] = {}
        for tenant_id, action, n in cursor.fetchall():
            counts[action] = counts.get(action, 0) + n
            if action in ("create", "update"):
                self.changes.setdefault(entity.name, {}).setdefault(tenant_id, {})[action] = n
        suspended = self._suspend(cursor, entity.table, counts.get("create", 0))
        if entity.name == "users":
            self._hash_passwords(cursor, cls)
        if entity.name == "attachments" and not self.dry_run:
            self._store_files(cursor, cls)
        self._insert(cursor, entity, cls, bulk_load=suspended is not None)
        if counts.get("update"):
            self._update(cursor, entity, cls)
        if entity.name == "groups":
            self._memberships(cursor, cls)
        # Links to records of this step (or of steps not in this run) can be made now.
        for other in ENTITIES:
            if other.name not in self.only or ORDER[other.name] > ORDER[entity.name]:
                continue
            for f in other.refs():
                if not sql.deferred(other, f):
                    continue
                target_now = f.ref == entity.name
                target_elsewhere = other is entity and f.ref not in self.only
                if target_now or target_elsewhere:
                    self._link(cursor, other, f)
        if suspended is not None:
            bulk.restore(cursor, suspended)
        step = self.result.steps[entity.name]
        step.created = counts.get("create", 0)
        step.updated = counts.get("update", 0)
        step.unchanged = counts.get("unchanged", 0)
        step.conflicts = counts.get("conflict", 0)
        if step.conflicts:
            self._report_conflicts(cursor, entity, cls)

    def _report_conflicts(self, cursor: Any, entity: Entity, cls: str) -> None:
        cursor.execute(f"SELECT legacy_id FROM {cls} WHERE action = 'conflict' ORDER BY legacy_id")
        reason = (
            "differs from the imported history; audit records are never updated"
            if entity.name == "audit_logs"
            else "changed in the source and edited in the desk since the last import; "
            "the desk's version was kept"
        )
        self.result.conflicts += [f"{entity.name} {rid}: {reason}" for (rid,) in cursor.fetchall()]

    def _classify(self, cursor: Any, entity: Entity, cls: str) -> None:
        checksum, joins = sql.db_checksum(entity)
        cursor.execute(f"DROP TABLE IF EXISTS {cls}")
        cursor.execute(
            f"CREATE TEMP TABLE {cls} ON COMMIT DROP AS "
            f"SELECT s.legacy_id, tn.id AS tenant_id, coalesce(d.id, s.new_id) AS target_id, "
            f"s.src_hash, r.row_hash AS old_row, "
            f"CASE WHEN d.id IS NULL THEN 'create' WHEN r.source_hash = s.src_hash THEN 'unchanged' "
            f"ELSE 'pending' END AS action "
            f"FROM {entity.staging} s JOIN accounts_tenant tn ON tn.legacy_id = s.tenant "
            f"LEFT JOIN {entity.table} d ON d.tenant_id = tn.id AND d.legacy_id = s.legacy_id "
            f"LEFT JOIN supportdesk_importedrecord r ON r.entity = '{entity.name}' "
            f"AND r.tenant_id = tn.id AND r.legacy_id = s.legacy_id "
            f"WHERE s.valid"
        )
        cursor.execute(f"CREATE INDEX ON {cls} (legacy_id)")
        # Without statistics the planner takes a table of 270k comments for a few hundred rows and
        # resolves their references by an index lookup each.
        staging.analyze_temporary(cursor, cls)
        if entity.table in self.empty:
            return  # nothing was there before this run: every row is new, none is pending
        if entity.name == "audit_logs":
            cursor.execute(f"UPDATE {cls} SET action = 'conflict' WHERE action = 'pending'")
            return
        # A changed record is applied only if the row is still as the last import left it.
        cursor.execute(
            f"UPDATE {cls} c SET action = CASE WHEN c.old_row = x.h THEN 'update' ELSE 'conflict' END "
            f"FROM (SELECT d.id, {checksum} AS h FROM {entity.table} d {joins} "
            f"WHERE d.id IN (SELECT target_id FROM {cls} WHERE action = 'pending')) x "
            f"WHERE c.target_id = x.id AND c.action = 'pending'"
        )

    def _hash_passwords(self, cursor: Any, cls: str) -> None:
        """Hash only what is new or changed, in a thread, while the next steps run.

        A slow hasher (Argon2, ~0.2 s a user on both cores) would otherwise keep PostgreSQL idle.
        Until the hashes are stored (``_store_passwords``, before the commit) the rows hold an
        unusable placeholder; the plaintext never reaches a table or the WAL.
        """
        cursor.execute(
            f"SELECT s.legacy_id, s.password, d.password FROM mig_stg_users s "
            f"JOIN {cls} c ON c.legacy_id = s.legacy_id AND c.action IN ('create', 'update') "
            f"LEFT JOIN accounts_user d ON d.id = c.target_id"
        )
        pending = cursor.fetchall()
        cursor.execute(
            f"UPDATE mig_stg_users s SET password = '!' FROM {cls} c "
            f"WHERE c.legacy_id = s.legacy_id AND c.action IN ('create', 'update')"
        )
        if pending and not self.dry_run:
            self.hashing = self.executor.submit(self._hash, pending)

    def _hash(self, pending: list[tuple[str, str, str | None]]) -> list[tuple[str, str]]:
        # Lowest CPU priority (this thread, and the hasher's own threads, which inherit it): the
        # hashes are needed only at the end, while PostgreSQL's steps are the run's critical path.
        # Argon2 spreads over every core; unniced it took CPU from the database's loading.
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        hashed = []
        for rid, plain, current in pending:
            if self.stop_hashing.is_set():  # the run failed: nothing will be stored
                break
            hashed.append(
                (rid, current if current and check_password(plain, current) else make_password(plain))
            )
        return hashed

    def _store_passwords(self, cursor: Any) -> None:
        if self.hashing is None:
            return
        cursor.execute("CREATE TEMP TABLE mig_pw (legacy_id text, hash text) ON COMMIT DROP")
        with cursor.copy("COPY mig_pw (legacy_id, hash) FROM STDIN") as copy:
            for row in self.hashing.result():
                copy.write_row(row)
        cursor.execute(
            "UPDATE accounts_user d SET password = p.hash FROM mig_pw p "
            "JOIN mig_cls_users c ON c.legacy_id = p.legacy_id WHERE d.id = c.target_id"
        )
        cursor.execute("DROP TABLE mig_pw")

    def _store_files(self, cursor: Any, cls: str) -> None:
        """Each distinct file once per tenant, under a name derived from its content."""
        cursor.execute(
            f"SELECT DISTINCT ON (s.tenant, s.sha256) s.tenant, s.sha256, s.file FROM mig_stg_attachments s "
            f"JOIN {cls} c ON c.legacy_id = s.legacy_id AND c.action IN ('create', 'update')"
        )
        for tenant, sha, relative in cursor.fetchall():
            name = f"attachments/imported/{tenant}/{sha}"
            if default_storage.exists(name):
                continue
            with (self.source / relative).open("rb") as handle:
                saved = default_storage.save(name, File(handle))
            if saved != name:
                raise RuntimeError(f"storage saved {name} as {saved}")

    def _insert(self, cursor: Any, entity: Entity, cls: str, bulk_load: bool) -> None:
        columns, values, joins = (
            ["id", "tenant_id", "legacy_id"],
            ["s.new_id", "c.tenant_id", "s.legacy_id"],
            [],
        )
        for f in entity.fields:
            columns.append(f.target)
            if f.kind == "ref":
                if sql.deferred(entity, f):
                    values.append("NULL")
                else:
                    value, join = sql.ref_join(f)
                    values.append(value)
                    joins.append(join)
            else:
                values.append(sql.load_value(f))
        for column, literal in entity.constants.items():
            columns.append(column)
            values.append(literal)
        # A table that was empty when the run started cannot hold a row with a staged legacy id (they
        # are unique across the source): no conflict to look for. Its unique index still checks.
        on_conflict = "" if bulk_load else "ON CONFLICT (tenant_id, legacy_id) DO NOTHING"
        order = ""
        # Every imported ticket brings its number (a required field): rather than the numbering
        # trigger's counter update per row, each tenant's counter moves once, after the insert.
        # The counting triggers would keep every inserted row in a transition table to count them;
        # the empty table is counted in one pass instead.
        paused = BULK_PAUSED_TRIGGERS.get(entity.name, ()) if bulk_load else ()
        for trigger in paused:
            cursor.execute(f"ALTER TABLE {entity.table} DISABLE TRIGGER {trigger}")
        if entity.name == "tickets" and not bulk_load:
            # Highest number first: the numbering trigger then moves each tenant's counter once.
            order = "ORDER BY c.tenant_id, s.number DESC"
        cursor.execute(
            f"INSERT INTO {entity.table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {entity.staging} s "
            f"JOIN {cls} c ON c.legacy_id = s.legacy_id AND c.action = 'create' {' '.join(joins)} {order} "
            f"{on_conflict}"
        )
        for trigger in paused:
            cursor.execute(f"ALTER TABLE {entity.table} ENABLE TRIGGER {trigger}")
        if entity.name == "tickets" and paused:
            cursor.execute(
                "UPDATE accounts_tenant t SET last_ticket_number = m.number "
                "FROM (SELECT tenant_id, max(number) AS number FROM tickets_ticket GROUP BY tenant_id) m "
                "WHERE t.id = m.tenant_id AND t.last_ticket_number < m.number"
            )
            ticket_counts_rebuild()
        elif entity.name == "ticket_tags" and paused:
            tag_counts_rebuild()

    def _update(self, cursor: Any, entity: Entity, cls: str) -> None:
        sets, joins = [], []
        for f in entity.fields:
            if f.kind == "ref":
                if sql.deferred(entity, f):
                    continue
                value, join = sql.ref_join(f)
                joins.append(join)
                sets.append(f"{f.target} = {value}")
            else:
                sets.append(f"{f.target} = {sql.load_value(f)}")
        cursor.execute(
            f"UPDATE {entity.table} d SET {', '.join(sets)} FROM {entity.staging} s "
            f"JOIN {cls} c ON c.legacy_id = s.legacy_id AND c.action = 'update' {' '.join(joins)} "
            f"WHERE d.id = c.target_id"
        )

    def _link(self, cursor: Any, entity: Entity, f: Any) -> None:
        value, join = sql.ref_join(f)
        cls = f"mig_cls_{entity.name}"
        cursor.execute(
            f"UPDATE {entity.table} d SET {f.target} = {value} FROM {entity.staging} s "
            f"JOIN {cls} c ON c.legacy_id = s.legacy_id AND c.action IN ('create', 'update') {join} "
            f"WHERE d.id = c.target_id AND d.{f.target} IS DISTINCT FROM {value}"
        )

    def _memberships(self, cursor: Any, cls: str) -> None:
        """A changed group's members become exactly the source's list."""
        members = staging.MEMBERS
        cursor.execute(
            f"DELETE FROM accounts_groupmembership m USING {cls} c "
            f"WHERE m.group_id = c.target_id AND c.action IN ('create', 'update') AND NOT EXISTS ("
            f"SELECT 1 FROM {members} gm JOIN accounts_user u ON u.tenant_id = c.tenant_id "
            f"AND u.legacy_id = gm.user_id WHERE gm.group_id = c.legacy_id AND u.id = m.user_id)"
        )
        cursor.execute(
            f"INSERT INTO accounts_groupmembership (id, tenant_id, group_id, user_id, created_at) "
            f"SELECT gm.new_id, c.tenant_id, c.target_id, u.id, now() FROM {members} gm "
            f"JOIN {cls} c ON c.legacy_id = gm.group_id AND c.action IN ('create', 'update') "
            f"JOIN accounts_user u ON u.tenant_id = c.tenant_id AND u.legacy_id = gm.user_id "
            f"ON CONFLICT (group_id, user_id) DO NOTHING"
        )

    # --- bookkeeping and audit --------------------------------------------------------------------
    def _remember(self, cursor: Any, entity: Entity, bulk_load: bool) -> None:
        """Store, per loaded row, the source hash and the checksum the row now has.

        That checksum is computed over the staged record, not read back from the row: a loaded row
        equals its transformed source record (``verify_migration`` proves it with this very pair
        of expressions), and reading 1M rows back through a join per reference cost as much as
        loading them.
        """
        cls = f"mig_cls_{entity.name}"
        on_conflict = (
            ""  # an empty table, without its unique key for now (see _suspend)
            if bulk_load
            else "ON CONFLICT (entity, tenant_id, legacy_id) DO UPDATE SET source_hash = "
            "EXCLUDED.source_hash, row_hash = EXCLUDED.row_hash, imported_at = EXCLUDED.imported_at"
        )
        cursor.execute(
            f"INSERT INTO supportdesk_importedrecord "
            f"(entity, tenant_id, legacy_id, source_hash, row_hash, imported_at) "
            f"SELECT '{entity.name}', c.tenant_id, c.legacy_id, c.src_hash, {sql.source_checksum(entity)}, "
            f"now() FROM {cls} c JOIN {entity.staging} s ON s.legacy_id = c.legacy_id "
            f"WHERE c.action IN ('create', 'update') {on_conflict}"
        )

    def _audit(self) -> None:
        """One entry per tenant and entity type this run changed; none when nothing changed."""
        changed = {*self.created_tenants, *(t for per_tenant in self.changes.values() for t in per_tenant)}
        tenants = {t.pk: t for t in Tenant.objects.filter(pk__in=changed)}
        # The import writes in SQL, around the services: drop what is cached about these tenants.
        for tenant_id in tenants:
            invalidate(tenant_id, REFERENCE)
            invalidate(tenant_id, TICKETS)
        for tenant_id in self.created_tenants:
            audit_record(
                tenant=tenants[tenant_id],
                actor=None,
                actor_label=ACTOR_LABEL,
                action="import.created",
                entity_type="tenant",
                entity_id=tenant_id,
                changes={"source": str(self.source)},
            )
        for name in self.only:
            for tenant_id, done in self.changes.get(name, {}).items():
                audit_record(
                    tenant=tenants[tenant_id],
                    actor=None,
                    actor_label=ACTOR_LABEL,
                    action="import.applied",
                    entity_type=name,
                    changes={
                        "created": done.get("create", 0),
                        "updated": done.get("update", 0),
                        "source": str(self.source),
                    },
                )
