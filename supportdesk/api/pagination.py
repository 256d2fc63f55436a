"""The old frontend's list envelope, plus keyset cursors for deep scrolling.

``{"data": [...], "pagination": {"total", "page", "limit", "pages", "next_cursor", "total_exact"}}``.
``?page=&limit=`` works as before; ``?cursor=`` continues after the last row of a previous page
with a ``WHERE (ordering columns) > (last values)`` condition, so page 10,000 costs what page 1 does.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import math
import uuid
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Field, Func, OrderBy, Q, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from supportdesk.errors import ValidationFailed
from supportdesk.selectors import FOUND_WHOLE_MAX, found_whole

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
# A full-text query matching more rows than this reports total = this and total_exact = false.
FULL_TEXT_COUNT_CAP = 10_000
HUGE = 10**12
# From this offset on, a page is read by id first (see page_rows).
DEFERRED_JOIN_OFFSET = 500
# A list ordered first by a column of few values is read a value at a time above this many rows
# (see read_in_pieces).
PIECES_ABOVE = 3 * FOUND_WHOLE_MAX


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
        raise ValidationFailed(f"{name} must be a positive integer.", {name: ["Must be a positive integer."]})
    # Any bigger number means "past the end" (page) or "as many as allowed" (limit) all the same.
    return int(raw) if len(raw) <= 12 else HUGE


def ordering_keys(qs: QuerySet[Any]) -> list[tuple[str, bool]]:
    """The queryset's order as ``(name, descending)`` pairs; selectors always end it with ``id``."""
    keys = []
    for item in qs.query.order_by:
        if isinstance(item, str):
            keys.append((item.lstrip("-"), item.startswith("-")))
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            keys.append((item.expression.name, item.descending))
        else:
            raise TypeError(f"Keyset pagination cannot order by {item!r}")
    if not keys or keys[-1][0] not in ("id", "pk"):
        keys.append(("id", keys[-1][1] if keys else False))
    return keys


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(row: Any, keys: list[tuple[str, bool]], position: int | None = None) -> str:
    """The cursor after ``row``: the ordering's names and ``row``'s values of them.

    ``position``, how many rows of the list came before the cursor's page when it was written, is
    only a hint for planning that page (see ``paginate_queryset``): writes since then move it.
    """
    payload: dict[str, Any] = {
        "k": [name for name, _ in keys],
        "v": [_jsonable(getattr(row, name)) for name, _ in keys],
    }
    if position is not None:
        payload["p"] = position
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[tuple[str, bool]]) -> tuple[list[Any], int | None]:
    """The values of ``encode_cursor`` and its position (None in a cursor written without one)."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = payload["v"]
        names = payload["k"]
        position = payload.get("p")
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as exc:
        raise ValidationFailed.on("cursor", "This cursor is not valid.") from exc
    if names != [name for name, _ in keys] or not isinstance(values, list) or len(values) != len(keys):
        raise ValidationFailed.on("cursor", "This cursor belongs to another ordering or filter.")
    if any(not isinstance(v, str | int | float | type(None)) for v in values):
        raise ValidationFailed.on("cursor", "This cursor is not valid.")
    if position is not None and (type(position) is not int or not 0 <= position < HUGE):
        raise ValidationFailed.on("cursor", "This cursor is not valid.")
    return values, position


def _nullable(qs: QuerySet[Any], name: str) -> bool:
    try:
        return bool(getattr(qs.model._meta.get_field(name), "null", False))
    except FieldDoesNotExist:
        return False


def _row(*parts: Any) -> Func:
    return Func(*parts, template="(%(expressions)s)", output_field=Field())


def _row_range(qs: QuerySet[Any], keys: list[tuple[str, bool]], values: list[Any]) -> QuerySet[Any] | None:
    """``(a, b, id) > (x, y, z)`` (``<`` descending): an index range PostgreSQL starts from.

    Only when every key goes the same way, is a column and has a value at the cursor. A row with
    a NULL in any key is never in the range (a row comparison with a NULL is NULL).
    """
    descending = {descending for _, descending in keys}
    if len(descending) != 1 or any(value is None for value in values):
        return None
    try:
        fields = [qs.model._meta.get_field(name) for name, _ in keys]
    except FieldDoesNotExist:
        return None
    if any(not field.concrete for field in fields):
        return None
    try:
        typed = [
            Value(field.to_python(value), output_field=field)
            for field, value in zip(fields, values, strict=True)
        ]
    except (ValidationError, ValueError, TypeError) as exc:
        raise ValidationFailed.on("cursor", "This cursor is not valid.") from exc
    lookup = LessThan if descending.pop() else GreaterThan
    return qs.filter(lookup(_row(*(F(name) for name, _ in keys)), _row(*typed)))


def _row_after(qs: QuerySet[Any], keys: list[tuple[str, bool]], values: list[Any]) -> QuerySet[Any] | None:
    """Every row after the cursor as one index range, when no key can be NULL (``_row_range``).

    The OR of ``after`` below is a filter PostgreSQL walks the index with: a cursor 100,000 rows
    into the tickets sorted by priority read those 100,000 rows of the priority group first (84 ms
    at 1M), the range reads the page.
    """
    if any(_nullable(qs, name) for name, _ in keys):
        return None
    return _row_range(qs, keys, values)


def _before_and_in_the_nulls(
    qs: QuerySet[Any], keys: list[tuple[str, bool]], values: list[Any]
) -> tuple[QuerySet[Any], QuerySet[Any]] | None:
    """The rows after a cursor on a nullable column, as two index ranges: before the NULLs, the NULLs.

    NULLs sort last either way, so after a row with a value come the later values, then every
    row without one. As the OR of ``after`` that is a filter over the rows before the cursor too
    (the 10,000th page by ``due_at`` 21-35 ms at 1M, growing with depth); as two ranges, each
    starts where its rows do. Only for a first key that can be NULL, with a value at the cursor,
    followed by keys that cannot (the ``id`` that breaks ties).
    """
    (first, _), rest = keys[0], keys[1:]
    if not _nullable(qs, first) or any(_nullable(qs, name) for name, _ in rest):
        return None
    before = _row_range(qs, keys, values)
    if before is None:
        return None
    return before, qs.filter(**{f"{first}__isnull": True})


def rows_after(qs: QuerySet[Any], keys: list[tuple[str, bool]], values: list[Any], n: int) -> list[Any]:
    """The first ``n`` rows strictly after ``values`` in the ``keys`` order (see ``after``)."""
    split = _before_and_in_the_nulls(qs, keys, values)
    if split is None:
        return list(after(qs, keys, values)[:n])
    before, nulls = split
    rows = list(before[:n])
    if len(rows) < n:
        rows += nulls[: n - len(rows)]
    return rows


def after(qs: QuerySet[Any], keys: list[tuple[str, bool]], values: list[Any]) -> QuerySet[Any]:
    """Rows strictly after ``values`` in the ``keys`` order (NULLs sort last in either direction)."""
    rows = _row_after(qs, keys, values)
    if rows is not None:
        return rows
    condition = Q(pk__in=[])
    equal_so_far = Q()
    for (name, descending), value in zip(keys, values, strict=True):
        if value is None:
            later = Q(pk__in=[])
            same = Q(**{f"{name}__isnull": True})
        else:
            later = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
            if _nullable(qs, name):
                later |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        condition |= equal_so_far & later
        equal_so_far &= same
    first, first_descending = keys[0]
    if values[0] is not None and not _nullable(qs, first):
        # Implied by the condition, but an index range PostgreSQL can start from: without it the
        # OR above is a filter, and page 10,000 walked the 100k rows before it (52 ms at 1M).
        condition &= Q(**{f"{first}__{'lte' if first_descending else 'gte'}": values[0]})
    try:
        return qs.filter(condition)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed.on("cursor", "This cursor is not valid.") from exc


def page_rows(queryset: QuerySet[Any], offset: int, limit: int, full_text: bool) -> QuerySet[Any]:
    """``queryset[offset:offset + limit]``; a deep page finds its ids first ("deferred join").

    OFFSET reads and throws away every row before the page. Skipping them in a query that selects
    only ids reads the index alone (the list's order is an index), and the full rows, with every
    computed column (a ticket's tag ids), are then read for the page's rows only: OFFSET 50,000
    at 1M tickets went from 150 ms to a few ms. A full-text page keeps the plain form (its order
    may be a rank, which the id query would have to compute anyway).
    """
    if offset < DEFERRED_JOIN_OFFSET or full_text:
        return queryset[offset : offset + limit]
    ids = queryset.values("pk")[offset : offset + limit]
    return queryset.filter(pk__in=ids)


class _Piece:
    """The rows of a list that have one value of its first ordering key, in the list's order."""

    def __init__(
        self,
        rows: QuerySet[Any],
        keys: list[tuple[str, bool]],
        value: Any,
        count: Any,
        within: dict[str, Any],
    ) -> None:
        self.rows, self.keys, self.value, self.within = rows, keys, value, within
        self._count = count

    @functools.cached_property
    def count(self) -> int:
        return int(self._count())

    def read(self, view: Any, offset: int, n: int) -> list[Any]:
        """``n`` rows from ``offset`` on: none, unread, if the piece ends before it."""
        if self.count <= offset:
            return []
        if self.count <= FOUND_WHOLE_MAX:
            return list(page_rows(found_whole(self.rows), offset, n, full_text=False))
        return read_in_pieces(view, self.rows, self.keys, offset, n, self.within, total=self.count)


def _pieces(
    view: Any, queryset: QuerySet[Any], keys: list[tuple[str, bool]], within: dict[str, Any]
) -> list[_Piece] | None:
    """The list as one piece per value of its first ordering key, in its order; None if it is not
    ordered first by a column of few values (``view.ordering_pieces``) then by another."""
    (column, descending), rest = keys[0], keys[1:]
    hook = getattr(view, "ordering_pieces", None)
    # A column a piece holds one value of (``ordering=status,-status``) orders nothing in it.
    if hook is None or len(rest) < 2 or column in within:
        return None
    values = hook(column, within, lambda value: queryset.filter(**{column: value}).count())
    if values is None:
        return None
    order = queryset.query.order_by[1:]
    pieces = [
        _Piece(
            queryset.filter(**{column: value}).order_by(*order), rest, value, count, {**within, column: value}
        )
        for value, count in values
    ]
    return pieces[::-1] if descending else pieces


def read_in_pieces(
    view: Any,
    queryset: QuerySet[Any],
    keys: list[tuple[str, bool]],
    offset: int,
    n: int,
    within: dict[str, Any] | None = None,
    *,
    total: int,
) -> list[Any]:
    """``page_rows(queryset, offset, n)``, a value of the first key at a time when it has few.

    No index has the order "status, then last update": PostgreSQL sorted every ticket of the
    list to find a page (``ordering=status,-updated_at``: 416 ms at 1M tickets, on every
    request). One status's tickets in update order are a range of the update-time index read
    with a filter. So the page is read from the first value's tickets, then the next value's,
    each piece's size from the view's counts (kept or cached): a piece before the offset or
    empty is skipped unread, a piece of at most ``FOUND_WHOLE_MAX`` tickets is found whole.
    A list of at most ``PIECES_ABOVE`` (``total``) is sorted whole as before: one query, where a
    piece's value can cost more than it saves (a company's closed tickets at 1M: PostgreSQL ANDs
    the company's 2,877 tickets with a bitmap of the tenant's 240k closed ones, 13 ms).
    """
    pieces = _pieces(view, queryset, keys, within or {})
    if pieces is None:
        return list(page_rows(queryset, offset, n, full_text=False))
    if total <= PIECES_ABOVE:
        return list(page_rows(found_whole(queryset), offset, n, full_text=False))
    rows: list[Any] = []
    for piece in pieces:
        if piece.count <= offset:
            offset -= piece.count
            continue
        rows += piece.read(view, offset, n - len(rows))
        offset = 0
        if len(rows) >= n:
            break
    return rows


def read_after_in_pieces(
    view: Any,
    queryset: QuerySet[Any],
    keys: list[tuple[str, bool]],
    values: list[Any],
    n: int,
    within: dict[str, Any] | None = None,
    *,
    total: int,
) -> list[Any]:
    """``rows_after(queryset, keys, values, n)``, a value of the first key at a time when it has few
    (``read_in_pieces``): the rest of the cursor's piece, then the pieces after it."""
    pieces = _pieces(view, queryset, keys, within or {})
    if pieces is None:
        return rows_after(queryset, keys, values, n)
    if total <= PIECES_ABOVE:
        return rows_after(found_whole(queryset), keys, values, n)
    field = queryset.model._meta.get_field(keys[0][0])
    try:
        start = field.to_python(values[0])
    except (ValidationError, ValueError, TypeError) as exc:
        raise ValidationFailed.on("cursor", "This cursor is not valid.") from exc
    at = next((i for i, piece in enumerate(pieces) if piece.value == start), None)
    if at is None:
        raise ValidationFailed.on("cursor", "This cursor is not valid.")
    first = pieces[at]
    rows: list[Any] = []
    if first.count > FOUND_WHOLE_MAX:
        rows = read_after_in_pieces(
            view, first.rows, first.keys, values[1:], n, first.within, total=first.count
        )
    elif first.count:
        rows = rows_after(found_whole(first.rows), first.keys, values[1:], n)
    for piece in pieces[at + 1 :]:
        if len(rows) >= n:
            break
        rows += piece.read(view, 0, n - len(rows))
    return rows


class EnvelopePagination(BasePagination):
    """``page``/``limit`` (limit capped at 100) or ``cursor``, answered in the old envelope."""

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any]:
        page = _positive_int(request, "page", 1)
        self.limit = min(_positive_int(request, "limit", DEFAULT_LIMIT), MAX_LIMIT)
        cursor = request.query_params.get("cursor")
        keys = ordering_keys(queryset)
        full_text = bool(str(request.query_params.get("q") or "").strip()) and getattr(
            view, "full_text_capped", False
        )
        # A view may cache its counts (the exact count is the cost centre of a big list).
        count_with = getattr(view, "count_with", None) or (lambda count: count())
        if full_text:
            self.total = count_with(lambda: queryset.order_by()[: FULL_TEXT_COUNT_CAP + 1].count())
            self.total_exact = self.total <= FULL_TEXT_COUNT_CAP
            self.total = min(self.total, FULL_TEXT_COUNT_CAP)
        else:
            self.total = count_with(queryset.count)
            self.total_exact = True
        if cursor:
            self.page: int | None = None
            values, start = decode_cursor(cursor, keys)
            if full_text:
                rows = rows_after(queryset, keys, values, self.limit + 1)
            # Where the page ends, as far as the cursor knows (a cursor without a position: at
            # most its own length into the list).
            elif self.total <= min((start or 0) + self.limit, FOUND_WHOLE_MAX):
                rows = rows_after(found_whole(queryset), keys, values, self.limit + 1)
            else:
                rows = read_after_in_pieces(view, queryset, keys, values, self.limit + 1, total=self.total)
            has_more = len(rows) > self.limit
            rows = rows[: self.limit]
        else:
            self.page = page
            offset = start = (page - 1) * self.limit
            if full_text:
                # Its total is a capped count of matches: a page past it is not read (a deep OFFSET
                # through a full-text shape is what the cap is there to refuse).
                rows = list(page_rows(queryset, offset, self.limit, full_text)) if offset < self.total else []
                has_more = offset + self.limit < self.total
            else:
                past_end = offset > 0 and offset >= self.total
                if past_end:
                    # Whether rows are there all the same (a total gone wrong) is counted, not
                    # walked to. An OFFSET past the end reads every row of the list to find none
                    # (1M tickets, status=open: 0.2 s warm, 4 s cold); a COUNT reads an index.
                    exact = queryset.count()
                    if exact != self.total:
                        self._disagrees(exact, view)
                    self.total = exact
                    past_end = offset >= exact
                if past_end:
                    rows, has_more = [], False
                else:
                    # One row more than the page: whether another follows is read, not taken from
                    # the total.
                    if self.total <= min(offset + self.limit, FOUND_WHOLE_MAX):
                        rows = list(page_rows(found_whole(queryset), offset, self.limit + 1, full_text))
                    else:
                        rows = read_in_pieces(view, queryset, keys, offset, self.limit + 1, total=self.total)
                    has_more = len(rows) > self.limit
                    rows = rows[: self.limit]
                    if not self._total_fits(offset, len(rows), has_more):
                        self.total = self._recount(queryset, view)
        self.next_cursor = None
        if has_more and rows:
            self.next_cursor = encode_cursor(rows[-1], keys, None if start is None else start + len(rows))
        return rows

    def _total_fits(self, offset: int, found: int, has_more: bool) -> bool:
        """Whether the rows read at ``offset`` are what ``self.total`` says should be there."""
        expected = max(0, min(self.limit, self.total - offset))
        return found == expected and has_more == (offset + self.limit < self.total)

    def _recount(self, queryset: QuerySet[Any], view: Any) -> int:
        """The exact count, when the rows contradict the total (a cached or kept total gone wrong).

        A view learns of it through ``total_disagrees(total, exact)``. A write between reading the
        total and the rows contradicts it too, and is answered the same way.
        """
        exact = queryset.count()
        self._disagrees(exact, view)
        return exact

    def _disagrees(self, exact: int, view: Any) -> None:
        disagrees = getattr(view, "total_disagrees", None)
        if disagrees is not None:
            disagrees(self.total, exact)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "data": data,
                "pagination": {
                    "total": self.total,
                    "page": self.page,
                    "limit": self.limit,
                    "pages": math.ceil(self.total / self.limit),
                    "next_cursor": self.next_cursor,
                    "total_exact": self.total_exact,
                },
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "required": ["total", "page", "limit", "pages", "next_cursor"],
                    "properties": {
                        "total": {"type": "integer", "example": 123},
                        "page": {"type": "integer", "nullable": True, "example": 1},
                        "limit": {"type": "integer", "example": 10},
                        "pages": {"type": "integer", "example": 13},
                        "next_cursor": {"type": "string", "nullable": True},
                        "total_exact": {"type": "boolean"},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1 (a page past the end is empty).",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Rows per page; values above {MAX_LIMIT} are served as {MAX_LIMIT}.",
                "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "Continue after a previous page: its pagination.next_cursor (keyset).",
                "schema": {"type": "string"},
            },
        ]
