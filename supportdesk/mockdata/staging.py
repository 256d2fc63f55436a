"""Staging: the whole source streamed into temporary tables with COPY, then checked in SQL.

Temporary tables live in the run's transaction (``ON COMMIT DROP``), so a killed or failed run
leaves nothing behind. Checks that need more than one record — duplicate ids, references,
tenants, uniqueness — are set-based queries here rather than dictionaries in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supportdesk.ids import new_id
from supportdesk.mockdata.feeder import Feed, FileRead
from supportdesk.mockdata.reader import ID_LENGTH, Problem, SourceUnreadable, has_nul, read_array
from supportdesk.mockdata.spec import BY_NAME, ENTITIES, ORDER, SQL_TYPES, TENANTS_FILE, Entity

Progress = Callable[[str, int, int], None]

MEMBERS = "mig_stg_group_members"
PROBLEMS = "mig_problems"
TENANTS = "mig_stg_tenants"
# Statistics target for the temporary tables (PostgreSQL's default is 100: a 30,000-row sample).
TEMP_STATISTICS = 30
TENANT_NAME_LENGTH = 200  # accounts_tenant.name


def staging_columns(entity: Entity) -> list[str]:
    return ["_n", "new_id", "legacy_id", "tenant", *(f.column for f in entity.fields), "src_hash", "valid"]


def analysed_columns(entity: Entity) -> list[str]:
    columns = ["legacy_id", "tenant", "valid", *(f.column for f in entity.refs())]
    columns += [c for unique in entity.unique_live for c in unique if c not in columns]
    columns += [
        f.column for f in entity.fields if f.column in ("is_deleted", "number", "name", "email", "sha256")
    ]
    return [f'"{c}"' for c in dict.fromkeys(columns)]


def _create(cursor: Any, table: str, columns_sql: str) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMP TABLE {table} ({columns_sql}) ON COMMIT DROP")


def create_tables(cursor: Any) -> None:
    for entity in ENTITIES:
        cols = ", ".join(f'"{f.column}" {SQL_TYPES[f.kind]}' for f in entity.fields)
        _create(
            cursor,
            entity.staging,
            f"_n integer, new_id uuid, legacy_id text, tenant text, {cols}, src_hash text, valid boolean",
        )
    _create(cursor, MEMBERS, "group_id text, tenant text, user_id text, new_id uuid")
    _create(
        cursor,
        PROBLEMS,
        "step integer, file text, record text, field text, problem text, idx integer, dependant boolean",
    )
    _create(cursor, TENANTS, "legacy_id text, name text")


@dataclass
class Staged:
    """What staging found: records read per entity, and every problem."""

    read: dict[str, int] = field(default_factory=dict)
    unreadable: list[Problem] = field(default_factory=list)


def _add_problems(cursor: Any, problems: Iterable[Problem], dependant: bool = False) -> None:
    with cursor.copy(
        f"COPY {PROBLEMS} (step, file, record, field, problem, idx, dependant) FROM STDIN"
    ) as copy:
        for p in problems:
            step = ORDER.get(p.file.removesuffix(".json"), -1)
            copy.write_row((step, p.file, p.record, p.field, p.problem, p.index, dependant))


def stage_source(cursor: Any, source: Path, progress: Progress | None = None) -> Staged:
    """Stream every file into its staging table. Unreadable files are collected, not raised.

    The files are parsed by reader processes (``feeder.py``) while this one feeds their COPY text
    to PostgreSQL, so parsing and ingesting run on every core at once. Each chunk is a COPY of its
    own: chunks of files read in parallel arrive interleaved. Progress is still shown file by file,
    in step order.
    """
    create_tables(cursor)
    staged = Staged()
    found: dict[str, FileRead] = {}
    shown = _InOrder(progress)
    with Feed(source) as feed:
        for kind, name, payload in feed:
            entity = BY_NAME[name]
            if kind == "rows":
                columns = ", ".join(f'"{c}"' for c in staging_columns(entity))
                with cursor.copy(f"COPY {entity.staging} ({columns}) FROM STDIN") as copy:
                    copy.write(payload)
            elif kind == "progress":
                shown.update(name, payload)
            else:
                found[name] = payload
                _file_staged(cursor, entity, payload, staged)
                shown.finish(name)
    for entity in ENTITIES:  # in step order, as reading one file after another reported them
        unreadable = found[entity.name].unreadable
        if unreadable is not None:
            staged.unreadable.append(unreadable)
    _stage_tenants(cursor, source, staged)
    _add_problems(cursor, staged.unreadable)
    return staged


def analyze_temporary(cursor: Any, table: str, columns: list[str] | None = None) -> None:
    """Statistics for a temporary table of this run (autovacuum never analyses those).

    The joins over them need row counts and how distinct the keys are, which a sample of 9,000
    rows gives as well as the default 30,000, at a third of the cost.
    """
    cursor.execute(f"SET LOCAL default_statistics_target = {TEMP_STATISTICS}")
    cursor.execute(f"ANALYZE {table} ({', '.join(columns)})" if columns else f"ANALYZE {table}")
    cursor.execute("SET LOCAL default_statistics_target TO DEFAULT")


def _file_staged(cursor: Any, entity: Entity, found: FileRead, staged: Staged) -> None:
    staged.read[entity.name] = found.count
    # The checks and the load join the staging tables at scale. Only the columns they join, group
    # or filter on: the long texts would cost most to sample.
    analyze_temporary(cursor, entity.staging, analysed_columns(entity))
    if found.members:
        with cursor.copy(f"COPY {MEMBERS} (group_id, tenant, user_id, new_id) FROM STDIN") as copy:
            for member in found.members:
                copy.write_row((*member, new_id()))
    _add_problems(cursor, found.problems)


class _InOrder:
    """Passes on the readers' progress one file at a time, in step order."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.latest: dict[str, tuple[int, int]] = {}
        self.finished: set[str] = set()
        self.current = 0

    def update(self, name: str, done_total: tuple[int, int]) -> None:
        self.latest[name] = done_total
        self._show()

    def finish(self, name: str) -> None:
        self.finished.add(name)
        self._show()

    def _show(self) -> None:
        while self.current < len(ENTITIES):
            name = ENTITIES[self.current].name
            if name in self.latest and self.progress is not None:
                self.progress(name, *self.latest.pop(name))
            if name not in self.finished:
                return
            self.current += 1


