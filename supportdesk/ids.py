"""Primary keys: time-ordered UUIDv7, so new rows land at the right edge of every index."""

from __future__ import annotations

import uuid

import uuid_utils
from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    """A new UUIDv7 as a standard-library ``uuid.UUID``."""
    return uuid7()


def new_id_text() -> str:
    """A new UUIDv7 in its text form, for bulk paths that only write it out (7x cheaper)."""
    return str(uuid_utils.uuid7())
