"""Live ticket counts per company, group, category, subcategory and department (with status and
priority), kept by statement triggers.

A list filtered by one of them took its total after a ticket write from a COUNT over the matching
tickets: a bitmap heap scan whose cost follows the group's size (5.1 ms for a group of 10,000
tickets at 100k, tens of ms for a big group at 1M). The triggers below keep, per statement, how
many live tickets each (tenant, facet, value, status, priority) gained or lost, as new rows, like
tickets.0006 does per (tenant, status, priority, assignee) (see ``tickets.models.FacetCount``).

An update counts only the tickets whose deletion, status, priority or one of the five columns
changed: edits of a subject or a reply's ``updated_at`` add nothing.
"""

from django.db import migrations, models

FACET_NAMES = ("company", "group", "category", "subcategory", "department")
# A ticket t's facets as rows f(facet, value_id), one per column; NULL where the ticket has none.
FACETS = (
    "CROSS JOIN LATERAL (VALUES "
    + ", ".join(f"('{facet}', t.{facet}_id)" for facet in FACET_NAMES)
    + ") f(facet, value_id)"
)
KEY = "t.tenant_id, f.facet, f.value_id, t.status, t.priority"
COLUMNS = "tenant_id, facet, value_id, status, priority"
COUNTED = ("is_deleted", "status", "priority", *(f"{facet}_id" for facet in FACET_NAMES))


def _row(alias: str) -> str:
    return "(" + ", ".join(f"{alias}.{column}" for column in COUNTED) + ")"


def changed(new: str, old: str) -> str:
    """SQL: the ticket ``new`` differs from ``old`` in a column the counts depend on."""
    return f"{_row(new)} IS DISTINCT FROM {_row(old)}"


TRIGGERS = f"""
CREATE FUNCTION tickets_facetcount_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_facetcount ({COLUMNS}, n)
    SELECT {KEY}, count(*) FROM inserted t {FACETS}
    WHERE NOT t.is_deleted AND f.value_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_facetcount_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_facetcount ({COLUMNS}, n)
    SELECT {COLUMNS}, sum(n) FROM (
        SELECT {KEY}, -1 AS n FROM before t JOIN after a ON a.id = t.id {FACETS}
        WHERE NOT t.is_deleted AND f.value_id IS NOT NULL AND {changed("a", "t")}
        UNION ALL
        SELECT {KEY}, 1 FROM after t JOIN before b ON b.id = t.id {FACETS}
        WHERE NOT t.is_deleted AND f.value_id IS NOT NULL AND {changed("t", "b")}
    ) changes GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_facetcount_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_facetcount ({COLUMNS}, n)
    SELECT {KEY}, -count(*) FROM deleted t {FACETS}
    WHERE NOT t.is_deleted AND f.value_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_facetcount_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tickets_facetcount;
    RETURN NULL;
END $$;

-- Each CREATE TRIGGER takes a lock that makes ticket writes wait until this migration commits, so
-- the count below sees every ticket the triggers will not.
CREATE TRIGGER tickets_facetcount_inserted AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tickets_facetcount_inserted();
CREATE TRIGGER tickets_facetcount_updated AFTER UPDATE ON tickets_ticket
    REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_facetcount_updated();
CREATE TRIGGER tickets_facetcount_deleted AFTER DELETE ON tickets_ticket
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION tickets_facetcount_deleted();
CREATE TRIGGER tickets_facetcount_truncated AFTER TRUNCATE ON tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_facetcount_truncated();

-- The tickets already there.
INSERT INTO tickets_facetcount ({COLUMNS}, n)
SELECT {KEY}, count(*) FROM tickets_ticket t {FACETS}
WHERE NOT t.is_deleted AND f.value_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
"""

DROP_TRIGGERS = """
DROP TRIGGER tickets_facetcount_inserted ON tickets_ticket;
DROP TRIGGER tickets_facetcount_updated ON tickets_ticket;
DROP TRIGGER tickets_facetcount_deleted ON tickets_ticket;
DROP TRIGGER tickets_facetcount_truncated ON tickets_ticket;
DROP FUNCTION tickets_facetcount_inserted();
DROP FUNCTION tickets_facetcount_updated();
DROP FUNCTION tickets_facetcount_deleted();
DROP FUNCTION tickets_facetcount_truncated();
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_tag_counts_by_status")]

    operations = [
        migrations.CreateModel(
            name="FacetCount",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("tenant_id", models.UUIDField()),
                (
                    "facet",
                    models.CharField(
                        choices=[(facet, facet.capitalize()) for facet in FACET_NAMES],
                        max_length=16,
                    ),
                ),
                ("value_id", models.UUIDField()),
                ("status", models.CharField(max_length=16)),
                ("priority", models.CharField(max_length=16)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant_id", "facet", "value_id"], name="tickets_facetcount_key_idx")
                ],
            },
        ),
        migrations.RunSQL(sql=TRIGGERS, reverse_sql=DROP_TRIGGERS),
    ]
