"""Tickets, their conversation threads, tags and attachments."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Case, F, Q, Value, When

from supportdesk.models import AllRowsManager, LiveManager, TenantModel, TenantOwned
from tickets.choices import OPEN_STATUSES, PRIORITY_RANK, SOLVED_STATUSES, Channel, Priority, Status

# Partial indexes cover live rows only: every read that serves a request filters on it.
LIVE = Q(is_deleted=False)


class Ticket(TenantModel):
    """A customer request, numbered per tenant ("#1042"), worked through its statuses by agents."""

    # 0 means "assign one": a trigger hands out the tenant's next number on insert, and the value
    # comes back through INSERT ... RETURNING (see migration tickets.0002_integrity).
    number = models.PositiveIntegerField(
        db_default=0, editable=False, help_text="Per-tenant sequential number."
    )
    subject = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.MEDIUM)
    # Severity as a number so "sort by priority" means urgent > high > medium > low.
    priority_rank = models.GeneratedField(
        expression=Case(
            *(When(priority=value, then=Value(rank)) for value, rank in PRIORITY_RANK.items()),
            default=Value(0),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    requester = models.ForeignKey("companies.Contact", on_delete=models.PROTECT, related_name="tickets")
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    subcategory = models.ForeignKey(
        "catalog.Subcategory", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(  # type: ignore[var-annotated]
        "catalog.Tag", through="TicketTag", related_name="tickets", blank=True
    )

    class Meta(TenantModel.Meta):
        ordering = ["-created_at"]
        indexes = [
            # Full-text search (tickets.filters uses the same expression).
            GinIndex(
                SearchVector("subject", "description", config="english"), name="tickets_ticket_search_idx"
            ),
            # The ticket list, newest first (selectors.ticket_list): page 1, keyset cursors, and every
            # filtered list, walked in order until a page is found; the tenant's total (index-only).
            models.Index(
                "tenant",
                F("created_at").desc(),
                F("id").desc(),
                condition=LIVE,
                name="tickets_live_recent_idx",
            ),
            # assignedTo=me / none, any status, newest first, and their counts (index-only).
            models.Index(
                "tenant",
                "assignee",
                F("created_at").desc(),
                F("id").desc(),
                condition=LIVE,
                name="tickets_assignee_recent_idx",
            ),
            # Open tickets only (partial): the inbox's views "My open", "Unassigned" and "All open",
            # newest first, and the view counts (ticket_view_counts), without reading solved tickets.
            models.Index(
                "tenant",
                "assignee",
                F("created_at").desc(),
                condition=LIVE & Q(status__in=OPEN_STATUSES),
                name="tickets_open_assignee_idx",
            ),
            # The list sorted by another column (TicketFilterSet's ``ordering``, the inbox's column
            # headers), either way, with ``id`` breaking ties as the keyset cursor needs: page 1 and
            # every cursor page are read in order instead of sorting the tenant's tickets (an
            # unindexed ``ordering=-updated_at`` took 540 ms at 1M). ``updated_at`` also serves
            # ``updated_after`` / ``updated_before``. By number: the unique (tenant, number) key.
            *(
                models.Index("tenant", column, "id", condition=LIVE, name=f"tickets_live_{name}_idx")
                for column, name in (
                    ("updated_at", "updated"),
                    ("priority_rank", "priority"),
                    ("status", "status"),
                )
            ),
            # Due dates, NULLs last in both directions (tickets without one are not "due first"),
            # so one index per direction: a backward scan would put the NULLs first.
            models.Index(
                "tenant",
                F("due_at").asc(nulls_last=True),
                "id",
                condition=LIVE,
                name="tickets_live_due_idx",
            ),
            models.Index(
                "tenant",
                F("due_at").desc(nulls_last=True),
                F("id").desc(),
                condition=LIVE,
                name="tickets_live_due_desc_idx",
            ),
            # A team's unassigned queue (group=X&assignedTo=none, with or without status and priority):
            # its count after a write, index-only (a bitmap AND of the group and assignee indexes
            # read every matching ticket's heap page: 49 ms at 1M), and its page, newest first.
            models.Index(
                "tenant",
                "group",
                F("created_at").desc(),
                F("id").desc(),
                include=["status", "priority"],
                condition=LIVE & Q(assignee__isnull=True),
                name="tickets_unassigned_group_idx",
            ),
            # The channel filter, with status (channel=phone&status=open&group=X): the one list filter
            # no other index holds. A short list's page finds its matches by bitmap (found_whole in
            # supportdesk.selectors); without it every match of the other filters was read from
            # the heap to test its channel (a team that never takes chats: 20k pages, 120 ms at 1M).
            models.Index(
                fields=["tenant", "channel", "status"], condition=LIVE, name="tickets_live_channel_idx"
            ),
            # Counts by status and priority (the list's total under those filters): index-only scans.
            models.Index(
                fields=["tenant", "status", "priority"], condition=LIVE, name="tickets_status_counts_idx"
            ),
            # Solved tickets by resolution time: the inbox's "Recently solved" count (ticket_view_counts)
            # reads the last days' rows only; the open views' counts come from TicketCount.
            models.Index(
                "tenant",
                F("resolved_at").desc(),
                condition=LIVE & Q(status__in=SOLVED_STATUSES),
                name="tickets_recently_solved_idx",
            ),
        ]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "number"], name="tickets_ticket_number_key"),
            models.CheckConstraint(condition=Q(number__gte=1), name="tickets_ticket_number_positive"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="tickets_ticket_status_valid"),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="tickets_ticket_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="tickets_ticket_channel_valid"
            ),
            models.CheckConstraint(condition=~Q(subject=""), name="tickets_ticket_subject_not_blank"),
            # resolved_at is set exactly when the ticket is resolved or closed ...
            models.CheckConstraint(
                condition=Q(status__in=SOLVED_STATUSES, resolved_at__isnull=False)
                | (~Q(status__in=SOLVED_STATUSES) & Q(resolved_at__isnull=True)),
                name="tickets_ticket_resolved_at_matches_status",
            ),
            # ... and closed_at exactly when it is closed.
            models.CheckConstraint(
                condition=Q(status=Status.CLOSED, closed_at__isnull=False)
                | (~Q(status=Status.CLOSED) & Q(closed_at__isnull=True)),
                name="tickets_ticket_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(subcategory__isnull=True) | Q(category__isnull=False),
                name="tickets_ticket_subcategory_needs_category",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class WithoutSearchDocument:
    """A comment manager's rows leave out ``search_document``: only the database's searches read it."""

    def get_queryset(self) -> Any:
        return super().get_queryset().defer("search_document")  # type: ignore[misc]

    def for_tenant(self, tenant: Any) -> Any:
        return super().for_tenant(tenant).defer("search_document")  # type: ignore[misc]


class CommentManager(WithoutSearchDocument, LiveManager["TicketComment"]):
    pass


class AllCommentsManager(WithoutSearchDocument, AllRowsManager["TicketComment"]):
    pass


class TicketComment(TenantModel):
    """One message in a ticket's thread: a public reply or an internal note between agents."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    author_contact = models.ForeignKey(
        "companies.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField()
    is_internal = models.BooleanField(default=False, help_text="Internal note (agents only) vs public reply.")
    # The body's full-text document, computed by PostgreSQL on every write and stored: a search
    # that tests one ticket's comments (the walk and the count of a broad word) reads it instead of
    # computing it per comment (~10 us each; an agent's 13k tickets have 26k comments). Loading a
    # comment costs the same either way (the GIN index computed it too); see
    # docs/decisions/0007-stored-comment-search-document.md.
    search_document = models.GeneratedField(
        expression=SearchVector("body", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
        serialize=False,  # dumpdata would load it per row (the managers defer it); loaddata ignores it
    )

    objects: ClassVar[CommentManager] = CommentManager()
    all_objects: ClassVar[AllCommentsManager] = AllCommentsManager()

    class Meta(TenantModel.Meta):
        ordering = ["created_at", "id"]
        indexes = [GinIndex(fields=["search_document"], name="tickets_comment_search_idx")]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["id", "ticket"], name="tickets_ticketcomment_id_ticket_key"),
            models.CheckConstraint(
                condition=Q(author_user__isnull=False, author_contact__isnull=True)
                | Q(author_user__isnull=True, author_contact__isnull=False),
                name="tickets_ticketcomment_one_author",
            ),
            models.CheckConstraint(
                condition=Q(is_internal=False) | Q(author_contact__isnull=True),
                name="tickets_ticketcomment_internal_by_agent",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="tickets_ticketcomment_body_not_blank"),
        ]

    def __str__(self) -> str:
        kind = "note" if self.is_internal else "reply"
        return f"{kind} on {self.ticket_id}"

    @property
    def author(self) -> object | None:
        return self.author_user or self.author_contact