def _stage_tenants(cursor: Any, source: Path, staged: Staged) -> None:
    path = source / TENANTS_FILE
    if not path.exists():
        return

    seen: set[str] = set()

    def convert(record: Any, index: int) -> tuple[str, str] | Problem:
        if not (
            isinstance(record, dict)
            and isinstance(record.get("id"), str)
            and record["id"].strip()
            and isinstance(record.get("name"), str)
            and record["name"].strip()
        ):
            return Problem(TENANTS_FILE, None, None, "expected {id, name}", index)
        rid, name = record["id"], record["name"]
        for key, value, limit in (("id", rid, ID_LENGTH), ("name", name, TENANT_NAME_LENGTH)):
            if has_nul(value) or len(value) > limit:
                found = "contains a NUL character" if has_nul(value) else f"longer than {limit} characters"
                return Problem(TENANTS_FILE, rid[:ID_LENGTH].replace("\x00", "\\u0000"), key, found, index)
        if rid in seen:
            return Problem(TENANTS_FILE, rid, "id", "duplicate id (the tenant is listed twice)", index)
        seen.add(rid)
        return (rid, name)

    with cursor.copy(f"COPY {TENANTS} (legacy_id, name) FROM STDIN") as copy:
        try:
            for item in read_array(path, TENANTS_FILE, convert):
                if isinstance(item, Problem):
                    staged.unreadable.append(item)
                else:
                    copy.write_row(item)
        except SourceUnreadable as exc:
            staged.unreadable.append(exc.problem)


def _problem_sql(entity: Entity, select: str, field: str, problem_sql: str) -> str:
    """INSERT the problems that ``select`` (aliasing the staging row as ``s``) finds."""
    return (
        f"INSERT INTO {PROBLEMS} (step, file, record, field, problem, idx, dependant) "
        f"SELECT {ORDER[entity.name]}, '{entity.file}', s.legacy_id, '{field}', {problem_sql}, s._n, false "
        f"{select}"
    )


