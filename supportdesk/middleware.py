"""Cross-cutting request handling."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)


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
