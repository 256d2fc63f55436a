"""SQL built from the spec: how a staging row loads into its table, and how a row is checksummed.

The same checksum expression serves the loader (to notice desk edits since the last import) and
the verifier (to prove every loaded row equals its transformed source record). References are
compared by the legacy id of the row they point at, so the checksum means the same on both sides.
"""

from __future__ import annotations

from supportdesk.mockdata.spec import BY_NAME, ORDER, REF, Entity, Field


def deferred(entity: Entity, f: Field) -> bool:
    """A reference to a record loaded in the same or a later step is linked after that step."""
    return f.kind == REF and ORDER[f.ref or ""] >= ORDER[entity.name]


def checksum_fields(entity: Entity) -> list[Field]:
    return [f for f in entity.fields if f.checksum]


def source_checksum(entity: Entity, alias: str = "s") -> str:
    parts = ", ".join(f"{alias}.{f.column}" for f in checksum_fields(entity))
    return f"md5(ROW({parts}, {alias}.tenant)::text)"


def db_checksum(entity: Entity, alias: str = "d") -> tuple[str, str]:
    """(expression, joins): the checksum of target row ``alias`` with references as legacy ids."""
    parts, joins = [], []
    for f in checksum_fields(entity):
        if f.kind == REF:
            ref = f"r_{f.column}"
            joins.append(f"LEFT JOIN {BY_NAME[f.ref or ''].table} {ref} ON {ref}.id = {alias}.{f.target}")
            parts.append(f"{ref}.legacy_id::text")
        elif f.read_sql:
            parts.append(f.read_sql.replace("d.", f"{alias}."))
        else:
            parts.append(f"{alias}.{f.target}")
    joins.append(f"JOIN accounts_tenant r_tenant ON r_tenant.id = {alias}.tenant_id")
    return f"md5(ROW({', '.join(parts)}, r_tenant.legacy_id::text)::text)", " ".join(joins)


def ref_join(f: Field) -> tuple[str, str]:
    """(value, join) resolving staging reference ``s.<column>`` to the target row's id."""
    ref = f"r_{f.column}"
    table = BY_NAME[f.ref or ""].table
    return (
        f"{ref}.id",
        f"LEFT JOIN {table} {ref} ON {ref}.tenant_id = c.tenant_id AND {ref}.legacy_id = s.{f.column}",
    )


def load_value(f: Field) -> str:
    return f.load_sql or f"s.{f.column}"
