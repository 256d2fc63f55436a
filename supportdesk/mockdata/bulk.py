"""The initial-load path: fill an empty table without its foreign keys and secondary indexes.

Inserting into a table with every index and foreign key in place costs a lookup per foreign key
and an insertion per index, for every row (the Django foreign keys are also deferred, so each row
queues checks for the commit). Building an index once over the loaded rows, and checking a foreign
key with one join, is several times cheaper. So, for a table that is empty when the run starts
and gets many rows, the loader drops its foreign keys and the indexes that back no constraint,
inserts, and recreates both from the definitions PostgreSQL itself printed for them
(``pg_get_indexdef`` / ``pg_get_constraintdef``), under the same names.

Everything happens inside the run's transaction: DDL is transactional in PostgreSQL, so a failure
or a SIGKILL at any point rolls the dropped objects back with the rows. Recreating a foreign key or
a unique index checks every row, so nothing the import writes escapes the constraints. Primary
keys and UNIQUE constraints stay in place (other tables' foreign keys need them), as do CHECK
constraints and triggers; the loader's bookkeeping table, which nothing points at, also gives up
its unique key for the load (``suspend(…, uniques=True)``).

The price: ``DROP INDEX`` and ``DROP CONSTRAINT`` take an ACCESS EXCLUSIVE lock on the table (and
a foreign key's removal locks the table it points at) until the commit, so the desk cannot use
those tables while the import runs. That is why the path is only taken for empty tables, i.e. an
initial load, where nothing in the desk can use them yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Below this many new rows the per-row costs are smaller than rebuilding the indexes.
MIN_ROWS = 5000


@dataclass
class Suspended:
    """What was dropped from ``table``, to be recreated exactly."""

    table: str
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX …)
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)  # (name, FOREIGN KEY …)
    uniques: list[tuple[str, str]] = field(default_factory=list)  # (name, UNIQUE …)


def is_empty(cursor: Any, table: str) -> bool:
    cursor.execute(f'SELECT NOT EXISTS (SELECT FROM "{table}")')
    return bool(cursor.fetchone()[0])


def definitions(cursor: Any, table: str, uniques: bool = False) -> Suspended:
    """The foreign keys of ``table`` and its indexes that back no PRIMARY KEY/UNIQUE/EXCLUDE.

    With ``uniques``, also its UNIQUE constraints that no foreign key points at.
    """
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid "
        "AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')) ORDER BY 1",
        [table],
    )
    indexes = [(name, sql) for name, sql in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY 1",
        [table],
    )
    foreign_keys = [(name, sql) for name, sql in cursor.fetchall()]
    unique: list[tuple[str, str]] = []
    if uniques:
        cursor.execute(
            "SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "WHERE k.conrelid = %s::regclass AND k.contype = 'u' AND NOT EXISTS ("
            "SELECT FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid) ORDER BY 1",
            [table],
        )
        unique = [(name, sql) for name, sql in cursor.fetchall()]
    return Suspended(table, indexes, foreign_keys, unique)


def suspend(cursor: Any, table: str, uniques: bool = False) -> Suspended:
    """Drop the foreign keys and non-constraint indexes of ``table``; return how to recreate them.

    With ``uniques`` its unreferenced UNIQUE constraints go too, for a table whose rows are known
    to be unique and that nothing inserts into with ``ON CONFLICT`` meanwhile; recreating them
    checks every row.
    """
    suspended = definitions(cursor, table, uniques)
    # ALTER TABLE refuses a table with deferred foreign-key checks still queued in this transaction
    # (rows inserted by earlier steps): run those checks now. Later statements check theirs at the
    # end of each statement instead of at the commit; the outcome is the same.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    if suspended.foreign_keys or suspended.uniques:
        drops = ", ".join(
            f'DROP CONSTRAINT "{name}"' for name, _ in [*suspended.foreign_keys, *suspended.uniques]
        )
        cursor.execute(f'ALTER TABLE "{table}" {drops}')
    for name, _ in suspended.indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return suspended


def restore(cursor: Any, suspended: Suspended) -> None:
    """Recreate what ``suspend`` dropped (checking every row), then give the planner statistics."""
    for _, sql in suspended.indexes:
        cursor.execute(sql)
    if suspended.foreign_keys or suspended.uniques:
        adds = ", ".join(
            f'ADD CONSTRAINT "{name}" {sql}' for name, sql in [*suspended.uniques, *suspended.foreign_keys]
        )
        cursor.execute(f'ALTER TABLE "{suspended.table}" {adds}')
    # The next steps join this table; ANALYZE sees this transaction's own rows.
    cursor.execute(f'ANALYZE "{suspended.table}" (id, tenant_id, legacy_id)')