def check(cursor: Any) -> None:
    """Every cross-record rule, as SQL over the staging tables; findings go to the problems table."""
    _resolve_department_names(cursor)
    # Ids used more than once, anywhere: one hash aggregate finds them (usually none); then only
    # their records are listed, each naming every file its id appears in.
    ids = " UNION ALL ".join(f"SELECT legacy_id FROM {e.staging}" for e in ENTITIES)
    cursor.execute(f"SELECT legacy_id FROM ({ids}) u GROUP BY legacy_id HAVING count(*) > 1")
    duplicates = [row[0] for row in cursor.fetchall()]
    if duplicates:
        records = " UNION ALL ".join(
            f"SELECT legacy_id, '{e.name}' AS entity, {ORDER[e.name]} AS step, _n FROM {e.staging} "
            f"WHERE legacy_id = ANY(%(ids)s)"
            for e in ENTITIES
        )
        cursor.execute(
            f"INSERT INTO {PROBLEMS} (step, file, record, field, problem, idx, dependant) "
            f"SELECT -1, entity || '.json', legacy_id, 'id', 'duplicate id (' || count(*) OVER w "
            f"|| ' records with this id in: ' || string_agg(entity, ', ') OVER w || ')', _n, false "
            f"FROM ({records}) r WINDOW w AS (PARTITION BY legacy_id ORDER BY step, _n "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)",
            {"ids": duplicates},
        )
    for entity in ENTITIES:
        _check_references(cursor, entity)
        for columns in entity.unique_live:
            _check_unique(cursor, entity, columns)
    _check_specific(cursor)


def check_outside(cursor: Any, only: tuple[str, ...]) -> None:
    """With ``--only``, a reference to a step left out must name a row already in the database.

    Otherwise it would be loaded as empty (a user without their department, a contact without
    their company) and stay so: the next full run finds the record unchanged.
    """
    for entity in ENTITIES:
        if entity.name not in only:
            continue
        outside = [f for f in entity.refs() if f.ref not in only]
        if entity.name == "groups" and "users" not in only:
            cursor.execute(
                f"INSERT INTO {PROBLEMS} (step, file, record, field, problem, idx, dependant) "
                f"SELECT {ORDER['groups']}, '{entity.file}', m.group_id, 'memberIds', "
                f"'refers to ' || m.user_id || ', which is not in the database "
                f"(users is not a step of this run)', "
                f"g._n, false FROM {MEMBERS} m JOIN {entity.staging} g ON g.legacy_id = m.group_id "
                f"LEFT JOIN accounts_tenant tn ON tn.legacy_id = m.tenant "
                f"WHERE NOT EXISTS (SELECT FROM accounts_user d "
                f"WHERE d.tenant_id = tn.id AND d.legacy_id = m.user_id)"
            )
        for f in outside:
            target = BY_NAME[f.ref or ""]
            cursor.execute(
                _problem_sql(
                    entity,
                    f"FROM {entity.staging} s LEFT JOIN accounts_tenant tn ON tn.legacy_id = s.tenant "
                    f"WHERE s.{f.column} IS NOT NULL AND NOT EXISTS (SELECT FROM {target.table} d "
                    f"WHERE d.tenant_id = tn.id AND d.legacy_id = s.{f.column})",
                    f.key,
                    f"'refers to ' || s.{f.column} || ', which is not in the database "
                    f"({target.name} is not a step of this run)'",
                )
            )


