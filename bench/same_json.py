"""The API's JSON for a page of tickets, written from plain database rows (the bench's floors).

The bench gives the floors, with the captured SQL, what the page's JSON needs beside the rows:
the ticket serializer's fields and the column each reads (``fields``), the list's ordering keys
(``cursor_keys``, for ``next_cursor``), the page size and the list's total (the app reads it
from its cache, the floors are told it). The bench checks that each floor's answer equals the
API's before timing anything.
"""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from typing import Any


def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        text = value.astimezone(datetime.UTC).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


def _cursor_value(value: Any) -> Any:
    # As the API's cursor writes it (supportdesk.api.pagination._jsonable, not imported: the bare
    # handler loads no Django): ISO 8601 with the offset, ids as text. The bench's byte-for-byte
    # check before timing catches any drift between the two.
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value


def page(rows: list[dict[str, Any]], config: dict[str, Any]) -> bytes:
    """The API's answer for ``rows`` (the page's query reads one row more than the page)."""
    limit, total = config["limit"], config["total"]
    shown = rows[:limit]
    data = [{name: _value(row[column]) for name, column in config["fields"]} for row in shown]
    cursor = None
    if len(rows) > limit and shown:
        keys = config["cursor_keys"]
        # "p": the rows before the next page (this is page 1).
        payload = {"k": keys, "v": [_cursor_value(shown[-1][k]) for k in keys], "p": len(shown)}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    pagination = {
        "total": total,
        "page": 1,
        "limit": limit,
        "pages": -(-total // limit),
        "next_cursor": cursor,
        "total_exact": True,
    }
    # As DRF's JSONRenderer writes it: compact, non-ASCII as it is.
    body = {"data": data, "pagination": pagination}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
