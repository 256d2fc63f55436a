"""Integrity Django cannot express: every reference stays inside one tenant."""

from django.db import migrations

from supportdesk.dbsql import same_tenant_fk


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("accounts", "0002_integrity"),
    ]

    operations = [
        same_tenant_fk("catalog_category", "created_by_id", "accounts_user"),
        same_tenant_fk("catalog_category", "updated_by_id", "accounts_user"),
        same_tenant_fk("catalog_subcategory", "created_by_id", "accounts_user"),
        same_tenant_fk("catalog_subcategory", "updated_by_id", "accounts_user"),
        same_tenant_fk("catalog_tag", "created_by_id", "accounts_user"),
        same_tenant_fk("catalog_tag", "updated_by_id", "accounts_user"),
        same_tenant_fk("catalog_subcategory", "category_id", "catalog_category"),
    ]