def _check_references(cursor: Any, entity: Entity) -> None:
    """Every reference of ``entity``'s records: to a record that is missing, or of another tenant.

    One pass over the staging table, one join per reference: a table bigger than the temporary
    buffers is read from the OS again by every scan, so a scan per reference cost more than the joins.
    """
    refs = entity.refs()
    if not refs:
        return
    joins, bad, findings = [], [], []
    for i, f in enumerate(refs):
        target = BY_NAME[f.ref or ""]
        joins.append(f"LEFT JOIN {target.staging} t{i} ON t{i}.legacy_id = s.{f.column}")
        bad.append(f"s.{f.column} IS NOT NULL AND (t{i}.legacy_id IS NULL OR t{i}.tenant <> s.tenant)")
        findings.append(
            f"('{f.key}', CASE WHEN s.{f.column} IS NULL THEN NULL WHEN t{i}.legacy_id IS NULL "
            f"THEN 'refers to ' || s.{f.column} || ', which is not in {target.file}' "
            f"WHEN t{i}.tenant <> s.tenant THEN 'refers to ' || s.{f.column} "
            f"|| ', a record of another tenant (' || t{i}.tenant || ')' END)"
        )
    cursor.execute(
        f"INSERT INTO {PROBLEMS} (step, file, record, field, problem, idx, dependant) "
        f"SELECT {ORDER[entity.name]}, '{entity.file}', s.legacy_id, p.field, p.problem, s._n, false "
        f"FROM {entity.staging} s {' '.join(joins)} "
        f"CROSS JOIN LATERAL (VALUES {', '.join(findings)}) p (field, problem) "
        f"WHERE (({') OR ('.join(bad)})) AND p.problem IS NOT NULL"
    )


def _resolve_department_names(cursor: Any) -> None:
    """A user's ``department`` may name a department instead of giving its id."""
    cursor.execute(
        "UPDATE mig_stg_users u SET department = d.legacy_id FROM ("
        " SELECT DISTINCT ON (tenant, lower(name)) tenant, lower(name) AS lname, legacy_id"
        " FROM mig_stg_departments ORDER BY tenant, lower(name), is_deleted, _n) d "
        "WHERE d.tenant = u.tenant AND d.lname = lower(btrim(u.department)) "
        "AND NOT EXISTS (SELECT 1 FROM mig_stg_departments x WHERE x.legacy_id = u.department)"
    )


def _check_unique(cursor: Any, entity: Entity, columns: tuple[str, ...]) -> None:
    keys = ", ".join(f"lower(s.{c}::text)" for c in columns)
    not_blank = " AND ".join(f"s.{c}::text <> ''" for c in columns)
    # A user signs in by email, so an email is unique among the live users of every tenant.
    scope = "" if entity.name == "users" else "s.tenant, "
    live = "NOT s.is_deleted AND " if entity.has_soft_delete else ""
    label = " and ".join(columns)
    cursor.execute(
        _problem_sql(
            entity,
            f"FROM (SELECT s.*, count(*) OVER (PARTITION BY {scope}{keys}) AS copies "
            f"FROM {entity.staging} s WHERE {live}{not_blank}) s WHERE s.copies > 1",
            columns[-1],
            f"'{label} ' || quote_literal(s.{columns[-1]}) || ' is used by ' || s.copies || "
            f"' {'live ' if entity.has_soft_delete else ''}records"
            f"{'' if entity.name == 'users' else ' of this tenant'}'",
        )
    )