class TicketTag(TenantOwned):
    """A tag applied to a ticket (the explicit through table of Ticket.tags)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ticket_tags")
    tag = models.ForeignKey("catalog.Tag", on_delete=models.CASCADE, related_name="ticket_tags")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TenantOwned.Meta):
        indexes = [
            # The tag filter from the tag's side: EXISTS (... WHERE tag_id = ANY(ids)) for a rare tag,
            # and its count, as index-only scans ((ticket, tag) below serves the per-ticket probe).
            models.Index(fields=["tag", "ticket"], name="tickets_tag_ticket_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["ticket", "tag"], name="tickets_tickettag_key"),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.ticket_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """A generated storage name; the client's filename is metadata only, so it cannot escape."""
    return f"attachments/{instance.tenant_id}/{instance.id}"


class Attachment(TenantModel):
    """A file attached to a ticket (optionally to one comment of it), kept in Django's storage."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        TicketComment, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=Q(size__gte=0), name="tickets_attachment_size_nonnegative"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="tickets_attachment_sha256_hex"
            ),
            models.CheckConstraint(
                condition=~Q(original_filename=""), name="tickets_attachment_filename_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.original_filename


class TicketCount(models.Model):
    """How many live tickets a tenant has per status, priority and assignee, kept by triggers.

    Rows are deltas: every statement that inserts, updates or deletes tickets adds one row per key
    whose count it changed (``n`` may be negative), so writers never wait for each other on a
    shared counter row. A key's count is the sum of its rows; ``tickets.selectors.live_ticket_count``
    sums them and folds a tenant's rows into one per key now and then. Maintained by the
    statement triggers of migration tickets.0006_ticket_counts; read-only for the application.
    """

    id = models.BigAutoField(primary_key=True)
    # Plain columns, no foreign keys: the rows are derived from tickets by the triggers alone.
    # Deleting a tenant deletes its tickets, whose triggers then record the (negative) change after
    # Django may already have deleted counts; a user's deletion sets their tickets' assignee to
    # NULL, which the triggers count like any other change.
    tenant_id = models.UUIDField()
    status = models.CharField(max_length=16)
    priority = models.CharField(max_length=16)
    assignee_id = models.UUIDField(null=True)
    n = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant_id", "status", "priority", "assignee_id"], name="tickets_count_key_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.n:+} {self.status}/{self.priority}/{self.assignee_id or 'unassigned'}"


class TagCount(models.Model):
    """How many live tickets of a tenant carry each tag, per status and priority, kept by
    triggers, as delta rows.

    Kept like ``TicketCount`` (see there): statement triggers on the ticket-tag table (a tag added
    to or removed from a live ticket, or erased with its ticket) and on tickets (deleted, restored,
    status or priority changed) add one row per (tag, status, priority) a statement changed; a
    key's count is the sum of its rows. Migrations tickets.0008_tag_counts and
    tickets.0009_tag_counts_by_status; read-only for the application.
    """

    id = models.BigAutoField(primary_key=True)
    tenant_id = models.UUIDField()
    tag_id = models.UUIDField()
    status = models.CharField(max_length=16)
    priority = models.CharField(max_length=16)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["tenant_id", "tag_id"], name="tickets_tagcount_key_idx")]

    def __str__(self) -> str:
        return f"{self.n:+} tag {self.tag_id}"


class FacetCount(models.Model):
    """How many live tickets of a tenant have each company, group, category, subcategory,
    department and channel, per status and priority, kept by triggers, as delta rows.

    Kept like ``TicketCount`` (see there): statement triggers on tickets add one row per (facet,
    value, status, priority) a statement changed; a key's count is the sum of its rows. A ticket
    counts once under each facet it has a value for. Migrations tickets.0010_facet_counts and
    tickets.0012_channel_counts; read-only for the application.
    """

    class Facet(models.TextChoices):
        # The ticket list's filter of the same name, and the ticket's column it counts.
        COMPANY = "company"
        GROUP = "group"
        CATEGORY = "category"
        SUBCATEGORY = "subcategory"
        DEPARTMENT = "department"
        # A channel is a word, not a row: counted under ``channel_value_id`` of the word.
        CHANNEL = "channel"

    id = models.BigAutoField(primary_key=True)
    tenant_id = models.UUIDField()
    facet = models.CharField(max_length=16, choices=Facet.choices)
    value_id = models.UUIDField()
    status = models.CharField(max_length=16)
    priority = models.CharField(max_length=16)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["tenant_id", "facet", "value_id"], name="tickets_facetcount_key_idx")]

    def __str__(self) -> str:
        return f"{self.n:+} {self.facet} {self.value_id}"

    @staticmethod
    def channel_value_id(channel: str) -> uuid.UUID:
        """The ``value_id`` a channel is counted under (``FACET_VALUE_SQL["channel"]`` in Python)."""
        return uuid.UUID(hashlib.md5(f"channel:{channel}".encode(), usedforsecurity=False).hexdigest())


# SQL: the value a ticket ``t`` is counted under in each facet (NULL where it has none), as the
# triggers of tickets.0012_channel_counts compute it.
FACET_VALUE_SQL = {
    **{facet: f"t.{facet}_id" for facet in FacetCount.Facet.values if facet != FacetCount.Facet.CHANNEL},
    FacetCount.Facet.CHANNEL: "md5('channel:' || t.channel)::uuid",
}
