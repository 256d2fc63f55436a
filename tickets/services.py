"""Writes for tickets, their comments, tags and attachments. Every one is audited in its transaction."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Field, Func, TextField
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.permissions import require
from audit.services import audit_record, diff, snapshot
from catalog.models import Tag
from supportdesk.caching import ACTIVITY, TICKETS, VALUE_FIELDS, invalidate
from supportdesk.errors import NotFound, StaleVersion, TooLarge, ValidationFailed
from supportdesk.ids import new_id
from supportdesk.services import (
    check_fields,
    check_same_tenant,
    check_text,
    entity_delete,
    entity_restore,
    full_clean,
    if_match_ok,
    save_or_refuse,
)
from tickets.choices import SOLVED_STATUSES, Status
from tickets.filters import TICKET_SEARCH_VECTOR
from tickets.models import Attachment, Ticket, TicketComment, TicketTag
from tickets.selectors import COUNT_TABLE_KEYS, FACET_KEY, LIVE_TICKET_FACETS, fold_count_rows

TICKET_FIELDS = (
    "subject",
    "description",
    "status",
    "priority",
    "requester",
    "company",
    "assignee",
    "group",
    "category",
    "subcategory",
    "department",
    "channel",
    "due_at",
)
# What a bulk update may change on many tickets at once.
BULK_FIELDS = ("status", "priority", "assignee", "group")


def _apply_status(ticket: Ticket, status: str) -> None:
    """Keep resolved_at / closed_at consistent with the status (the database insists on it too)."""
    now = timezone.now()
    ticket.status = status
    if status in SOLVED_STATUSES:
        ticket.resolved_at = ticket.resolved_at or now
    else:
        ticket.resolved_at = None
    ticket.closed_at = (ticket.closed_at or now) if status == Status.CLOSED else None


def _apply(ticket: Ticket, data: Mapping[str, Any]) -> list[str]:
    """Set fields from ``data`` with the ticket rules; returns the names of the columns touched."""
    touched = []
    for key, value in data.items():
        if key == "status":
            _apply_status(ticket, value)
            touched += ["status", "resolved_at", "closed_at"]
        else:
            setattr(ticket, key, value)
            touched.append(key)
    if "subcategory" in data and ticket.subcategory is not None:
        if ticket.category_id is None:
            ticket.category_id = ticket.subcategory.category_id
            touched.append("category")
        elif ticket.subcategory.category_id != ticket.category_id:
            raise ValidationFailed.on("subcategory", "The subcategory does not belong to the category.")
    # A new category drops a subcategory that does not belong to it.
    if (
        "category" in data
        and "subcategory" not in data
        and ticket.subcategory is not None
        and ticket.subcategory.category_id != ticket.category_id
    ):
        ticket.subcategory = None
        touched.append("subcategory")
    if "requester" in data and "company" not in data and ticket.company_id is None:
        ticket.company_id = ticket.requester.company_id
        touched.append("company")
    if data.get("assignee") is not None and not data["assignee"].is_active:
        raise ValidationFailed.on("assignee", "Tickets can only be assigned to active users.")
    return list(dict.fromkeys(touched))


def _resolve_tags(tenant_id: Any, tags: Iterable[Tag | str]) -> list[Tag]:
    """Existing live tags of the tenant, given as Tag rows or names; unknown ones are a 400."""
    result: list[Tag] = []
    names = [t for t in tags if isinstance(t, str)]
    rows = [t for t in tags if isinstance(t, Tag)]
    check_same_tenant(tenant_id, {"tags": rows})
    result.extend(rows)
    if names:
        lowered = [n.lower() for n in names]
        found = {
            t.name.lower(): t
            for t in Tag.objects.for_tenant(tenant_id).annotate(lname=Lower("name")).filter(lname__in=lowered)
        }
        missing = [n for n in names if n.lower() not in found]
        if missing:
            raise ValidationFailed.on("tags", f"Unknown tags: {', '.join(missing)}.")
        result.extend(found[n.lower()] for n in names)
    return list({t.pk: t for t in result}.values())


def _tags(ticket: Ticket) -> dict[Any, str]:
    """The ticket's tags: id -> name."""
    return dict(TicketTag.objects.filter(ticket=ticket).values_list("tag_id", "tag__name"))


def _text_words(ticket: Ticket) -> list[str]:
    """The words (lexemes) of the ticket's text, as the search index holds them."""
    as_array = Func(TICKET_SEARCH_VECTOR, function="tsvector_to_array", output_field=ArrayField(TextField()))
    return Ticket.all_objects.filter(pk=ticket.pk).values_list(as_array, flat=True).get()


