"""Reversible SQL for integrity Django cannot express: same-tenant foreign keys and triggers.

Used from migrations only. Django 5.2 has no composite foreign keys, so each reference between two
tenant-owned tables also gets ``FOREIGN KEY (col, tenant_id) REFERENCES other (id, tenant_id)``.
It is NOT DEFERRABLE: a cross-tenant reference fails at the statement, as an IntegrityError.
"""

from __future__ import annotations

from django.db import migrations


def same_tenant_fk(table: str, column: str, ref_table: str) -> migrations.RunSQL:
    """``(column, tenant_id)`` of ``table`` must name a row of ``ref_table`` in the same tenant."""
    name = f"{table}_{column}_same_tenant_fk"[:63]
    return migrations.RunSQL(
        sql=(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}", "tenant_id") '
            f'REFERENCES "{ref_table}" ("id", "tenant_id") NOT DEFERRABLE'
        ),
        reverse_sql=f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"',
    )


def composite_fk(
    table: str, columns: tuple[str, str], ref_table: str, ref_columns: tuple[str, str]
) -> migrations.RunSQL:
    """A general two-column foreign key (e.g. a ticket's subcategory must belong to its category)."""
    name = f"{table}_{'_'.join(columns)}_fk"[:63]
    cols = ", ".join(f'"{c}"' for c in columns)
    ref_cols = ", ".join(f'"{c}"' for c in ref_columns)
    return migrations.RunSQL(
        sql=(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ({cols}) '
            f'REFERENCES "{ref_table}" ({ref_cols}) NOT DEFERRABLE'
        ),
        reverse_sql=f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"',
    )
