"""Shared reads of tickets: the filtered list, one ticket, its thread and history, the view counts."""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Expression, F, Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Tenant, User
from audit.models import AuditLog
from catalog.models import Tag
from catalog.selectors import tag_ids
from companies.models import Company
from supportdesk.caching import TICKETS, cached, cached_for_fields
from supportdesk.errors import NotFound
from supportdesk.filters import filtered
from supportdesk.selectors import count_from_bitmaps, in_written_join_order
from supportdesk.services import etag_for
from tickets.arrivals import ArrivalGrowth
from tickets.choices import OPEN_STATUSES, PRIORITY_RANK, SOLVED_STATUSES, Priority, Status
from tickets.filters import (
    TEXT_MATCHES_CAP,
    TicketFilterSet,
    filter_fields,
    filter_values,
    filter_words,
    filters_digest,
    given_filters,
    searched_alone,
    tenant_text_matches,
)
from tickets.models import FACET_VALUE_SQL, Attachment, FacetCount, Ticket, TicketComment, TicketTag

RECENTLY_SOLVED = datetime.timedelta(days=7)
# Lists filtered by these alone (or not at all) are counted from the trigger-kept TicketCount rows...
COUNTED_FILTERS = {"status", "priority", "assignedTo", "assignee"}
# ... and lists filtered by these and one tag (TagCount rows) or one of FACET_FILTERS (FacetCount).
STATUS_FILTERS = {"status", "priority"}
FACET_FILTERS = set(FacetCount.Facet.values)  # each the filter of that name
# The live tickets t as one row f(facet, value_id) per facet they have a value in: what the
# triggers of migrations tickets.0010 and tickets.0012 count.
LIVE_TICKET_FACETS = (
    "FROM tickets_ticket t CROSS JOIN LATERAL (VALUES "
    + ", ".join(f"('{facet}', {FACET_VALUE_SQL[facet]})" for facet in FacetCount.Facet.values)
    + ") f(facet, value_id) WHERE NOT t.is_deleted AND f.value_id IS NOT NULL"
)
FACET_KEY = "t.tenant_id, f.facet, f.value_id, t.status, t.priority"
# Count rows a tenant may have beyond twice its keys before they are folded.
FOLD_SLACK = 256


# The rows a ticket names, joined by the ticket page.
TICKET_RELATIONS = ("requester", "company", "assignee", "group", "category", "subcategory", "department")


def ticket_tags_prefetch() -> Prefetch:
    """A ticket queryset's tags, by name (``prefetch_related``)."""
    return Prefetch("tags", queryset=Tag.objects.order_by("name"))


def _tickets(tenant: Tenant | Any, related: bool = True) -> QuerySet[Ticket]:
    qs = Ticket.objects.for_tenant(tenant)
    if not related:
        return qs
    return qs.select_related(*TICKET_RELATIONS).prefetch_related(ticket_tags_prefetch())


def ticket_list(
    *,
    tenant: Tenant | Any,
    user: User | Any,
    filters: Mapping[str, Any] | None = None,
    counting: str | None = None,
    related: bool = True,
    totalled: bool = False,
) -> QuerySet[Ticket]:
    """The tenant's live tickets, filtered (``TicketFilterSet``), newest first unless ordered.

    Their related rows and tags come with them unless ``related`` is false (a reader that counts,
    or joins only what it shows, need not build them). ``counting`` shapes a full-text search for
    counting instead of paging, and ``totalled`` says the caller counts the list's total with
    ``ticket_search_count`` (``TicketFilterSet``). Raises ``ValidationFailed`` naming each filter
    with a bad value.
    """
    qs = _tickets(tenant, related).order_by(F("created_at").desc(), F("id").desc())
    return filtered(
        TicketFilterSet, qs, filters, tenant=tenant, user=user, counting=counting, totalled=totalled
    )


