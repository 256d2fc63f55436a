"""Live ticket counts per tenant, status, priority and assignee, kept by statement triggers.

A list's total after a ticket write used to be a COUNT over the tenant's tickets (29 ms for the
whole list at 800k tickets, more with filters). The triggers below record, per statement, how
many live tickets each (tenant, status, priority, assignee) gained or lost, as new rows: writers
never update a shared row, so they never wait for each other or deadlock on one. The rows of a
key add up to its count (see ``tickets.models.TicketCount``).

Statement-level triggers with transition tables: one aggregate per statement, so a bulk update of
500 tickets or an import of a million adds a handful of rows, not one per ticket.
"""

from django.db import migrations, models

KEY = "tenant_id, status, priority, assignee_id"

TRIGGERS = f"""
CREATE FUNCTION tickets_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_ticketcount ({KEY}, n)
    SELECT {KEY}, count(*) FROM inserted WHERE NOT is_deleted GROUP BY {KEY};
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_ticketcount ({KEY}, n)
    SELECT {KEY}, sum(n) FROM (
        SELECT {KEY}, -1 AS n FROM before WHERE NOT is_deleted
        UNION ALL
        SELECT {KEY}, 1 AS n FROM after WHERE NOT is_deleted
    ) changes GROUP BY {KEY} HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_ticketcount ({KEY}, n)
    SELECT {KEY}, -count(*) FROM deleted WHERE NOT is_deleted GROUP BY {KEY};
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tickets_ticketcount;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_count_inserted AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_inserted();
CREATE TRIGGER tickets_count_updated AFTER UPDATE ON tickets_ticket
    REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_updated();
CREATE TRIGGER tickets_count_deleted AFTER DELETE ON tickets_ticket
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_deleted();
CREATE TRIGGER tickets_count_truncated AFTER TRUNCATE ON tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_truncated();

-- The tickets already there.
INSERT INTO tickets_ticketcount ({KEY}, n)
SELECT {KEY}, count(*) FROM tickets_ticket WHERE NOT is_deleted GROUP BY {KEY};
"""

DROP_TRIGGERS = """
DROP TRIGGER tickets_count_inserted ON tickets_ticket;
DROP TRIGGER tickets_count_updated ON tickets_ticket;
DROP TRIGGER tickets_count_deleted ON tickets_ticket;
DROP TRIGGER tickets_count_truncated ON tickets_ticket;
DROP FUNCTION tickets_count_inserted();
DROP FUNCTION tickets_count_updated();
DROP FUNCTION tickets_count_deleted();
DROP FUNCTION tickets_count_truncated();
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_tag_statistics")]

    operations = [
        migrations.CreateModel(
            name="TicketCount",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("tenant_id", models.UUIDField()),
                ("status", models.CharField(max_length=16)),
                ("priority", models.CharField(max_length=16)),
                ("assignee_id", models.UUIDField(null=True)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["tenant_id", "status", "priority", "assignee_id"],
                        name="tickets_count_key_idx",
                    )
                ],
            },
        ),
        migrations.RunSQL(sql=TRIGGERS, reverse_sql=DROP_TRIGGERS),
    ]
