"""Integrity Django cannot express: every reference stays inside one tenant (and triggers)."""

from django.db import migrations

from supportdesk.dbsql import composite_fk, same_tenant_fk


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("accounts", "0002_integrity"),
        ("companies", "0002_integrity"),
        ("catalog", "0002_integrity"),
    ]

    operations = [
        same_tenant_fk("tickets_ticket", "created_by_id", "accounts_user"),
        same_tenant_fk("tickets_ticket", "updated_by_id", "accounts_user"),
        same_tenant_fk("tickets_ticket", "requester_id", "companies_contact"),
        same_tenant_fk("tickets_ticket", "company_id", "companies_company"),
        same_tenant_fk("tickets_ticket", "assignee_id", "accounts_user"),
        same_tenant_fk("tickets_ticket", "group_id", "accounts_group"),
        same_tenant_fk("tickets_ticket", "category_id", "catalog_category"),
        same_tenant_fk("tickets_ticket", "subcategory_id", "catalog_subcategory"),
        same_tenant_fk("tickets_ticket", "department_id", "accounts_department"),
        same_tenant_fk("tickets_ticketcomment", "created_by_id", "accounts_user"),
        same_tenant_fk("tickets_ticketcomment", "updated_by_id", "accounts_user"),
        same_tenant_fk("tickets_ticketcomment", "ticket_id", "tickets_ticket"),
        same_tenant_fk("tickets_ticketcomment", "author_user_id", "accounts_user"),
        same_tenant_fk("tickets_ticketcomment", "author_contact_id", "companies_contact"),
        same_tenant_fk("tickets_tickettag", "ticket_id", "tickets_ticket"),
        same_tenant_fk("tickets_tickettag", "tag_id", "catalog_tag"),
        same_tenant_fk("tickets_tickettag", "created_by_id", "accounts_user"),
        same_tenant_fk("tickets_attachment", "created_by_id", "accounts_user"),
        same_tenant_fk("tickets_attachment", "updated_by_id", "accounts_user"),
        same_tenant_fk("tickets_attachment", "ticket_id", "tickets_ticket"),
        same_tenant_fk("tickets_attachment", "comment_id", "tickets_ticketcomment"),
        same_tenant_fk("tickets_attachment", "uploaded_by_id", "accounts_user"),
        # A ticket's subcategory must belong to the ticket's category.
        composite_fk(
            "tickets_ticket", ("subcategory_id", "category_id"), "catalog_subcategory", ("id", "category_id")
        ),
        # An attachment's comment must be a comment of the same ticket.
        composite_fk(
            "tickets_attachment", ("comment_id", "ticket_id"), "tickets_ticketcomment", ("id", "ticket_id")
        ),
        # Ticket numbers: hand out the next one when none is given (0 or NULL), and keep the tenant's counter at
        # or above every number inserted (imported tickets keep theirs; new ones continue after).
        migrations.RunSQL(
            sql="""
            CREATE FUNCTION tickets_ticket_number() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.number IS NULL OR NEW.number = 0 THEN
                    UPDATE accounts_tenant SET last_ticket_number = last_ticket_number + 1
                     WHERE id = NEW.tenant_id RETURNING last_ticket_number INTO NEW.number;
                ELSE
                    UPDATE accounts_tenant SET last_ticket_number = NEW.number
                     WHERE id = NEW.tenant_id AND last_ticket_number < NEW.number;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER tickets_ticket_number BEFORE INSERT ON tickets_ticket
                FOR EACH ROW EXECUTE FUNCTION tickets_ticket_number();
            """,
            reverse_sql="""
            DROP TRIGGER tickets_ticket_number ON tickets_ticket;
            DROP FUNCTION tickets_ticket_number();
            """,
        ),
    ]
