"""Per-tenant caching of data read on every page, in the cache every server process shares.

Redis when ``REDIS_URL`` is set, the database cache otherwise, local memory in tests (settings).
What is cached: reference data for pickers and filters (users, groups, categories, tags) and the
inbox's view counts, the ticket list's totals and full-text decisions. Each tenant has a *version*
per kind of data; a cached value is stored with the version it was computed at and only served
while that version is current. A service that writes calls ``invalidate(tenant, kind)``: the
version changes at once (so later reads in the same transaction recompute) and again when the
transaction commits (so a value another request computed from the pre-commit rows in between is
never served). Nothing is deleted: a stale value is recomputed on its next read.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

REFERENCE = "reference"  # users, groups, categories, subcategories, tags, departments
TICKETS = "tickets"  # anything counted over tickets' own fields (the view counts, most totals)
# Anything that also reads comment text or update times (full-text and updated_* totals). Every
# write that changes TICKETS changes it too; a reply changes it alone, so the common write of the
# desk keeps the plain totals and the view counts cached.
ACTIVITY = "activity"
KINDS = (REFERENCE, TICKETS, ACTIVITY)
# Kinds whose data is read from another kind's data: invalidating the first invalidates these.
IMPLIED: dict[str, tuple[str, ...]] = {TICKETS: (ACTIVITY,)}
# Which kind of cached data a write to a model changes (models not named here are not cached).
MODEL_KINDS: dict[str, str | tuple[str, ...]] = {
    "accounts.user": REFERENCE,
    "accounts.group": REFERENCE,
    "accounts.department": REFERENCE,
    "catalog.category": REFERENCE,
    "catalog.subcategory": REFERENCE,
    # A tag's name or deletion changes which tickets a tag filter finds, hence the cached totals.
    "catalog.tag": (REFERENCE, TICKETS),
    "tickets.ticket": TICKETS,
    # A company's parent decides which tickets a parent_company filter finds.
    "companies.company": TICKETS,
    # Written by the ticket services, which name the kinds themselves; listed for the admin.
    "accounts.groupmembership": REFERENCE,
    "tickets.tickettag": TICKETS,
    "tickets.ticketcomment": ACTIVITY,
}


def _version_key(tenant_id: Any, kind: str) -> str:
    return f"sd:{kind}:{tenant_id}:version"


def _tenant_id(tenant: Any) -> Any:
    return getattr(tenant, "pk", tenant)


def _bump(tenant_id: Any, kind: str) -> None:
    cache.set(_version_key(tenant_id, kind), uuid.uuid4().hex, None)


def cached(tenant: Any, kind: str, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, cached for the tenant until the next write of ``kind`` (or the timeout).

    One cache round trip on a hit: the tenant's version and the value (stored with the version
    it was computed at) are read together.
    """
    tenant_id = _tenant_id(tenant)
    version_key = _version_key(tenant_id, kind)
    key = f"sd:{kind}:{tenant_id}:{name}"
    found = cache.get_many([version_key, key])
    version = found.get(version_key)
    if version is None:
        version = uuid.uuid4().hex
        # add, not set: two first readers must not replace each other's version needlessly.
        if not cache.add(version_key, version, None):
            version = cache.get(version_key) or version
    stored = found.get(key)
    if stored is not None and stored[0] == version:
        return stored[1]
    value = compute()
    cache.set(key, (version, value), settings.TENANT_CACHE_SECONDS)
    return value


def invalidate(tenant: Any, kind: str) -> None:
    """The tenant's ``kind`` data changed: bump its version now and again after the commit."""
    if kind not in KINDS:
        raise ValueError(f"Unknown cache kind {kind!r}")
    tenant_id = _tenant_id(tenant)
    for changed in (kind, *IMPLIED.get(kind, ())):
        _bump(tenant_id, changed)
        transaction.on_commit(functools.partial(_bump, tenant_id, changed))


def invalidate_for(model: type[Any], tenant: Any) -> None:
    """A row of ``model`` of the tenant was written: invalidate what is cached from that model."""
    kinds = MODEL_KINDS.get(model._meta.label_lower, ())
    for kind in (kinds,) if isinstance(kinds, str) else kinds:
        invalidate(tenant, kind)
