"""Every API error is JSON ``{"error": "<one sentence>", "details": {...}}``, whatever raised it."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from supportdesk.errors import ServiceError, StaleVersion, TooLarge, ValidationFailed
from supportdesk.services import etag_for

logger = logging.getLogger(__name__)

_STATUS_SENTENCES = {
    400: "The request is not valid.",
    401: "Authentication credentials were not provided or are not valid.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "This method is not allowed here.",
    412: "The object was changed by someone else; reload it and try again.",
    413: "The request is too large.",
    415: "Unsupported media type.",
    429: "Too many requests; slow down.",
    500: "Something went wrong on our side; it has been logged.",
}


def error_body(message: str, details: Any = None) -> dict[str, Any]:
    return {"error": message, "details": details or {}}


def _details_of(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return {str(key): value if isinstance(value, list | dict) else [value] for key, value in data.items()}
    if isinstance(data, list):
        return {"non_field_errors": data}
    return {"non_field_errors": [data]}


def _sentence(details: dict[str, Any]) -> str:
    names = [name for name in details if name != "non_field_errors"]
    if names:
        return f"Invalid input in: {', '.join(names)}."
    first = details.get("non_field_errors") or ["The request is not valid."]
    return str(first[0]) if isinstance(first, list) and first else "The request is not valid."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, reshaped; unexpected errors become a logged JSON 500."""
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge(str(exc) or _STATUS_SENTENCES[413])
    elif isinstance(exc, SuspiciousOperation):
        # Too many fields, malformed multipart, bad headers: the client's fault, never a 500.
        exc = ValidationFailed(str(exc) or _STATUS_SENTENCES[400])
    if isinstance(exc, ServiceError):
        response = Response(error_body(exc.message, exc.details), status=exc.status_code)
        if isinstance(exc, StaleVersion):
            response["ETag"] = etag_for(exc.current)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        if isinstance(exc, OperationalError):
            return None  # DatabaseUnavailableMiddleware answers 503
        logger.exception("unhandled API error", exc_info=exc)
        return Response(error_body(_STATUS_SENTENCES[500]), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        details = _details_of(response.data)
        response.data = error_body(_sentence(details), details)
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        response.data = error_body(str(detail or _STATUS_SENTENCES.get(response.status_code, "Error.")))
    return response


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer with the JSON error shape, not an HTML page."""
    return JsonResponse(error_body(_STATUS_SENTENCES[404]), status=404)
