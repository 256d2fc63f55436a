"""Per-request facts (request id, client ip, the request) that deeper layers such as the audit log
and the log formatter read.

Set by ``RequestIdMiddleware`` at the start of a request and cleared when the response is closed
(``request_finished``), so the lines Django logs after the middleware chain (``django.request``'s
"Not Found") still carry them. Outside a request (commands, tests) they are empty unless a caller
binds them with ``bind``.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
# The HttpRequest being served: log lines read its method, path and (once loaded) its user.
current_request: contextvars.ContextVar[Any | None] = contextvars.ContextVar("current_request", default=None)


@contextmanager
def bind(*, req_id: str = "", ip: str | None = None, request: Any | None = None) -> Iterator[None]:
    """Bind a request id, ip and request for the duration of a block."""
    tokens = (request_id.set(req_id), client_ip.set(ip), current_request.set(request))
    try:
        yield
    finally:
        request_id.reset(tokens[0])
        client_ip.reset(tokens[1])
        current_request.reset(tokens[2])


def begin_request(*, req_id: str, ip: str | None, request: Any) -> None:
    """Bind the facts of the request this thread (or task) now serves."""
    request_id.set(req_id)
    client_ip.set(ip)
    current_request.set(request)


def end_request(**kwargs: Any) -> None:
    """``request_finished`` receiver: forget the request's facts."""
    request_id.set("")
    client_ip.set(None)
    current_request.set(None)


def client_address(request: Any) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry our NUM_PROXIES proxies added.

    Anything that is not an IP address (a forged or garbled header) counts as no forwarded address.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.NUM_PROXIES > 0 and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            candidate = addresses[-min(settings.NUM_PROXIES, len(addresses))]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None
