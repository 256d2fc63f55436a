"""Counts raised by the tickets that arrived since they were counted (``supportdesk.caching.Growth``).

A new ticket only ever adds itself to the lists it is in. So a cached total need not be counted
again after new tickets: it is raised by those of them the list holds, a handful of rows read by
their ids instead of the list's matches (decision 0010).

Which tickets are new to a count is told by PostgreSQL's snapshots, not by times: each ticket holds
the id of the transaction that inserted it (``created_xid``, tickets.0016), and a count is stored
with the snapshot it saw (``pg_current_snapshot()``, its *mark*). The tickets whose transaction that
snapshot does not see (``pg_visible_in_snapshot``) are those the count did not: committed after
it, whatever their creation times and in whatever order their transactions began. Raising a count
takes two statements: the ids of those tickets, with that statement's snapshot as the new mark,
then the list's tickets among those ids (none when no ticket arrived).

A count made in several statements (a search's text and comment matches) sees a snapshot per
statement. It gets a mark only if none of the list's tickets arrived between the first statement
and the end: the snapshot taken just before it, checked by the same statement that takes the mark.
A transaction that wrote (its id is assigned) neither marks nor raises: its own uncommitted tickets
are visible to it and in no snapshot, so they would be added twice, or kept should it roll back.
Everything else a count depends on is kept by the cache's versions: a ticket write other than a new
ticket drops the count where it could change it, and it is counted again, with a new mark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from tickets.models import Ticket

# Past this many new tickets since a count, it is counted again instead.
ARRIVALS_MAX = 1000

# The ids of the tenant's tickets whose inserting transaction the snapshot (the mark) did not see,
# up to one past ARRIVALS_MAX, and the statement's own snapshot: from tickets_arrival_idx, those at
# or past the mark's xmin, then tested one by one. Read first, as a list of ids: PostgreSQL
# estimates the range from the column's statistics, which may predate the tickets in it (268k
# estimated for none at 1M), and it then hashed the list's tickets to join them (858 ms).
ARRIVED_SQL = (
    "SELECT array(SELECT id FROM tickets_ticket WHERE tenant_id = %s "
    "AND created_xid >= pg_snapshot_xmin(%s::pg_snapshot) "
    "AND NOT pg_visible_in_snapshot(created_xid, %s::pg_snapshot) ORDER BY created_xid LIMIT %s), "
    "pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL"
)


class ArrivalGrowth:
    """A count of ``among(ids)``'s tickets (a list, or a search), raised by the new tickets it holds.

    ``among`` narrows the counted tickets to ``ids`` (a list of new tickets), keeping every filter of
    the count. ``upto``: the count stops there (``count()[:upto]``), so a count that reached it stays
    there; a count above it is exact (from the kept counts) and is raised like any other.
    """

    def __init__(
        self, tenant: Any, among: Callable[[list[Any]], QuerySet[Ticket]], upto: int | None = None
    ) -> None:
        self.tenant_id = getattr(tenant, "pk", tenant)
        self.among = among
        self.upto = upto

    def marked(self, count: Callable[[], int]) -> tuple[int, str | None]:
        """``count()``, with the snapshot it saw; None when that is unknown (see the module)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL")
            before, clean = cursor.fetchone()
        value = count()
        if not clean:
            return value, None
        arrived, mark = self.arrived(before)
        return value, mark if arrived == 0 else None

    def grown(self, value: int, mark: str) -> tuple[int, str] | None:
        """``value``, counted at ``mark``, raised by the list's tickets that arrived since."""
        arrived, now = self.arrived(mark)
        if now is None:
            return None
        grown = value + arrived
        if self.upto is not None and value <= self.upto:
            grown = min(grown, self.upto)
        return grown, now

    def arrived(self, mark: str) -> tuple[int, str | None]:
        """How many of the counted tickets arrived since ``mark``, and the snapshot that says
        which arrived (None, and no count, if this transaction wrote or too many arrived)."""
        with connection.cursor() as cursor:
            cursor.execute(ARRIVED_SQL, [self.tenant_id, mark, mark, ARRIVALS_MAX + 1])
            ids, now, clean = cursor.fetchone()
        if not clean or len(ids) > ARRIVALS_MAX:
            return 0, None
        if not ids:
            return 0, now
        # Tickets committed after ``now`` are not among the ids: the next count from ``now`` has them.
        sql, params = self.among(ids).order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql}) arrived", params)
            return int(cursor.fetchone()[0]), now
