"""Reads behind the dashboard: a handful of aggregate queries, each over the tenant's tickets."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Tenant
from tickets.choices import OPEN_STATUSES, Priority, Status
from tickets.models import Ticket

OLDEST_OPEN_SHOWN = 10


@dataclass(frozen=True)
class OpenSummary:
    by_status: list[tuple[str, str, int]]  # (value, label, count) in workflow order
    by_priority: list[tuple[str, str, int]]  # most severe first
    unassigned: int
    total: int


def open_summary(*, tenant: Tenant | uuid.UUID) -> OpenSummary:
    """Open tickets counted by status, by priority, and unassigned — one query."""
    rows = (
        Ticket.objects.for_tenant(tenant)
        .filter(status__in=OPEN_STATUSES)
        .values("status", "priority")
        .annotate(n=Count("id"), unassigned=Count("id", filter=Q(assignee__isnull=True)))
    )
    by_status: Counter[str] = Counter()
    by_priority: Counter[str] = Counter()
    unassigned = 0
    for row in rows:
        by_status[row["status"]] += row["n"]
        by_priority[row["priority"]] += row["n"]
        unassigned += row["unassigned"]
    return OpenSummary(
        by_status=[(s.value, s.label, by_status[s.value]) for s in Status if s in OPEN_STATUSES],
        by_priority=[(p.value, p.label, by_priority[p.value]) for p in reversed(Priority)],
        unassigned=unassigned,
        total=sum(by_status.values()),
    )


def _per_day(qs: QuerySet[Ticket], field: str, since: datetime.datetime) -> dict[datetime.date, int]:
    rows = (
        qs.filter(**{f"{field}__gte": since})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return dict(rows)


def created_and_resolved(
    *, tenant: Tenant | uuid.UUID, days: int = 30
) -> tuple[list[datetime.date], dict[str, dict[datetime.date, int]]]:
    """Tickets created and resolved per day over the last ``days`` days (today included)."""
    today = timezone.localdate()
    dates = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    since = timezone.make_aware(datetime.datetime.combine(dates[0], datetime.time.min))
    qs = Ticket.objects.for_tenant(tenant)
    return dates, {
        "Created": _per_day(qs, "created_at", since),
        "Resolved": _per_day(qs, "resolved_at", since),
    }


def oldest_open(*, tenant: Tenant | uuid.UUID, limit: int = OLDEST_OPEN_SHOWN) -> QuerySet[Ticket]:
    """The open tickets waiting longest, with what the table shows."""
    return (
        Ticket.objects.for_tenant(tenant)
        .filter(status__in=OPEN_STATUSES)
        .select_related("requester", "company", "assignee")
        .order_by("created_at", "id")[:limit]
    )