def ticket_values(ticket: Ticket, tag_ids: Iterable[Any]) -> set[tuple[str, Any]]:
    """What the cached totals are kept by (``VALUE_FIELDS``) as the ticket holds it: a write names
    these, before and after, so that the totals of lists of other values stay cached."""
    names = [name for name in VALUE_FIELDS if name != "tags"]
    columns = [cast("Field[Any, Any]", Ticket._meta.get_field(name)) for name in names]
    values = {(column.name, getattr(ticket, column.attname)) for column in columns}
    return values | {("tags", tag_id) for tag_id in tag_ids}


def _set_tags(ticket: Ticket, actor: User, *, add: Sequence[Tag] = (), remove: Sequence[Tag] = ()) -> None:
    if remove:
        TicketTag.objects.filter(ticket=ticket, tag__in=list(remove)).delete()
    existing = set(TicketTag.objects.filter(ticket=ticket).values_list("tag_id", flat=True))
    TicketTag.objects.bulk_create(
        TicketTag(tenant_id=ticket.tenant_id, ticket=ticket, tag=tag, created_by=actor)
        for tag in add
        if tag.pk not in existing
    )


@transaction.atomic
def ticket_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> Ticket:
    """Open a ticket; the database hands out its number. ``tags`` may list existing tags."""
    require(actor, "create", "ticket")
    fields = {k: v for k, v in data.items() if k != "tags"}
    check_fields(fields, TICKET_FIELDS)
    check_text(fields)
    check_same_tenant(tenant.pk, fields)
    if fields.get("requester") is None:
        raise ValidationFailed.on("requester", "A ticket needs a requester.")
    tags = _resolve_tags(tenant.pk, data.get("tags") or [])
    ticket = Ticket(tenant=tenant, created_by=actor, updated_by=actor)
    _apply(ticket, {"status": fields.pop("status", Status.NEW), **fields})
    full_clean(ticket)
    save_or_refuse(ticket, force_insert=True)
    _set_tags(ticket, actor, add=tags)
    # A new ticket changes the totals of the lists it is in: of its values and of searches for the
    # words of its text (which count it in, tickets.arrivals).
    invalidate(
        tenant, TICKETS, values=ticket_values(ticket, [tag.pk for tag in tags]), words=_text_words(ticket)
    )
    after = snapshot(ticket, ["number", *TICKET_FIELDS])
    after["tags"] = sorted(t.name for t in tags)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="ticket.created",
        entity_type="ticket",
        entity_id=ticket.pk,
        changes=diff({}, after),
    )
    return ticket


def _update_locked(
    locked: Ticket,
    actor: User,
    data: Mapping[str, Any],
    *,
    add_tags: Sequence[Tag] = (),
    remove_tags: Sequence[Tag] = (),
    replace_tags: Sequence[Tag] | None = None,
) -> Ticket:
    fields = dict(data)
    names = list(fields)
    before = snapshot(locked, [*names, "resolved_at", "closed_at"])
    tags_before = _tags(locked)
    values_before = ticket_values(locked, tags_before)
    touched = _apply(locked, fields)
    locked.updated_at = timezone.now()
    locked.updated_by = actor
    full_clean(locked)
    save_or_refuse(locked, update_fields=[*touched, "updated_at", "updated_by"])
    if replace_tags is not None:
        current = {t.pk for t in locked.tags.all()}
        wanted = {t.pk for t in replace_tags}
        remove_tags = [*remove_tags, *Tag.all_objects.filter(pk__in=current - wanted)]
        add_tags = [*add_tags, *replace_tags]
    if add_tags or remove_tags:
        _set_tags(locked, actor, add=add_tags, remove=remove_tags)
    tags_after = _tags(locked) if (add_tags or remove_tags) else tags_before
    # Named, so that the cached totals of lists that read none of these fields, or hold none of
    # these values, stay (supportdesk.caching).
    invalidate(
        locked.tenant_id,
        TICKETS,
        fields=[*touched, "updated_at", *(["tags"] if add_tags or remove_tags else [])],
        values=values_before | ticket_values(locked, tags_after),
    )
    changes = diff(before, snapshot(locked, [*names, "resolved_at", "closed_at"]))
    names_before, names_after = sorted(tags_before.values()), sorted(tags_after.values())
    if names_after != names_before:
        changes["tags"] = {"before": names_before, "after": names_after}
    if changes:
        audit_record(
            tenant=locked.tenant,
            actor=actor,
            action="ticket.updated",
            entity_type="ticket",
            entity_id=locked.pk,
            changes=changes,
        )
    return locked


