"""Errors that services raise and every caller (API, UI, commands) maps to its own answer.

Each carries one sentence for people and ``details`` keyed by field (or by ticket id for bulk
writes); the API turns them into ``{"error": ..., "details": ...}`` with the status named here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ServiceError(Exception):
    """A write or read refused for a reason the caller can show."""

    status_code = 400
    default_message = "The request could not be processed."

    def __init__(self, message: str = "", details: Mapping[str, Sequence[str] | Any] | None = None) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = {
            str(key): list(value) if isinstance(value, list | tuple) else value
            for key, value in (details or {}).items()
        }
        super().__init__(self.message)

    @classmethod
    def on(cls, field: str, message: str) -> ServiceError:
        """One error on one field: ``ValidationFailed.on("email", "Already taken.")``."""
        return cls(message, {field: [message]})


class ValidationFailed(ServiceError):
    """The input is not acceptable (HTTP 400)."""

    status_code = 400
    default_message = "The request has invalid fields."


class NotFound(ServiceError):
    """No such row in the caller's tenant, or it is deleted (HTTP 404): "can't see" = "doesn't exist"."""

    status_code = 404
    default_message = "Not found."


class PermissionDenied(ServiceError):
    """The actor's role may not do this (HTTP 403)."""

    status_code = 403
    default_message = "You do not have permission to perform this action."


class StaleVersion(ServiceError):
    """The client's ``If-Match`` names an older version (HTTP 412); ``current`` is the row as it is now."""

    status_code = 412
    default_message = "The object was changed by someone else; reload it and try again."

    def __init__(self, current: Any, message: str = "") -> None:
        super().__init__(message)
        self.current = current


class Conflict(ServiceError):
    """The write clashes with the current state (HTTP 409)."""

    status_code = 409
    default_message = "The request conflicts with the current state."


class TooLarge(ServiceError):
    """An upload is bigger than the configured limit (HTTP 413)."""

    status_code = 413
    default_message = "The upload is too large."