def ticket_search_count(
    *, tenant: Tenant | Any, user: User | Any, filters: Mapping[str, Any], cap: int
) -> int:
    """How many tickets a full-text list holds, up to ``cap`` (at most ``TEXT_MATCHES_CAP``).

    The tickets whose own text matches are counted first (one GIN index, stopping at ``cap``);
    when they alone reach it, so does the list, and the comment matches are never collected.
    Else the list's tickets that match by a comment alone are added, up to the cap.
    """
    if cap > TEXT_MATCHES_CAP:
        raise ValueError(f"cap {cap} is above TEXT_MATCHES_CAP ({TEXT_MATCHES_CAP})")
    # Built first whichever way the text is counted: it validates the filters.
    text = ticket_list(tenant=tenant, user=user, filters=filters, counting="text", related=False)
    searched = str(filters.get("q") or "").strip()
    if searched and searched_alone(filters):
        # The same tickets as the tenant's text matches, whose count the search counted already.
        by_text = min(tenant_text_matches(tenant, searched, TEXT_MATCHES_CAP), cap)
    else:
        by_text = count_from_bitmaps(text.order_by()[:cap])
    if by_text >= cap:
        return cap
    by_comment = ticket_list(tenant=tenant, user=user, filters=filters, counting="comments", related=False)
    return by_text + by_comment.order_by()[: cap - by_text].count()


class TicketTagIds(Expression):
    """The ticket's live tag ids ordered by tag name, as an array (annotate a ticket queryset).

    Every API ticket list selects it. As an ``ArraySubquery`` over ``TicketTag`` the ORM built and
    compiled a second query for it per request (its join to the tag and its ordering), a tenth of
    the list's CPU; its SQL never varies and holds no values, so it is written once per process.
    Only the outer ticket's id column is compiled, so the alias is right inside any query.
    """

    output_field = ArrayField(models.UUIDField())
    contains_aggregate = False

    def __init__(self, ticket_id: Any = None) -> None:
        super().__init__()
        self.ticket_id = ticket_id

    def get_source_expressions(self) -> list[Any]:
        return [self.ticket_id] if self.ticket_id is not None else []

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.ticket_id,) = exprs or (None,)

    def resolve_expression(self, query: Any = None, *args: Any, **kwargs: Any) -> TicketTagIds:
        resolved = self.copy()
        resolved.ticket_id = query.resolve_ref("pk")
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        ticket_id, params = compiler.compile(self.ticket_id)
        return _tag_ids_sql() % ticket_id, params


@functools.cache
def _tag_ids_sql() -> str:
    q = connection.ops.quote_name
    link, tag = TicketTag._meta, Tag._meta
    tag_id, ticket_id = q(link.get_field("tag").column), q(link.get_field("ticket").column)
    return (
        f"ARRAY(SELECT tt.{tag_id} FROM {q(link.db_table)} tt "
        f"JOIN {q(tag.db_table)} tg ON tg.{q(tag.pk.column)} = tt.{tag_id} "
        f"WHERE tt.{ticket_id} = %s AND NOT tg.{q(tag.get_field('is_deleted').column)} "
        f"ORDER BY tg.{q(tag.get_field('name').column)}, tt.{tag_id})"
    )


def ticket_tag_ids() -> TicketTagIds:
    """The ticket's live tag ids ordered by tag name, as an array column (``TicketTagIds``)."""
    return TicketTagIds()


def live_ticket_count(
    *,
    tenant: Tenant | Any,
    statuses: list[str] | None = None,
    priorities: list[str] | None = None,
    assignees: list[Any] | None = None,
) -> int:
    """How many live tickets of the tenant have one of ``statuses``, ``priorities`` and
    ``assignees`` (ids; ``None`` in the list means unassigned), each ``None`` meaning any.

    Summed from the trigger-kept ``TicketCount`` rows: a few thousand rows for the biggest tenant,
    however many tickets it has (see ``live_ticket_counts``).
    """
    counted = {"statuses": statuses, "priorities": priorities, "assignees": assignees}
    return live_ticket_counts(tenant=tenant, counts={"n": counted})["n"]


