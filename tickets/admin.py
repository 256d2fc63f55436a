from django.contrib import admin

from supportdesk.admin import TenantScopedAdmin
from tickets.models import Attachment, Ticket, TicketComment, TicketTag


@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    list_display = (
        "number",
        "subject",
        "status",
        "priority",
        "requester",
        "assignee",
        "tenant",
        "updated_at",
    )
    list_display_links = ("number", "subject")
    list_filter = ("tenant", "status", "priority", "channel")
    list_select_related = ("tenant", "requester", "assignee")
    search_fields = ("subject", "=number")
    readonly_fields = ("id", "legacy_id", "number", "created_at", "priority_rank")
    raw_id_fields = (
        "requester",
        "company",
        "assignee",
        "group",
        "category",
        "subcategory",
        "department",
        "created_by",
        "updated_by",
    )


@admin.register(TicketComment)
class TicketCommentAdmin(TenantScopedAdmin):
    list_display = ("ticket", "is_internal", "author_user", "author_contact", "tenant", "created_at")
    list_filter = ("tenant", "is_internal")
    list_select_related = ("tenant", "ticket", "author_user", "author_contact")
    search_fields = ("body",)
    raw_id_fields = ("ticket", "author_user", "author_contact", "created_by", "updated_by")


@admin.register(TicketTag)
class TicketTagAdmin(TenantScopedAdmin):
    list_display = ("ticket", "tag", "tenant", "created_at")
    list_select_related = ("tenant", "ticket", "tag")
    raw_id_fields = ("ticket", "tag", "created_by")


@admin.register(Attachment)
class AttachmentAdmin(TenantScopedAdmin):
    list_display = ("original_filename", "ticket", "content_type", "size", "tenant", "created_at")
    list_select_related = ("tenant", "ticket")
    search_fields = ("original_filename", "sha256")
    readonly_fields = ("id", "legacy_id", "created_at", "sha256", "size")
    raw_id_fields = ("ticket", "comment", "uploaded_by", "created_by", "updated_by")
