"""Integrity Django cannot express: every reference stays inside one tenant."""

from django.db import migrations

from supportdesk.dbsql import same_tenant_fk


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        same_tenant_fk("accounts_user", "created_by_id", "accounts_user"),
        same_tenant_fk("accounts_user", "updated_by_id", "accounts_user"),
        same_tenant_fk("accounts_user", "department_id", "accounts_department"),
        same_tenant_fk("accounts_department", "created_by_id", "accounts_user"),
        same_tenant_fk("accounts_department", "updated_by_id", "accounts_user"),
        same_tenant_fk("accounts_group", "created_by_id", "accounts_user"),
        same_tenant_fk("accounts_group", "updated_by_id", "accounts_user"),
        same_tenant_fk("accounts_groupmembership", "group_id", "accounts_group"),
        same_tenant_fk("accounts_groupmembership", "user_id", "accounts_user"),
    ]
