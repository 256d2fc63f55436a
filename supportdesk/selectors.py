"""Read helpers every app's selectors share: one tenant's live rows, filtered, in a total order."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connections, models, transaction
from django.db.models import F, Field, Func, OrderBy, QuerySet

from supportdesk.errors import NotFound
from supportdesk.filters import TenantFilterSet, filtered

M = TypeVar("M", bound=models.Model)
# A list of at most this many rows, whose page reaches its end, is found whole and sorted (see
# found_whole).
FOUND_WHOLE_MAX = 1_000


def tenant_rows(model: type[M], tenant: Any, *, deleted: bool = False) -> QuerySet[M]:
    """The tenant's rows of ``model`` (live ones unless ``deleted``), in the model's order plus id."""
    manager = model.all_objects if deleted else model._default_manager  # type: ignore[attr-defined]
    qs: QuerySet[M] = manager.filter(tenant_id=getattr(tenant, "pk", tenant))
    ordering = [*(model._meta.ordering or []), "id"]
    keys = [
        F(o.lstrip("-")).desc(nulls_last=True) if o.startswith("-") else F(o).asc(nulls_last=True)
        for o in ordering
    ]
    return qs.order_by(*keys)


def filtered_rows(
    qs: QuerySet[M],
    filterset_class: type[TenantFilterSet],
    *,
    tenant: Any,
    user: Any = None,
    filters: Mapping[str, Any] | None = None,
) -> QuerySet[M]:
    """``qs`` through the FilterSet (``ValidationFailed`` naming a bad parameter)."""
    return filtered(filterset_class, qs, filters, tenant=tenant, user=user)


def get_row(qs: QuerySet[M], pk: Any, label: str = "Object") -> M:
    """One row of an already tenant-scoped queryset, or ``NotFound`` (bad ids too)."""
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound(f"{label} not found.") from exc


@contextlib.contextmanager
def planner_settings(alias: str, **settings: str) -> Iterator[None]:
    """Plan the statements run inside with these planner settings (``join_collapse_limit="1"``).

    The settings are local to a transaction (a savepoint when one is open) and put back on the
    way out, so nothing else on the connection is planned differently, even inside a longer
    transaction.
    """
    names = list(settings)
    reads = ", ".join("current_setting(%s)" for _ in names)
    writes = ", ".join("set_config(%s, %s, true)" for _ in names)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT {reads}, {writes}", [*names, *(x for n in names for x in (n, settings[n]))])
        previous = cursor.fetchone()[: len(names)]
        try:
            yield
        finally:
            cursor.execute(
                f"SELECT {writes}", [x for pair in zip(names, previous, strict=True) for x in pair]
            )


def in_written_join_order(queryset: QuerySet[M]) -> list[M]:
    """The rows of ``queryset``, planned with its joins in the order written.

    A ticket with its seven related rows is a nine-table join. PostgreSQL searched every join
    order for it: 30-40 ms of planning at 1M tickets, for under 1 ms of execution. The written
    order (the ticket first, then each related row by its key) is the plan it finds anyway, and
    ``join_collapse_limit = 1`` plans it in about 1 ms.
    """
    with planner_settings(queryset.db, join_collapse_limit="1"):
        return list(queryset)


def count_from_bitmaps(queryset: QuerySet[Any]) -> int:
    """``queryset.count()``, planned without sequential or plain index scans: from bitmaps only.

    For a filter on a full-text match, whose GIN index can only be read as a bitmap. PostgreSQL
    prices ``to_tsvector`` at a fraction of what it costs (~30 us a row), so to count the first
    5,000 matches of a common word it read the table and computed the text of 21,760 tickets:
    676 ms, where the GIN index's bitmap answers in 94.
    """
    with planner_settings(queryset.db, enable_seqscan="off", enable_indexscan="off"):
        return queryset.count()


def found_whole(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The same rows in the same order, planned as "find every match, then sort".

    A page is read as ``ORDER BY … LIMIT n + 1``. When PostgreSQL expects many matches it walks an
    index in the list's order and tests each row until the page is full; a page that reaches the
    end of its list can only stop at the end of that index, so a list of a few tickets, or of none,
    reads every ticket of the tenant. It is the plan PostgreSQL picks when filters on columns that
    go together are estimated as if they were independent (1M tickets: a group, a status and a
    channel that never occur together, estimated at 4,000 tickets, 350 ms on every request). The
    first ordering key wrapped in ``(ARRAY[key])[1]`` (the same value, but no index's order) leaves
    the planner nothing to walk: it finds the matches through the filters' indexes and sorts them.
    Only for lists the known total says are short (``FOUND_WHOLE_MAX``): sorting them is cheap.
    """
    first, *rest = queryset.query.order_by
    key = OrderBy(F(first.lstrip("-")), descending=first.startswith("-")) if isinstance(first, str) else first
    if not isinstance(key, OrderBy):
        raise TypeError(f"A list found whole cannot order by {first!r}")
    opaque = Func(key.expression, template="(ARRAY[%(expressions)s])[1]", output_field=Field())
    wrapped = OrderBy(
        opaque, descending=key.descending, nulls_first=key.nulls_first, nulls_last=key.nulls_last
    )
    return queryset.order_by(wrapped, *rest)
