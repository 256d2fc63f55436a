"""Proof that the database holds the source: counts, tenants, relationships, checksums, passwords.

The source is staged exactly as the loader stages it (same reader, same normalisation), so the
comparison is "database row vs transformed source record", set-based in PostgreSQL. Only rows that
came from an import (with a ``legacy_id``) are compared: rows created in the desk since are not.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.files.storage import default_storage
from django.db import connection, transaction

from supportdesk.mockdata import sql, staging
from supportdesk.mockdata.reader import Problem
from supportdesk.mockdata.spec import BY_NAME, ENTITIES, REF, Entity


@dataclass(frozen=True)
class Mismatch:
    """One way the database differs from the source, naming the entity and the record."""

    entity: str
    legacy_id: str | None
    check: str  # count | missing | extra | tenant | relationship | checksum | password | file
    detail: str

    def __str__(self) -> str:
        return f"{self.entity} {self.legacy_id or ''} [{self.check}] {self.detail}".replace("  ", " ")


@dataclass
class CountRow:
    entity: str
    tenant: str
    source_live: int
    source_deleted: int
    db_live: int
    db_deleted: int

    @property
    def ok(self) -> bool:
        return (self.source_live, self.source_deleted) == (self.db_live, self.db_deleted)


@dataclass
class VerifyReport:
    counts: list[CountRow] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    source_problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(row.ok for row in self.counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": [{**asdict(row), "ok": row.ok} for row in self.counts],
            "mismatches": [asdict(m) for m in self.mismatches],
            "source_problems": [p.as_dict() for p in self.source_problems],
        }


def verify(source: Path) -> VerifyReport:
    report = VerifyReport()
    with transaction.atomic(), connection.cursor() as cursor:
        staged = staging.stage_source(cursor, source)
        staging.check(cursor)
        staging.reject(cursor)
        report.source_problems = [*staged.unreadable, *staging.problems(cursor)]
        for entity in ENTITIES:
            _counts(cursor, entity, report)
            _rows(cursor, entity, report)
            _tenants(cursor, entity, report)
            _relationships(cursor, entity, report)
            _checksums(cursor, entity, report)
        _members(cursor, report)
        _passwords(cursor, report)
        _files(cursor, report)
        transaction.set_rollback(True)
    return report


def _matched(entity: Entity) -> str:
    """Staging rows ``s`` joined to their database rows ``d``."""
    return (
        f"FROM {entity.staging} s JOIN accounts_tenant tn ON tn.legacy_id = s.tenant "
        f"JOIN {entity.table} d ON d.tenant_id = tn.id AND d.legacy_id = s.legacy_id"
    )


def _counts(cursor: Any, entity: Entity, report: VerifyReport) -> None:
    deleted = "is_deleted" if entity.has_soft_delete else "false"
    db_deleted = "d.is_deleted" if entity.has_soft_delete else "false"
    cursor.execute(
        f"SELECT coalesce(a.tenant, b.tenant), coalesce(a.live, 0), coalesce(a.deleted, 0), "
        f"coalesce(b.live, 0), coalesce(b.deleted, 0) FROM "
        f"(SELECT tenant, count(*) FILTER (WHERE NOT {deleted}) AS live, "
        f"count(*) FILTER (WHERE {deleted}) AS deleted "
        f" FROM {entity.staging} WHERE valid GROUP BY tenant) a FULL JOIN "
        f"(SELECT coalesce(t.legacy_id, t.slug) AS tenant, count(*) FILTER (WHERE NOT {db_deleted}) AS live, "
        f" count(*) FILTER (WHERE {db_deleted}) AS deleted FROM {entity.table} d "
        f" JOIN accounts_tenant t ON t.id = d.tenant_id WHERE d.legacy_id IS NOT NULL GROUP BY 1) b "
        f"ON a.tenant = b.tenant ORDER BY 1"
    )
    for tenant, s_live, s_del, d_live, d_del in cursor.fetchall():
        report.counts.append(CountRow(entity.name, tenant, s_live, s_del, d_live, d_del))


def _rows(cursor: Any, entity: Entity, report: VerifyReport) -> None:
    cursor.execute(
        f"SELECT s.legacy_id FROM {entity.staging} s LEFT JOIN accounts_tenant tn ON tn.legacy_id = s.tenant "
        f"LEFT JOIN {entity.table} d ON d.tenant_id = tn.id AND d.legacy_id = s.legacy_id "
        f"WHERE s.valid AND d.id IS NULL ORDER BY s._n"
    )
    report.mismatches += [
        Mismatch(entity.name, r, "missing", "not in the database") for (r,) in cursor.fetchall()
    ]
    cursor.execute(
        f"SELECT d.legacy_id FROM {entity.table} d JOIN accounts_tenant tn ON tn.id = d.tenant_id "
        f"WHERE d.legacy_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {entity.staging} s "
        f"WHERE s.legacy_id = d.legacy_id AND s.tenant = tn.legacy_id AND s.valid) ORDER BY d.legacy_id"
    )
    report.mismatches += [
        Mismatch(entity.name, r, "extra", "imported row that is not in the source")
        for (r,) in cursor.fetchall()
    ]


def _tenants(cursor: Any, entity: Entity, report: VerifyReport) -> None:
    for f in entity.refs():
        target = BY_NAME[f.ref or ""]
        cursor.execute(
            f"SELECT d.legacy_id, r.legacy_id FROM {entity.table} d "
            f"JOIN {target.table} r ON r.id = d.{f.target} "
            f"WHERE d.legacy_id IS NOT NULL AND r.tenant_id <> d.tenant_id"
        )
        report.mismatches += [
            Mismatch(entity.name, rid, "tenant", f"{f.key} points at {target.name} {ref} of another tenant")
            for rid, ref in cursor.fetchall()
        ]


def _relationships(cursor: Any, entity: Entity, report: VerifyReport) -> None:
    for f in entity.refs():
        target = BY_NAME[f.ref or ""]
        cursor.execute(
            f"SELECT s.legacy_id, s.{f.column}, r.legacy_id {_matched(entity)} "
            f"LEFT JOIN {target.table} r ON r.id = d.{f.target} "
            f"WHERE s.valid AND s.{f.column} IS DISTINCT FROM r.legacy_id ORDER BY s._n"
        )
        report.mismatches += [
            Mismatch(
                entity.name,
                rid,
                "relationship",
                f"{f.key}: source names {want or 'none'}, database has {got or 'none'}",
            )
            for rid, want, got in cursor.fetchall()
        ]


def _checksums(cursor: Any, entity: Entity, report: VerifyReport) -> None:
    checksum, joins = sql.db_checksum(entity)
    differs = []
    for f in sql.checksum_fields(entity):
        db_value = f"r_{f.column}.legacy_id" if f.kind == REF else f.read_sql or f"d.{f.target}"
        differs.append(f"CASE WHEN s.{f.column} IS DISTINCT FROM {db_value} THEN '{f.key}' END")
    cursor.execute(
        f"SELECT s.legacy_id, array_to_string(ARRAY[{', '.join(differs)}], ', ') {_matched(entity)} {joins} "
        f"WHERE s.valid AND {sql.source_checksum(entity)} <> {checksum} ORDER BY s._n"
    )
    report.mismatches += [
        Mismatch(entity.name, rid, "checksum", f"values differ from the source: {fields or 'row checksum'}")
        for rid, fields in cursor.fetchall()
    ]


def _members(cursor: Any, report: VerifyReport) -> None:
    groups = BY_NAME["groups"]
    cursor.execute(
        f"WITH src AS (SELECT m.group_id, m.user_id FROM {staging.MEMBERS} m "
        f" JOIN {groups.staging} g ON g.legacy_id = m.group_id AND g.valid), "
        f"db AS (SELECT g.legacy_id AS group_id, u.legacy_id AS user_id FROM accounts_groupmembership gm "
        f" JOIN accounts_group g ON g.id = gm.group_id JOIN accounts_user u ON u.id = gm.user_id "
        f" WHERE g.legacy_id IS NOT NULL "
        f" AND EXISTS (SELECT 1 FROM {groups.staging} s WHERE s.legacy_id = g.legacy_id)) "
        f"SELECT coalesce(src.group_id, db.group_id), src.user_id, db.user_id FROM src "
        f"FULL JOIN db ON db.group_id = src.group_id AND db.user_id = src.user_id "
        f"WHERE src.user_id IS NULL OR db.user_id IS NULL ORDER BY 1"
    )
    for group, want, got in cursor.fetchall():
        detail = (
            f"member {want} is missing" if want else f"member {got or 'unknown user'} is not in the source"
        )
        report.mismatches.append(Mismatch("groups", group, "relationship", detail))


def _passwords(cursor: Any, report: VerifyReport) -> None:
    """Salted hashes differ on every hashing, so each is checked with the hasher instead."""
    cursor.execute(
        f"SELECT s.legacy_id, s.password, d.password {_matched(BY_NAME['users'])} WHERE s.valid ORDER BY s._n"
    )
    for rid, plain, hashed in cursor.fetchall():
        if not check_password(plain, hashed):
            report.mismatches.append(Mismatch("users", rid, "password", "password does not match the source"))


def _files(cursor: Any, report: VerifyReport) -> None:
    cursor.execute(
        f"SELECT min(s.legacy_id), d.file, d.sha256 {_matched(BY_NAME['attachments'])} WHERE s.valid "
        f"GROUP BY d.file, d.sha256 ORDER BY 1"
    )
    for rid, name, sha in cursor.fetchall():
        if not default_storage.exists(name):
            report.mismatches.append(Mismatch("attachments", rid, "file", f"stored file {name} is missing"))
            continue
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as handle:
            while chunk := handle.read(1 << 16):
                digest.update(chunk)
        if digest.hexdigest() != sha:
            report.mismatches.append(
                Mismatch("attachments", rid, "file", f"stored file {name} does not match its sha256")
            )