def live_ticket_counts(*, tenant: Tenant | Any, counts: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """Several ``live_ticket_count``s in one query: name -> its keyword arguments.

    When a tenant's rows outnumber its keys well over twice, they are folded into one row per key
    (see ``fold_count_rows``).
    """
    tenant_id: Any = getattr(tenant, "pk", tenant)
    with connection.cursor() as cursor:
        cursor.execute(*live_count_query(tenant_id, list(counts.values())))
        *totals, rows, keys = cursor.fetchone()
    if rows > 2 * keys + FOLD_SLACK:
        fold_count_rows("tickets_ticketcount", "tenant_id = %s", [tenant_id])
    return {name: int(total) for name, total in zip(counts, totals, strict=True)}


def live_count_query(tenant_id: Any, counts: list[Mapping[str, Any]]) -> tuple[str, list[Any]]:
    """SQL and parameters of ``live_ticket_counts``: each sum, the tenant's rows and its keys."""
    sums: list[str] = []
    params: list[Any] = []
    for count in counts:
        conditions: list[str] = []
        for column, name in (("status", "statuses"), ("priority", "priorities")):
            if count.get(name) is not None:
                conditions.append(f"{column} = ANY(%s)")
                params.append(list(count[name]))
        assignees = count.get("assignees")
        if assignees is not None:
            unassigned = " OR assignee_id IS NULL" if None in assignees else ""
            conditions.append(f"(assignee_id = ANY(%s::uuid[]){unassigned})")
            params.append([value for value in assignees if value is not None])
        sums.append(f"sum(n) FILTER (WHERE {' AND '.join(conditions) or 'true'})")
    inner = ", ".join(f"{expression} AS c{i}" for i, expression in enumerate(sums))
    outer = ", ".join(f"coalesce(sum(c{i}), 0)" for i in range(len(sums)))
    # Grouped by key (a hash aggregate): count(DISTINCT (status, ...)) sorted records, 4x slower.
    return (
        f"SELECT {outer}, coalesce(sum(rows), 0), count(*) FROM ("
        f"SELECT {inner}, count(*) AS rows FROM tickets_ticketcount "
        f"WHERE tenant_id = %s GROUP BY status, priority, assignee_id) per_key",
        [*params, tenant_id],
    )


# Each count table's key: its rows of one key add up to that key's count.
COUNT_TABLE_KEYS = {
    "tickets_ticketcount": ("tenant_id", "status", "priority", "assignee_id"),
    "tickets_facetcount": ("tenant_id", "facet", "value_id", "status", "priority"),
    "tickets_tagcount": ("tenant_id", "tag_id", "status", "priority"),
}


def fold_count_rows(table: str, where: str = "true", params: Sequence[Any] = ()) -> int:
    """Replace the rows of the count ``table`` matching ``where`` by one per key (same sums; keys
    summing to 0 go); return how many rows fewer there are.

    Writers only ever add rows, which this never sees (they are not yet committed or came after
    its snapshot), so it needs no lock; two folds at once delete each row once between them.
    """
    key = ", ".join(COUNT_TABLE_KEYS[table])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH gone AS (DELETE FROM {table} WHERE {where} RETURNING {key}, n), "
            f"kept AS (INSERT INTO {table} ({key}, n) "
            f"SELECT {key}, sum(n) FROM gone GROUP BY {key} HAVING sum(n) <> 0 RETURNING 1) "
            "SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept)",
            list(params),
        )
        return int(cursor.fetchone()[0])


def tag_counts_differences() -> list[tuple[Any, ...]]:
    """Where the trigger-kept tag counts differ from the tickets: (tenant id, tag id, status,
    priority, kept count, real count) per differing key. Empty when they agree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tenant_id, tag_id, status, priority, sum(kept), sum(real) FROM ("
            " SELECT tenant_id, tag_id, status, priority, n AS kept, 0 AS real FROM tickets_tagcount"
            " UNION ALL SELECT tt.tenant_id, tt.tag_id, t.status, t.priority, 0, 1 FROM tickets_tickettag tt"
            " JOIN tickets_ticket t ON t.id = tt.ticket_id AND NOT t.is_deleted) keys "
            "GROUP BY 1, 2, 3, 4 HAVING sum(kept) <> sum(real) ORDER BY 1, 2, 3, 4"
        )
        return [tuple(row) for row in cursor.fetchall()]


def ticket_counts_differences() -> list[tuple[Any, ...]]:
    """Where the trigger-kept counts differ from the tickets: (tenant id, status, priority,
    assignee id, kept count, real count) per differing key. Empty when they agree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tenant_id, status, priority, assignee_id, sum(kept), sum(real) FROM ("
            " SELECT tenant_id, status, priority, assignee_id, n AS kept, 0 AS real FROM tickets_ticketcount"
            " UNION ALL SELECT tenant_id, status, priority, assignee_id, 0, 1 FROM tickets_ticket"
            " WHERE NOT is_deleted) keys "
            "GROUP BY 1, 2, 3, 4 HAVING sum(kept) <> sum(real) ORDER BY 1, 2, 3, 4"
        )
        return [tuple(row) for row in cursor.fetchall()]