def _check_specific(cursor: Any) -> None:
    users, tickets = BY_NAME["users"], BY_NAME["tickets"]
    cursor.execute(
        _problem_sql(
            users,
            "FROM mig_stg_users s JOIN accounts_user u ON lower(u.email) = s.email AND NOT u.is_deleted "
            "LEFT JOIN accounts_tenant t ON t.id = u.tenant_id "
            "WHERE NOT s.is_deleted AND (u.legacy_id IS DISTINCT FROM s.legacy_id "
            "OR t.legacy_id IS DISTINCT FROM s.tenant)",
            "email",
            "'email ' || s.email || ' already belongs to another user of the desk'",
        )
    )
    cursor.execute(
        _problem_sql(
            tickets,
            "FROM (SELECT s.*, count(*) OVER (PARTITION BY tenant, number) AS copies "
            "FROM mig_stg_tickets s WHERE number IS NOT NULL) s WHERE s.copies > 1",
            "number",
            "'ticket number ' || s.number || ' is used by ' || s.copies || ' tickets of this tenant'",
        )
    )
    cursor.execute(
        _problem_sql(
            tickets,
            "FROM mig_stg_tickets s JOIN mig_stg_subcategories c ON c.legacy_id = s.subcategory "
            "WHERE c.category IS DISTINCT FROM s.category",
            "subcategoryId",
            "'subcategory ' || s.subcategory || ' belongs to category ' || coalesce(c.category, '?') "
            "|| ', not ' || coalesce(s.category, 'none')",
        )
    )
    cursor.execute(
        _problem_sql(
            BY_NAME["attachments"],
            "FROM mig_stg_attachments s JOIN mig_stg_ticket_comments c ON c.legacy_id = s.comment "
            "WHERE c.ticket IS DISTINCT FROM s.ticket",
            "commentId",
            "'comment ' || s.comment || ' belongs to ticket ' || coalesce(c.ticket, '?') "
            "|| ', not ' || s.ticket",
        )
    )
    groups = BY_NAME["groups"]
    cursor.execute(
        f"INSERT INTO {PROBLEMS} (step, file, record, field, problem, idx, dependant) "
        f"SELECT {ORDER['groups']}, '{groups.file}', m.group_id, 'memberIds', "
        f"CASE WHEN u.legacy_id IS NULL THEN 'refers to ' || m.user_id || ', which is not in users.json' "
        f"ELSE 'refers to ' || m.user_id || ', a record of another tenant (' || u.tenant || ')' END, "
        f"g._n, false "
        f"FROM {MEMBERS} m JOIN mig_stg_groups g ON g.legacy_id = m.group_id "
        f"LEFT JOIN mig_stg_users u ON u.legacy_id = m.user_id "
        f"WHERE u.legacy_id IS NULL OR u.tenant <> m.tenant"
    )


def reject(cursor: Any) -> None:
    """Mark every record with a problem invalid, then everything that depends on one, transitively."""
    cursor.execute(f"SELECT EXISTS (SELECT FROM {PROBLEMS})")
    if not cursor.fetchone()[0]:
        return  # a record is invalid only because of a problem: with none, there is nothing to do
    for entity in ENTITIES:
        cursor.execute(
            f"UPDATE {entity.staging} s SET valid = false FROM {PROBLEMS} p "
            f"WHERE p.file = '{entity.file}' AND p.record = s.legacy_id AND s.valid"
        )
    changed = True
    while changed:
        changed = False
        for entity in ENTITIES:
            deps: list[tuple[str, str | None, Entity]] = [
                (f.key, f.column, BY_NAME[f.ref or ""]) for f in entity.refs()
            ]
            if entity.name == "groups":
                deps.append(("memberIds", None, BY_NAME["users"]))
            for key, column, target in deps:
                if column is None:
                    join = (
                        f"FROM {MEMBERS} m JOIN {target.staging} t ON t.legacy_id = m.user_id "
                        f"WHERE m.group_id = s.legacy_id AND"
                    )
                    ref = "t.legacy_id"
                else:
                    join = f"FROM {target.staging} t WHERE t.legacy_id = s.{column} AND"
                    ref = f"s.{column}"
                cursor.execute(
                    f"WITH hit AS (UPDATE {entity.staging} s SET valid = false "
                    f"{join} NOT t.valid AND s.valid "
                    f"RETURNING s.legacy_id, s._n, {ref} AS ref) "
                    f"INSERT INTO {PROBLEMS} (step, file, record, field, problem, idx, dependant) "
                    f"SELECT {ORDER[entity.name]}, '{entity.file}', legacy_id, '{key}', "
                    f"'depends on rejected {target.name} record ' || ref, _n, true FROM hit"
                )
                changed = changed or cursor.rowcount > 0


def problems(cursor: Any, dependants: bool = True) -> list[Problem]:
    cursor.execute(
        f"SELECT DISTINCT file, record, field, problem, idx, step FROM {PROBLEMS} "
        f"{'' if dependants else 'WHERE NOT dependant'} ORDER BY step, file, idx, record, field, problem"
    )
    return [
        Problem(file, record, fld, problem, idx) for file, record, fld, problem, idx, _ in cursor.fetchall()
    ]