@transaction.atomic
def ticket_update(
    *, ticket: Ticket, actor: User, data: Mapping[str, Any], if_match: str | None = None
) -> Ticket:
    """Change a ticket under a row lock; a stale ``if_match`` raises ``StaleVersion`` and changes nothing.

    ``tags`` (existing tags, as rows or names) replaces the ticket's tags.
    """
    require(actor, "update", "ticket")
    fields = {k: v for k, v in data.items() if k != "tags"}
    check_fields(fields, TICKET_FIELDS)
    check_text(fields)
    check_same_tenant(ticket.tenant_id, fields)
    tags = _resolve_tags(ticket.tenant_id, data["tags"]) if "tags" in data else None
    try:
        locked = Ticket.objects.for_tenant(ticket.tenant_id).select_for_update().get(pk=ticket.pk)
    except Ticket.DoesNotExist as exc:
        raise NotFound("Ticket not found.") from exc
    if not if_match_ok(locked, if_match):
        raise StaleVersion(current=locked)
    return _update_locked(locked, actor, fields, replace_tags=tags)


@transaction.atomic
def tickets_bulk_update(
    *,
    tenant: Tenant,
    actor: User,
    ids: Sequence[Any],
    changes: Mapping[str, Any],
    add_tags: Iterable[Tag | str] = (),
    remove_tags: Iterable[Tag | str] = (),
) -> list[Ticket]:
    """Apply the same changes to many tickets, all or nothing.

    ``ValidationFailed.details`` is keyed by ticket id for per-ticket problems.
    """
    require(actor, "update", "ticket")
    check_fields(changes, BULK_FIELDS)
    check_same_tenant(tenant.pk, changes)
    try:
        ids = list(dict.fromkeys(str(uuid.UUID(str(i))) for i in ids))
    except ValueError as exc:
        raise ValidationFailed.on("ids", "Ticket ids are UUIDs.") from exc
    if not ids:
        raise ValidationFailed.on("ids", "Give at least one ticket id.")
    add = _resolve_tags(tenant.pk, list(add_tags))
    remove = _resolve_tags(tenant.pk, list(remove_tags))
    # Locked in id order, so two bulk updates over overlapping tickets cannot deadlock.
    locked = {
        str(t.pk): t
        for t in Ticket.objects.for_tenant(tenant).filter(pk__in=ids).order_by("pk").select_for_update()
    }
    errors: dict[str, list[str]] = {i: ["Ticket not found."] for i in ids if i not in locked}
    if errors:
        raise ValidationFailed("Some tickets could not be updated.", errors)
    updated = []
    for ticket_id in ids:
        try:
            with transaction.atomic():
                updated.append(
                    _update_locked(locked[ticket_id], actor, changes, add_tags=add, remove_tags=remove)
                )
        except ValidationFailed as exc:
            errors[ticket_id] = [m for messages in exc.details.values() for m in messages] or [exc.message]
    if errors:
        raise ValidationFailed("Some tickets could not be updated.", errors)
    return updated


def ticket_delete(*, ticket: Ticket, actor: User, if_match: str | None = None) -> Ticket:
    """Soft-delete a ticket (managers and admins); the audit log keeps the deletion."""
    return entity_delete(model=Ticket, resource="ticket", instance=ticket, actor=actor, if_match=if_match)


def ticket_restore(*, ticket: Ticket, actor: User) -> Ticket:
    """Bring a soft-deleted ticket back (managers and admins)."""
    return entity_restore(model=Ticket, resource="ticket", instance=ticket, actor=actor)


@transaction.atomic
def comment_add(*, ticket: Ticket, actor: User, body: str, is_internal: bool = False) -> TicketComment:
    """Add a public reply or an internal note; the first public agent reply sets ``first_response_at``."""
    require(actor, "create", "comment")
    check_text({"body": body})
    body = (body or "").strip()
    if not body:
        raise ValidationFailed.on("body", "A comment needs a body.")
    try:
        locked = Ticket.objects.for_tenant(ticket.tenant_id).select_for_update().get(pk=ticket.pk)
    except Ticket.DoesNotExist as exc:
        raise NotFound("Ticket not found.") from exc
    comment = TicketComment(
        tenant_id=locked.tenant_id,
        ticket=locked,
        author_user=actor,
        body=body,
        is_internal=is_internal,
        created_by=actor,
        updated_by=actor,
    )
    full_clean(comment)
    comment.save(force_insert=True)
    now = timezone.now()
    update = ["updated_at"]
    if not is_internal and locked.first_response_at is None:
        locked.first_response_at = now
        update.append("first_response_at")
    locked.updated_at = now
    locked.save(update_fields=update)
    # Full-text totals read comment text and updated_* totals the update time; the ticket's own
    # fields (what the view counts and plain totals read) are unchanged, and so are the totals of
    # lists of other values than the ticket's.
    tag_ids = TicketTag.objects.filter(ticket=locked).values_list("tag_id", flat=True)
    invalidate(locked.tenant_id, ACTIVITY, values=ticket_values(locked, tag_ids))
    audit_record(
        tenant=locked.tenant,
        actor=actor,
        action="comment.created",
        entity_type="ticket",
        entity_id=locked.pk,
        changes={
            "comment": {"before": None, "after": str(comment.pk)},
            "is_internal": {"before": None, "after": is_internal},
        },
    )
    return comment


