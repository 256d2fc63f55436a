"""Counts raised by the tickets that arrived since they were counted (``supportdesk.caching.Growth``).

A new ticket only ever adds itself to the lists it is in. So a cached total need not be counted
again after new tickets: it is raised by those of them the list holds, a handful of rows read by
their ids instead of the list's matches (decision 0010).

Which tickets are new to a count is told by PostgreSQL's snapshots, not by times: each ticket holds
the id of the transaction that inserted it (``created_xid``, tickets.0016), and a count is stored
with the snapshot it saw (``pg_current_snapshot()``, its *mark*). The tickets whose transaction that
snapshot does not see (``pg_visible_in_snapshot``) are those the count did not: committed after
it, whatever their creation times and in whatever order their transactions began. Raising a count
is one statement: the list's tickets among them, and the statement's own snapshot as the new mark.

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
from django.db.models.expressions import RawSQL

from tickets.models import Ticket

# The tenant's tickets whose inserting transaction the snapshot (the mark) did not see: from
# tickets_arrival_idx, those at or past the snapshot's xmin, then tested one by one.
ARRIVED_SQL = (
    "SELECT id FROM tickets_ticket WHERE tenant_id = %s AND created_xid >= pg_snapshot_xmin(%s::pg_snapshot) "
    "AND NOT pg_visible_in_snapshot(created_xid, %s::pg_snapshot)"
)


def arrived_since(tenant_id: Any, mark: str) -> RawSQL:
    """The ids of the tenant's tickets that a count marked ``mark`` did not see (``pk__in=``)."""
    return RawSQL(ARRIVED_SQL, [tenant_id, mark, mark])


class ArrivalGrowth:
    """A count of ``among(ids)``'s tickets (a list, or a search), raised by the new tickets it holds.

    ``among`` narrows the counted tickets to ``ids`` (``arrived_since``), keeping every filter of the
    count. ``upto``: the count stops there (``count()[:upto]``), so a count that reached it stays
    there; a count above it is exact (from the kept counts) and is raised like any other.
    """

    def __init__(
        self, tenant: Any, among: Callable[[RawSQL], QuerySet[Ticket]], upto: int | None = None
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
        """How many of the counted tickets arrived since ``mark``, and this statement's snapshot
        (None, and no count, if this transaction wrote)."""
        rows = self.among(arrived_since(self.tenant_id, mark)).order_by().values("pk")
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL "
                f"FROM ({sql}) arrived",
                params,
            )
            arrived, now, clean = cursor.fetchone()
        return (int(arrived), now) if clean else (0, None)
