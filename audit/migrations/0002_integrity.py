"""Integrity Django cannot express: every reference stays inside one tenant (and triggers)."""

from django.db import migrations

from supportdesk.dbsql import same_tenant_fk


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("accounts", "0002_integrity"),
    ]

    operations = [
        same_tenant_fk("audit_auditlog", "actor_id", "accounts_user"),
        # Append-only: refuse UPDATE and DELETE even for a superuser connection. SQLSTATE 23000
        # (integrity_constraint_violation) makes Django raise IntegrityError.
        migrations.RunSQL(
            sql="""
            CREATE FUNCTION audit_auditlog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP USING ERRCODE = '23000';
            END $$;
            CREATE TRIGGER audit_auditlog_append_only BEFORE UPDATE OR DELETE ON audit_auditlog
                FOR EACH ROW EXECUTE FUNCTION audit_auditlog_append_only();
            """,
            reverse_sql="""
            DROP TRIGGER audit_auditlog_append_only ON audit_auditlog;
            DROP FUNCTION audit_auditlog_append_only();
            """,
        ),
    ]
