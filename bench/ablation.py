"""What each optimisation bought: the same query before and after it, on the same data, in one run.

An index is taken away inside a transaction that is rolled back (PostgreSQL's DDL is
transactional), so "before" is the real plan without it; a query-shape change is measured by
running the old shape, rebuilt here with the ORM exactly as it was. Times are the median of a few
``EXPLAIN (ANALYZE)`` runs, planning + execution (server time, no network), after one warm-up.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench import dataset
from bench.pg import Database

RUNS = 3


def _server_ms(db: Database, sql: str, drop: tuple[str, ...] = (), setup: str = "") -> float:
    """Planning + execution time of ``sql`` (median), with ``drop`` dropped and ``setup`` run first."""
    times = []
    with db.connect() as conn:
        for i in range(RUNS + 1):
            with conn.transaction(force_rollback=True):
                for index in drop:
                    conn.execute(f'DROP INDEX "{index}"'.encode())
                if setup:
                    conn.execute(setup.encode())
                rows = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}".encode()).fetchone()
            if i:
                plan = rows[0][0]  # type: ignore[index]
                times.append(float(plan["Planning Time"]) + float(plan["Execution Time"]))
    return round(statistics.median(times), 2)


def _sql(qs: Any) -> str:
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params)  # type: ignore[no-any-return]


Case = tuple[str, Callable[[], str], Callable[[], str], tuple[str, ...], str]


def cases(db: Database, user_email: str) -> list[Case]:
    """(name, before SQL, after SQL, indexes to drop for "before", SQL run before "after")."""
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from django.db import connection
    from django.db.models import Count, Exists, F, OuterRef, Q
    from django.utils import timezone

    from accounts.models import User
    from supportdesk.api.pagination import page_rows
    from supportdesk.selectors import found_whole
    from tickets import reports
    from tickets.choices import OPEN_STATUSES, SOLVED_STATUSES
    from tickets.filters import SEARCH_CONFIG, TICKET_SEARCH_VECTOR
    from tickets.models import Ticket, TicketComment, TicketTag
    from tickets.selectors import live_count_query, ticket_list, ticket_tag_ids

    user = User.objects.get(email=user_email)
    tenant = user.tenant_id

    def api_rows(filters: dict[str, str]) -> Any:
        """The ticket list as the API reads it: no joins, tag ids as an array column."""
        qs = ticket_list(tenant=tenant, user=user, filters=filters)
        return qs.select_related(None).prefetch_related(None).annotate(tag_ids=ticket_tag_ids())

    def page(filters: dict[str, str]) -> Callable[[], str]:
        return lambda: _sql(api_rows(filters)[:10])

    def inbox_page() -> str:
        return _sql(ticket_list(tenant=tenant, user=user, filters={"status": "open,pending"})[:26])

    def union_newest_first() -> str:
        # The broad search before: the UNION of the two GIN scans, newest first.
        query = SearchQuery(dataset.COMMON_WORD, search_type="websearch", config=SEARCH_CONFIG)
        in_tickets = (
            Ticket.objects.for_tenant(tenant).annotate(document=TICKET_SEARCH_VECTOR).filter(document=query)
        )
        in_comments = (
            TicketComment.objects.for_tenant(tenant).filter(search_document=query).values("ticket_id")
        )
        matches = in_tickets.order_by().values("pk").union(in_comments.order_by())
        qs = api_rows({}).filter(pk__in=matches)
        return _sql(qs.order_by(F("created_at").desc(), F("id").desc())[:10])

    def offset_plain() -> str:
        return _sql(api_rows({})[49_990:50_000])

    def offset_deferred() -> str:
        return _sql(page_rows(api_rows({}), 49_990, 10, full_text=False))

    def counted(qs: Any) -> str:
        return f"SELECT count(*) FROM ({_sql(qs.order_by().values('pk'))}) AS c"

    def old_tag_join() -> str:
        qs = ticket_list(tenant=tenant, user=user).filter(
            Exists(
                TicketTag.objects.filter(
                    Q(tag__name__iexact=dataset.POPULAR_TAG), ticket_id=OuterRef("pk"), tag__is_deleted=False
                )
            )
        )
        return counted(qs)

    def old_full_text() -> str:
        query = SearchQuery(dataset.RARE_WORD, search_type="websearch", config=SEARCH_CONFIG)
        in_comments = TicketComment.objects.filter(ticket_id=OuterRef("pk"), search_document=query)
        qs = (
            Ticket.objects.for_tenant(tenant)
            .annotate(document=TICKET_SEARCH_VECTOR, rank=SearchRank(F("document"), query))
            .filter(Q(document=query) | Q(Exists(in_comments)))
            .order_by(F("rank").desc(), F("created_at").desc(), F("id").desc())
        )
        return _sql(qs[:10])

    recent = ("tickets_live_recent_idx",)
    assignee = ("tickets_assignee_recent_idx", "tickets_open_assignee_idx")
    status_priority = {"status": "open,pending", "priority": "high"}

    def status_count() -> str:
        return counted(ticket_list(tenant=tenant, user=user, filters=status_priority))

    def tag_count() -> str:
        return counted(ticket_list(tenant=tenant, user=user, filters={"tag": dataset.POPULAR_TAG}))

    def live_counts(**filters: Any) -> Callable[[], str]:
        def sql() -> str:
            query, params = live_count_query(tenant, [filters])
            with connection.cursor() as cursor:
                return cursor.mogrify(query, params)

        return sql

    def summary_grouped() -> str:
        # The dashboard's open summary before: a COUNT of the open tickets by status and priority.
        qs = (
            Ticket.objects.for_tenant(tenant)
            .filter(status__in=OPEN_STATUSES)
            .values("status", "priority")
            .annotate(n=Count("id"), unassigned=Count("id", filter=Q(assignee__isnull=True)))
        )
        return _sql(qs)

    def summary_counts() -> str:
        query, params = live_count_query(tenant, list(reports.open_summary_counts().values()))
        with connection.cursor() as cursor:
            return cursor.mogrify(query, params)

    month_ago = timezone.now() - timedelta(days=30)

    def resolved_per_day(qs: Any) -> Callable[[], str]:
        return lambda: _sql(reports.per_day(qs, "resolved_at", month_ago))

    tickets = Ticket.objects.for_tenant(tenant)
    rare = page({"tag": dataset.RARE_TAG})
    nothing = dataset.filters_matching_nothing(db, tenant)
    short_list = (
        [
            (
                "three filters matching nothing: index walk -> found whole, sorted",
                lambda: _sql(api_rows(nothing)[:11]),
                lambda: _sql(found_whole(api_rows(nothing))[:11]),
                (),
                "",
            )
        ]
        if nothing
        else []
    )
    return [
        ("list page 1 (index on tenant, created_at)", page({}), page({}), recent, ""),
        (
            "assignedTo=me page (assignee index)",
            page({"assignedTo": "me"}),
            page({"assignedTo": "me"}),
            assignee,
            "",
        ),
        (
            "count status+priority (covering index)",
            status_count,
            status_count,
            ("tickets_status_counts_idx",),
            "",
        ),
        ("count popular tag: JOIN on name -> EXISTS on ids", old_tag_join, tag_count, (), ""),
        ("rare tag page ((tag, ticket) index)", rare, rare, ("tickets_tag_ticket_idx",), ""),
        (
            "full text page: correlated EXISTS -> GIN id sets",
            old_full_text,
            page({"q": dataset.RARE_WORD}),
            (),
            "",
        ),
        (
            "inbox page, 8 joins: planned in written join order",
            inbox_page,
            inbox_page,
            (),
            "SET LOCAL join_collapse_limit = 1",
        ),
        (
            "broad full text: UNION of GIN matches -> newest tickets walked",
            union_newest_first,
            page({"q": dataset.COMMON_WORD}),
            (),
            "",
        ),
        ("OFFSET page 5,000: ids first (deferred join)", offset_plain, offset_deferred, (), ""),
        (
            "list total after a write: COUNT -> trigger-kept counts",
            lambda: counted(ticket_list(tenant=tenant, user=user)),
            live_counts(statuses=None, priorities=None, assignees=None),
            (),
            "",
        ),
        (
            "status+priority total after a write: COUNT -> counts",
            status_count,
            live_counts(statuses=["open", "pending"], priorities=["high"], assignees=None),
            (),
            "",
        ),
        (
            "dashboard open summary: COUNT by status, priority -> counts",
            summary_grouped,
            summary_counts,
            (),
            "",
        ),
        (
            "dashboard resolved per day: + solved status (partial index)",
            resolved_per_day(tickets),
            resolved_per_day(tickets.filter(status__in=SOLVED_STATUSES)),
            (),
            "",
        ),
        *short_list,
    ]


def run(db: Database, user_email: str) -> list[dict[str, Any]]:
    out = []
    for name, before, after, drop, setup in cases(db, user_email):
        before_ms = _server_ms(db, before(), drop)
        after_ms = _server_ms(db, after(), setup=setup)
        row = {"optimisation": name, "before_ms": before_ms, "after_ms": after_ms}
        row["speedup"] = round(before_ms / after_ms, 1) if after_ms else None
        print(f"  {name:<62} {before_ms:9.1f} ms -> {after_ms:8.1f} ms  ({row['speedup']}x)", flush=True)
        out.append(row)
    return out
