"""Per-request facts (request id, client ip) that deeper layers such as the audit log read.

Set by middleware at the start of a request; outside a request (commands, tests) they are empty
unless a caller binds them with ``bind``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


@contextmanager
def bind(*, req_id: str = "", ip: str | None = None) -> Iterator[None]:
    """Bind a request id and ip for the duration of a block."""
    tokens = (request_id.set(req_id), client_ip.set(ip))
    try:
        yield
    finally:
        request_id.reset(tokens[0])
        client_ip.reset(tokens[1])
