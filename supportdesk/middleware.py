"""Cross-cutting request handling: request ids and access logs, health probes, database outages."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from supportdesk import request_context
from supportdesk.health import check_readiness
from supportdesk.metrics import observe_pool_state

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("supportdesk.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A sane incoming id: short, printable, no spaces (it ends up in logs and in audit rows of 64 chars).
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,63}")
HEALTH_PATHS = ("/healthz", "/readyz")


class RequestIdMiddleware:
    """Give every request an id, bind it for logs and audit rows, and write one access log line.

    The binding lasts until the response is closed (``request_context.end_request``).

    Must come first in MIDDLEWARE so that every response, redirects and errors included, carries
    ``X-Request-ID``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        req_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = req_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        ip = request_context.client_address(request)
        request_context.begin_request(req_id=req_id, ip=ip, request=request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = req_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        access_logger.log(
            logging.DEBUG if request.path in HEALTH_PATHS else logging.INFO,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={"status": response.status_code, "duration": duration_ms},
        )
        observe_pool_state()
        return response


class HealthCheckMiddleware:
    """Answer ``/healthz`` and ``/readyz`` before host validation, sessions and the SSL redirect.

    Probes come from load balancers and orchestrators that use an internal address as Host and plain
    HTTP; they must not need an ALLOWED_HOSTS entry, and they must not touch the connection pool.
    Neither answer names versions or hosts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"error": "Method not allowed."}, status=405, headers={"Allow": "GET, HEAD"})
        if request.path == "/healthz":
            response = JsonResponse({"status": "ok"})
        else:
            readiness = check_readiness()
            response = JsonResponse(readiness.as_json(), status=200 if readiness.ready else 503)
        response["Cache-Control"] = "no-store"
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 when the database cannot be reached, instead of a 500 with a traceback.

    The process keeps running; the connection pool reconnects by itself once the server is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError):
            return None
        logger.error("database unavailable: %s", exception)
        response = JsonResponse(
            {"error": "The database is unavailable; try again shortly.", "details": {}}, status=503
        )
        response["Retry-After"] = "5"
        return response