def facet_counts_differences() -> list[tuple[Any, ...]]:
    """Where the trigger-kept facet counts differ from the tickets: (tenant id, facet, value id,
    status, priority, kept count, real count) per differing key. Empty when they agree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tenant_id, facet, value_id, status, priority, sum(kept), sum(real) FROM ("
            " SELECT tenant_id, facet, value_id, status, priority, n AS kept, 0 AS real"
            " FROM tickets_facetcount"
            f" UNION ALL SELECT {FACET_KEY}, 0, 1 {LIVE_TICKET_FACETS}) keys "
            "GROUP BY 1, 2, 3, 4, 5 HAVING sum(kept) <> sum(real) ORDER BY 1, 2, 3, 4, 5"
        )
        return [tuple(row) for row in cursor.fetchall()]


def live_tag_count(
    *,
    tenant: Tenant | Any,
    tag_id: Any,
    statuses: list[str] | None = None,
    priorities: list[str] | None = None,
) -> int:
    """How many live tickets of the tenant carry the tag and have one of ``statuses`` and
    ``priorities`` (each ``None`` meaning any), summed from the trigger-kept ``TagCount`` rows."""
    return _kept_sum("tickets_tagcount", tenant, {"tag_id": [tag_id]}, statuses, priorities)


def live_facet_count(
    *,
    tenant: Tenant | Any,
    facet: str,
    values: list[Any],
    statuses: list[str] | None = None,
    priorities: list[str] | None = None,
) -> int:
    """How many live tickets of the tenant have one of ``values`` (ids) in ``facet`` (a
    ``FacetCount.Facet``: company, group, ...) and one of ``statuses`` and ``priorities`` (each
    ``None`` meaning any), summed from the trigger-kept ``FacetCount`` rows."""
    scope = {"facet": [facet], "value_id": list(values)}
    return _kept_sum("tickets_facetcount", tenant, scope, statuses, priorities)


def _kept_sum(
    table: str,
    tenant: Tenant | Any,
    scope: Mapping[str, list[Any]],
    statuses: list[str] | None,
    priorities: list[str] | None,
) -> int:
    """The sum of ``table``'s delta rows (``TagCount``, ``FacetCount``) of the tenant in ``scope``
    (column -> the values it may have) with one of ``statuses`` and ``priorities``.

    The scope's rows are folded into one per key once they outnumber its keys (at most every
    status and priority of every value in it) by ``FOLD_SLACK``: all of them are read, whatever
    the status and priority filter, since they are what folding bounds.
    """
    tenant_id: Any = getattr(tenant, "pk", tenant)
    conditions: list[str] = ["true"]
    params: list[Any] = []
    for column, values in (("status", statuses), ("priority", priorities)):
        if values is not None:
            conditions.append(f"{column} = ANY(%s)")
            params.append(list(values))
    where = " AND ".join(["tenant_id = %s", *(f"{column} = ANY(%s)" for column in scope)])
    where_params = [tenant_id, *scope.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(sum(n) FILTER (WHERE {' AND '.join(conditions)}), 0), count(*) "
            f"FROM {table} WHERE {where}",
            [*params, *where_params],
        )
        total, rows = cursor.fetchone()
    keys = len(Status.values) * len(Priority.values) * math.prod(len(values) for values in scope.values())
    if rows > keys + FOLD_SLACK:
        fold_count_rows(table, where, where_params)
    return int(total)


def counted_total(*, tenant: Tenant | Any, user: User | Any, filters: Mapping[str, Any]) -> int | None:
    """The total of a list filtered by ``filters`` from the trigger-kept counts, or None when the
    filters need a COUNT. Kept: status, priority and one assignee filter together; one tag, or one
    of company, parent company, group, category, subcategory, department and channel, with status
    and priority (``ordering`` does not change a count)."""
    given = given_filters(filters) & set(TicketFilterSet.base_filters) - {"ordering"}
    by = given - STATUS_FILTERS
    kept_by = next(iter(by)) if len(by) == 1 and by <= {"tag", "parent_company", *FACET_FILTERS} else None
    if kept_by is None and (not given <= COUNTED_FILTERS or {"assignedTo", "assignee"} <= given):
        return None
    filterset = TicketFilterSet(filters, Ticket.objects.none(), tenant=tenant, user=user)
    if not filterset.is_valid():
        return None  # the list itself reports what is wrong
    cleaned = filterset.form.cleaned_data
    statuses, priorities = cleaned.get("status"), cleaned.get("priority")
    if kept_by == "tag":
        if len(cleaned["tag"]) != 1:
            return None  # several tags: tickets carrying all of them
        ids = tag_ids(tenant=tenant, name_or_id=cleaned["tag"][0])
        if len(ids) > 1:
            return None
        if not ids:
            return 0
        return live_tag_count(tenant=tenant, tag_id=ids[0], statuses=statuses, priorities=priorities)
    if kept_by is not None:
        if not cleaned.get(kept_by):
            return None  # "group=," filters nothing
        facet, values = kept_by, cleaned[kept_by]
        if kept_by == FacetCount.Facet.CHANNEL:
            values = [FacetCount.channel_value_id(channel) for channel in values]
        if kept_by == "parent_company":
            # The tickets of the parent's companies, deleted ones too (the filter joins them all);
            # a company's move to another parent invalidates the cached totals.
            companies = Company.all_objects.for_tenant(tenant).filter(parent_id__in=values)
            facet, values = FacetCount.Facet.COMPANY, list(companies.values_list("pk", flat=True))
            if not values:
                return 0
        return live_facet_count(
            tenant=tenant, facet=facet, values=values, statuses=statuses, priorities=priorities
        )
    assignees = cleaned.get("assignedTo") or cleaned.get("assignee")
    if assignees is not None:
        me = getattr(user, "pk", None)
        assignees = [None if item == "none" else me if item == "me" else item for item in assignees]
    return live_ticket_count(tenant=tenant, statuses=statuses, priorities=priorities, assignees=assignees)


# What an inbox row shows: the ticket's own columns below, its tags, and three related rows by name.
INBOX_COLUMNS = (
    "tenant_id", "number", "subject", "status", "priority", "created_at", "updated_at", "resolved_at",
    "requester__name", "company__name", "assignee__name",
)  # fmt: skip


def inbox_rows(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``queryset`` reading only what an inbox row shows.

    The list selector joins every related row and reads every column, as the ticket page needs;
    the inbox shows three related rows by name, and never the description (the longest column).
    """
    return (
        queryset.select_related(None).select_related("requester", "company", "assignee").only(*INBOX_COLUMNS)
    )


