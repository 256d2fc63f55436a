"""Logging: one setting (``LOG_FORMAT=json|text``) and the request facts on every line.

``RequestContextFilter`` stamps each record with the request id, tenant, user, method and path of
the request being served (empty outside a request), so JSON lines all have the same shape and a
request id finds every line of one request. It never queries the database: the user is only named
when authentication has already loaded it.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from supportdesk import request_context

# Every JSON line carries these keys, in this order (``None`` when not known).
CONTEXT_FIELDS = ("request_id", "tenant", "user", "method", "path", "status", "duration")


def loaded_user(request: Any) -> Any | None:
    """The authenticated user of ``request`` if authentication already resolved it, else None."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        wrapped = user._wrapped  # type: ignore[attr-defined]
        user = None if wrapped is empty else wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


class RequestContextFilter(logging.Filter):
    """Adds the current request's facts to every record (keeps values a caller passed in ``extra``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = request_context.current_request.get()
        user = loaded_user(request) if request is not None else None
        facts = {
            "request_id": request_context.request_id.get() or None,
            "tenant": str(user.tenant_id) if user is not None else None,
            "user": str(user.pk) if user is not None else None,
            "method": request.method if request is not None else None,
            "path": request.path if request is not None else None,
            "status": None,
            "duration": None,
        }
        # django.request names the status of its 4xx/5xx lines `status_code`.
        facts["status"] = getattr(record, "status_code", None)
        for key, value in facts.items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, then the context."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            # Django's request logger passes the request object; the context fields already say it.
            reserved_attrs=[*RESERVED_ATTRS, "request", "server_time", "status_code"],
            **kwargs,
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # The same keys in the same order on every line, whatever a caller passed in `extra`.
        ordered = {key: log_data.pop(key, None) for key in ("time", "level", "logger", "message")}
        ordered.update({key: log_data.pop(key, None) for key in CONTEXT_FIELDS})
        ordered.update(log_data)
        return ordered

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        return moment.isoformat(timespec="milliseconds")


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` dict for ``LOG_FORMAT`` (``json`` or ``text``) and ``LOG_LEVEL``."""
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
    formatter: dict[str, Any] = (
        {"()": "supportdesk.log.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "supportdesk.log.RequestContextFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The embedded server's helper narrates every start and stop at INFO.
            "pgserver": {"level": "WARNING"},
            # Replaces Django's default handlers (a DEBUG-only console, mail_admins): all go to root.
            "django": {"level": "INFO"},
            # Our access line (supportdesk.request) replaces runserver's own.
            "django.server": {"level": "WARNING", "propagate": True},
        },
    }
