from django.db import migrations


class Migration(migrations.Migration):
    """Each ticket's creating transaction, for counts raised by new tickets (tickets.arrivals).

    ``created_xid`` is the id of the transaction that inserted the ticket (``pg_current_xact_id()``,
    64-bit: it never wraps), set by the column's default and never changed. It is not a model field:
    nothing but tickets.arrivals reads it, and no ticket read should carry it. Existing tickets keep
    NULL (they are in every count made after this migration), so adding it rewrites nothing; the
    index is built CONCURRENTLY, as tickets.0011's, while ticket writes go on.
    """

    atomic = False

    dependencies = [
        ("tickets", "0015_comment_search_document"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE tickets_ticket ADD COLUMN IF NOT EXISTS created_xid xid8",
            reverse_sql="ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS created_xid",
        ),
        migrations.RunSQL(
            "ALTER TABLE tickets_ticket ALTER COLUMN created_xid SET DEFAULT pg_current_xact_id()",
            reverse_sql=migrations.RunSQL.noop,
        ),
        # An interrupted run leaves the index behind (INVALID) and records nothing; the next run
        # drops it first.
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS tickets_arrival_idx",
            reverse_sql=migrations.RunSQL.noop,
        ),
        # Serves tickets.arrivals: the tenant's tickets whose creating transaction a count did not
        # see (created_xid at or past the count's snapshot's xmin), a handful of the newest.
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY tickets_arrival_idx ON tickets_ticket (tenant_id, created_xid) "
            "WHERE created_xid IS NOT NULL",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS tickets_arrival_idx",
        ),
    ]