def ticket_list_total(
    *,
    tenant: Tenant | Any,
    user: User | Any,
    filters: Mapping[str, Any],
    count: Callable[[], int],
    upto: int | None = None,
) -> int:
    """``count()`` of a filtered ticket list, cached until a write changes a field the filters read.

    Keyed by the filters (not the page), so paging through a list counts once; ``me`` makes the
    key the user's own. A ticket update drops the totals whose filters read a field it changed
    (``FILTER_FIELDS``: a priority change keeps ``assignedTo=me``'s); a deleted ticket, a tag's
    rename and the like drop them all, a reply those of full-text and ``updated_*`` lists
    (supportdesk.caching). Any ticket write, a new ticket too, keeps the totals of lists whose
    filters select values that the tickets it wrote did not hold (``filter_values``: another
    agent's new or changed ticket keeps ``assignedTo=me``'s), and a new ticket those of searches
    for words its text does not hold (``filter_words``). A new ticket that may be in the list
    raises its total by the new tickets it holds (tickets.arrivals) instead of counting it again.
    A ``count`` that stops at ``upto`` is cached apart from the exact totals, and stays there; a
    total the kept counts know is exact either way.
    """
    digest = filters_digest(filters, user) if upto is None else f"upto{upto}:{filters_digest(filters, user)}"

    def total() -> int:
        counted = counted_total(tenant=tenant, user=user, filters=filters)
        return count() if counted is None else counted

    def among(ids: Any) -> QuerySet[Ticket]:
        listed = ticket_list(tenant=tenant, user=user, filters=filters, counting="arrived", related=False)
        return listed.filter(pk__in=ids)

    return cached_for_fields(
        tenant,
        filter_fields(filters),
        f"list_total:{digest}",
        total,
        values=filter_values(tenant, user, filters),
        words=filter_words(filters),
        growth=ArrivalGrowth(tenant, among, upto),
    )


# Ordering columns of few values (TicketFilterSet's ``ordering``): the filter that selects one
# value of the column, and each value of the column as that filter's.
FEW_VALUED_ORDERINGS: dict[str, tuple[str, dict[Any, str]]] = {
    "status": ("status", {status: status for status in Status.values}),
    "priority_rank": ("priority", {rank: priority for priority, rank in PRIORITY_RANK.items()}),
}


