"""Reads behind the dashboard: a handful of aggregate queries, none of which reads every ticket.

The open summary sums the trigger-kept counts (decision 0005); the per-day series read the last
days' rows through the indexes on ``created_at`` and ``resolved_at``; the oldest open tickets walk
the open-tickets index. Each costs the same at 10k tickets as at 1M.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Tenant
from tickets.choices import OPEN_STATUSES, SOLVED_STATUSES, Priority, Status
from tickets.models import Ticket
from tickets.selectors import live_ticket_counts

OLDEST_OPEN_SHOWN = 10


@dataclass(frozen=True)
class OpenSummary:
    by_status: list[tuple[str, str, int]]  # (value, label, count) in workflow order
    by_priority: list[tuple[str, str, int]]  # most severe first
    unassigned: int
    total: int


def open_summary_counts() -> dict[str, dict[str, Any]]:
    """What the open summary sums, as ``live_ticket_counts`` takes it: one count per open status,
    per priority of open tickets, and of unassigned open tickets."""
    opened = [s.value for s in OPEN_STATUSES]
    return {
        **{f"status:{s.value}": {"statuses": [s.value]} for s in OPEN_STATUSES},
        **{f"priority:{p.value}": {"statuses": opened, "priorities": [p.value]} for p in Priority},
        "unassigned": {"statuses": opened, "assignees": [None]},
    }


def open_summary(*, tenant: Tenant | uuid.UUID) -> OpenSummary:
    """Open tickets counted by status, by priority, and unassigned: one query over the tenant's
    trigger-kept counts (a few thousand rows however many tickets; a COUNT over the open tickets
    took 22 ms at 100k and grew with them)."""
    counts = live_ticket_counts(tenant=tenant, counts=open_summary_counts())
    by_status = [(s.value, s.label, counts[f"status:{s.value}"]) for s in Status if s in OPEN_STATUSES]
    return OpenSummary(
        by_status=by_status,
        by_priority=[(p.value, p.label, counts[f"priority:{p.value}"]) for p in reversed(Priority)],
        unassigned=counts["unassigned"],
        total=sum(n for _, _, n in by_status),
    )


def per_day(qs: QuerySet[Ticket], field: str, since: datetime.datetime) -> QuerySet[Ticket, tuple[Any, ...]]:
    """``(day, tickets)`` of ``qs`` whose ``field`` is ``since`` or later, by UTC day."""
    return (
        qs.filter(**{f"{field}__gte": since})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )


def created_and_resolved(
    *, tenant: Tenant | uuid.UUID, days: int = 30
) -> tuple[list[datetime.date], dict[str, dict[datetime.date, int]]]:
    """Tickets created and resolved per day over the last ``days`` days (today included)."""
    today = timezone.localdate()
    dates = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    since = timezone.make_aware(datetime.datetime.combine(dates[0], datetime.time.min))
    qs = Ticket.objects.for_tenant(tenant)
    return dates, {
        "Created": dict(per_day(qs, "created_at", since)),
        # resolved_at is set exactly on solved tickets (a CHECK constraint): saying so lets the
        # query read the last days through tickets_recently_solved_idx instead of every ticket.
        "Resolved": dict(per_day(qs.filter(status__in=SOLVED_STATUSES), "resolved_at", since)),
    }


def oldest_open(*, tenant: Tenant | uuid.UUID, limit: int = OLDEST_OPEN_SHOWN) -> QuerySet[Ticket]:
    """The open tickets waiting longest, with what the table shows."""
    return (
        Ticket.objects.for_tenant(tenant)
        .filter(status__in=OPEN_STATUSES)
        .select_related("requester", "company", "assignee")
        .order_by("created_at", "id")[:limit]
    )