def _safe_filename(name: str) -> str:
    """The client's filename as metadata only: no directories, no control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable()).strip(" .")
    return base[:255] or "file"


@transaction.atomic
def attachment_add(
    *, ticket: Ticket, actor: User, upload: UploadedFile, comment: TicketComment | None = None
) -> Attachment:
    """Store an uploaded file under a generated name, with its sha256; over the size limit is refused."""
    require(actor, "create", "attachment")
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise TooLarge(
            f"Attachments may be at most {limit} bytes.", {"file": [f"Larger than {limit} bytes."]}
        )
    if comment is not None and comment.ticket_id != ticket.pk:
        raise ValidationFailed.on("comment", "The comment belongs to another ticket.")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        id=new_id(),
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        comment=comment,
        original_filename=_safe_filename(upload.name or ""),
        content_type=(upload.content_type or "application/octet-stream")[:255],
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        created_by=actor,
        updated_by=actor,
    )
    check_text({"content_type": attachment.content_type})
    attachment.file.save("upload", upload, save=False)
    stored_name = attachment.file.name
    try:
        attachment.save(force_insert=True)
    except Exception:
        attachment.file.storage.delete(stored_name)
        raise
    audit_record(
        tenant=ticket.tenant,
        actor=actor,
        action="attachment.created",
        entity_type="ticket",
        entity_id=ticket.pk,
        changes={
            "attachment": {"before": None, "after": str(attachment.pk)},
            "filename": {"before": None, "after": attachment.original_filename},
            "sha256": {"before": None, "after": attachment.sha256},
        },
    )
    return attachment


COUNT_KEY = "tenant_id, status, priority, assignee_id"


def ticket_counts_rebuild() -> int:
    """Count every tenant's live tickets again into ``TicketCount`` (one row per key),
    ``FacetCount`` (one row per facet value, status and priority) and ``TagCount`` (one row per
    tag, status and priority); return the number of ``TicketCount`` keys.

    For writes that went around the counting triggers (``session_replication_role = replica``,
    disabled triggers): the triggers keep the counts otherwise. Ticket writes wait while it runs
    (the table is locked in SHARE mode), so the counts match the tickets when it commits.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
        cursor.execute("DELETE FROM tickets_ticketcount")
        cursor.execute(
            f"INSERT INTO tickets_ticketcount ({COUNT_KEY}, n) "
            f"SELECT {COUNT_KEY}, count(*) FROM tickets_ticket WHERE NOT is_deleted GROUP BY {COUNT_KEY}"
        )
        keys = cursor.rowcount
        cursor.execute("DELETE FROM tickets_facetcount")
        cursor.execute(
            "INSERT INTO tickets_facetcount (tenant_id, facet, value_id, status, priority, n) "
            f"SELECT {FACET_KEY}, count(*) {LIVE_TICKET_FACETS} GROUP BY 1, 2, 3, 4, 5"
        )
        _recount_tags(cursor)
    return int(keys)


def ticket_counts_fold() -> dict[str, int]:
    """Fold every count table's rows into one per key; return how many rows each lost.

    The readers fold the rows they sum (a tenant's, a tag's, a group's), so a key no list ever
    reads (a company nobody filters by, say) keeps one row per change until this runs. It takes
    no lock: writes and reads go on (see ``fold_count_rows``). The totals do not change.
    """
    return {table: fold_count_rows(table) for table in COUNT_TABLE_KEYS}


def tag_counts_rebuild() -> None:
    """Count every tenant's tagged live tickets again into ``TagCount``, leaving ``TicketCount`` be.

    For tag writes that went around the counting triggers (the import's initial load of ticket
    tags); ticket writes and tag writes wait while it runs.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
        _recount_tags(cursor)


def _recount_tags(cursor: Any) -> None:
    """Count the tags again (the ticket table already locked), then drop every tenant's cached totals."""
    cursor.execute("LOCK TABLE tickets_tickettag IN SHARE MODE")
    cursor.execute("DELETE FROM tickets_tagcount")
    cursor.execute(
        "INSERT INTO tickets_tagcount (tenant_id, tag_id, status, priority, n) "
        "SELECT tt.tenant_id, tt.tag_id, t.status, t.priority, count(*) FROM tickets_tickettag tt "
        "JOIN tickets_ticket t ON t.id = tt.ticket_id AND NOT t.is_deleted GROUP BY 1, 2, 3, 4"
    )
    cursor.execute("SELECT id FROM accounts_tenant")
    for (tenant_id,) in cursor.fetchall():
        invalidate(tenant_id, TICKETS)