@functools.cache
def _in_text_order(values: tuple[str, ...]) -> tuple[str, ...]:
    """``values`` sorted as the database sorts the column (``ORDER BY status``: its collation)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(v ORDER BY v) FROM unnest(%s::varchar[]) AS v", [list(values)])
        return tuple(cursor.fetchone()[0])


def ticket_list_pieces(
    *,
    tenant: Tenant | Any,
    user: User | Any,
    filters: Mapping[str, Any],
    column: str,
    within: Mapping[str, Any],
    count: Callable[[Any], int],
) -> list[tuple[Any, Callable[[], int]]] | None:
    """The values ``column`` takes, ascending, each with how to count the list's tickets that have it.

    The list is the one ``filters`` select, narrowed to ``within`` (column -> value of the pieces
    it is one of). A count is ``ticket_list_total``'s, so from the kept counts where they know it
    and cached otherwise, ``count(value)`` counting it; a value the filters exclude counts 0
    without a query. None for a column of many values, and for a full-text list (its matches are
    collected once, not per value).
    """
    if column not in FEW_VALUED_ORDERINGS or str(filters.get("q") or "").strip():
        return None
    filterset = TicketFilterSet(filters, Ticket.objects.none(), tenant=tenant, user=user)
    if not filterset.is_valid():
        return None
    name, as_filter = FEW_VALUED_ORDERINGS[column]
    chosen = filterset.form.cleaned_data.get(name)
    narrowed = filters.copy() if isinstance(filters, QueryDict) else dict(filters)
    for outer, value in within.items():
        outer_name, outer_as_filter = FEW_VALUED_ORDERINGS[outer]
        narrowed[outer_name] = outer_as_filter[value]
    values = list(as_filter)
    ordered = _in_text_order(tuple(values)) if all(isinstance(v, str) for v in values) else sorted(values)

    def counter(value: Any) -> Callable[[], int]:
        if chosen and as_filter[value] not in chosen:
            return lambda: 0
        piece = narrowed.copy()
        piece[name] = as_filter[value]
        return lambda: ticket_list_total(
            tenant=tenant, user=user, filters=piece, count=functools.partial(count, value)
        )

    return [(value, counter(value)) for value in ordered]


def ticket_get(*, tenant: Tenant | Any, number: int | None = None, pk: Any = None) -> Ticket:
    """One live ticket of the tenant by number or id; ``NotFound`` otherwise (other tenants too)."""
    lookup: dict[str, Any] = {"number": number} if number is not None else {"pk": pk}
    try:
        rows = in_written_join_order(_tickets(tenant).filter(**lookup))
    except (ValueError, ValidationError) as exc:
        raise NotFound("Ticket not found.") from exc
    if not rows:
        raise NotFound("Ticket not found.")
    return rows[0]


def ticket_thread(*, ticket: Ticket) -> QuerySet[TicketComment]:
    """The ticket's comments, oldest first, with authors and attachments."""
    return (
        TicketComment.objects.for_tenant(ticket.tenant_id)
        .filter(ticket=ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")))
        .order_by("created_at", "id")
    )


def ticket_attachments(*, ticket: Ticket) -> QuerySet[Attachment]:
    """The ticket's live attachments, oldest first."""
    return Attachment.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket).order_by("created_at", "id")


def ticket_history(*, ticket: Ticket) -> QuerySet[AuditLog]:
    """The audit entries about the ticket, newest first."""
    return (
        AuditLog.objects.filter(tenant_id=ticket.tenant_id, entity_type="ticket", entity_id=str(ticket.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def ticket_view_counts(*, tenant: Tenant | Any, user: User | Any) -> dict[str, int]:
    """Counts for the standard views (cached until the tenant's next ticket write).

    The open views' counts come from the trigger-kept ``TicketCount`` rows (a COUNT over the open
    tickets took 175 ms at 1M: too many to read through an index); "Recently solved" counts the
    last days' solved tickets through tickets_recently_solved_idx.
    """
    user_id = getattr(user, "pk", None)

    def count() -> dict[str, int]:
        open_ = list(OPEN_STATUSES)
        since = timezone.now() - RECENTLY_SOLVED
        counts = live_ticket_counts(
            tenant=tenant,
            counts={
                "my_open": {"statuses": open_, "assignees": [user_id] if user_id is not None else []},
                "unassigned": {"statuses": open_, "assignees": [None]},
                "all_open": {"statuses": open_},
            },
        )
        recent = Ticket.objects.for_tenant(tenant).filter(status__in=SOLVED_STATUSES, resolved_at__gte=since)
        return {**counts, "recently_solved": recent.count()}

    return cached(tenant, TICKETS, f"view_counts:{user_id}", count)


def ticket_etag(ticket: Ticket) -> str:
    """The ticket's current ETag (what ``If-Match`` must name to update it)."""
    return etag_for(ticket)
