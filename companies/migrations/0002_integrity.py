"""Integrity Django cannot express: every reference stays inside one tenant."""

from django.db import migrations

from supportdesk.dbsql import same_tenant_fk


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
        ("accounts", "0002_integrity"),
    ]

    operations = [
        same_tenant_fk("companies_parentcompany", "created_by_id", "accounts_user"),
        same_tenant_fk("companies_parentcompany", "updated_by_id", "accounts_user"),
        same_tenant_fk("companies_company", "created_by_id", "accounts_user"),
        same_tenant_fk("companies_company", "updated_by_id", "accounts_user"),
        same_tenant_fk("companies_company", "parent_id", "companies_parentcompany"),
        same_tenant_fk("companies_contact", "created_by_id", "accounts_user"),
        same_tenant_fk("companies_contact", "updated_by_id", "accounts_user"),
        same_tenant_fk("companies_contact", "company_id", "companies_company"),
    ]
