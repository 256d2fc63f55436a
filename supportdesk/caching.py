"""Per-tenant caching of data read on every page, in the cache every server process shares.

Redis when ``REDIS_URL`` is set, the database cache otherwise, local memory in tests (settings).
What is cached: reference data for pickers and filters (users, groups, categories, tags) and the
inbox's view counts, the ticket list's totals and full-text decisions. Each tenant has a *version*
per kind of data; a cached value is stored with the version it was computed at and only served
while that version is current. A service that writes calls ``invalidate(tenant, kind)``: the
version changes at once (so later reads in the same transaction recompute) and again when the
transaction commits (so a value another request computed from the pre-commit rows in between is
never served). Nothing is deleted: a stale value is recomputed on its next read.

What is counted over tickets by filter (the ticket list's totals and full-text decisions) is kept
finer, by the ticket fields it read (``cached_for_fields``): each field has a version per tenant
too, and a ticket write that says which fields it changed bumps only theirs (``invalidate(tenant,
TICKETS, fields=...)``), so a priority change keeps the totals of lists that do not filter by
priority. A write that does not say (a new or deleted ticket, the admin, the import, a tag's
rename) bumps ``ANY_FIELD``, which every such value reads (a new ticket names its values and
words, below).

Such a value is also kept by the *values* its filters select (``values=``): ``assignedTo=me``
lists only tickets of one assignee, so a write to no ticket of that assignee (before or after it)
cannot change its total. A ticket write names the values of the tickets it wrote, before and
after (``invalidate(..., values=...)``), bumping a version per value; a value is served while
either its fields' versions or, for one of its filters, the versions of every value that filter
selects are current. A new ticket (which names no fields) thus keeps the totals of the lists it
is not in. A ticket write that names no values bumps ``ANY_VALUE``, which every such value reads.

A search is kept the same way by the words (lexemes) every ticket it finds holds (``words=``): a
new ticket names the words of its text, and every other ticket write bumps ``ANY_WORD``, so a new
ticket without one of those words keeps the search's totals and decisions.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

REFERENCE = "reference"  # users, groups, categories, subcategories, tags, departments
TICKETS = "tickets"  # anything counted over tickets' own fields (the view counts)
# Comment text and update times. Every write that changes TICKETS changes it too; a reply changes
# it alone (and of the fields, "comments" and "updated_at": KIND_FIELDS), so the common write of
# the desk keeps the view counts and the totals of lists that read neither cached.
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


# The field version every value cached by fields reads: bumped by the writes that do not name the
# fields they changed. Field names are the ticket's (``priority``, ``assignee``), plus ``tags`` and
# ``comments`` for its tag and comment rows.
ANY_FIELD = "*"
# The fields a write of a kind changes when it names none: any, for tickets; a reply (ACTIVITY
# alone) adds a comment and moves the ticket's update time.
KIND_FIELDS: dict[str, tuple[str, ...]] = {TICKETS: (ANY_FIELD,), ACTIVITY: ("comments", "updated_at")}


# The value version every value cached by values reads: bumped by ticket writes that do not name
# the values of the tickets they wrote (a deletion, the admin, the import, a tag's rename).
ANY_VALUE = "?"
# The word version every value cached by words reads: bumped by every ticket write but a new
# ticket's, which names the words of its text (a change or a reply can bring a word to a ticket
# whose text is not read again).
ANY_WORD = "?"
# The ticket fields whose values writes name (``ticket_values`` in tickets.services), ``tags`` for
# the ids of the ticket's tags: the fields a list is most often narrowed by.
VALUE_FIELDS = ("status", "priority", "assignee", "group", "company", "tags")


def _version_key(tenant_id: Any, kind: str) -> str:
    return f"sd:{kind}:{tenant_id}:version"


def _field_version_key(tenant_id: Any, field: str) -> str:
    return f"sd:fields:{tenant_id}:{field}:version"


def _value_version_key(tenant_id: Any, field: str, value: Any) -> str:
    # None (no assignee, no group) is the empty string; choices, UUIDs and their strings the same.
    value = "" if value is None else getattr(value, "value", value)
    return f"sd:values:{tenant_id}:{field}={value}:version"


def _word_version_key(tenant_id: Any, word: str) -> str:
    # Hashed: a word may hold any character; ANY_WORD ("?") is no hash.
    digest = word if word == ANY_WORD else hashlib.sha256(word.encode()).hexdigest()[:20]
    return f"sd:words:{tenant_id}:{digest}:version"


def _tenant_id(tenant: Any) -> Any:
    return getattr(tenant, "pk", tenant)


def _bump(keys: list[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, _version_seconds())


def _version_seconds() -> int:
    """How long a version is kept: past the values stored with it (``TENANT_CACHE_SECONDS``), so
    that a version expiring costs at most a value computed again (a version made anew never
    equals the old one). Versions are made for every value and word a ticket holds: kept for
    ever, they would fill the cache, and the database cache drops expired rows first."""
    return 2 * settings.TENANT_CACHE_SECONDS


def _versions(found: dict[str, Any], version_keys: list[str]) -> tuple[str, ...]:
    """The current version under each of ``version_keys`` (``found`` read them), made where missing."""
    versions = []
    for version_key in version_keys:
        version = found.get(version_key)
        if version is None:
            version = uuid.uuid4().hex
            # add, not set: two first readers must not replace each other's version needlessly.
            if not cache.add(version_key, version, _version_seconds()):
                version = cache.get(version_key) or version
        versions.append(version)
    return tuple(versions)


def _cached(version_keys: list[str], key: str, compute: Callable[[], T]) -> T:
    """``compute()`` stored under ``key`` with the versions it was computed at, served while they
    are all current. One cache round trip on a hit: the versions and the value are read together."""
    found = cache.get_many([*version_keys, key])
    versions = _versions(found, version_keys)
    stored = found.get(key)
    if stored is not None and stored[0] == versions:
        return stored[1]
    value = compute()
    cache.set(key, (versions, value), settings.TENANT_CACHE_SECONDS)
    return value


def cached(tenant: Any, kind: str, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, cached for the tenant until the next write of ``kind`` (or the timeout)."""
    tenant_id = _tenant_id(tenant)
    return _cached([_version_key(tenant_id, kind)], f"sd:{kind}:{tenant_id}:{name}", compute)


def _value_groups(tenant_id: Any, values: Iterable[Iterable[tuple[str, Any]]]) -> list[tuple[str, ...]]:
    """Per filter, the version keys it is kept by: ``ANY_VALUE``'s, then its values'."""
    any_value = _value_version_key(tenant_id, ANY_VALUE, "")
    groups = []
    for group in values:
        keys = sorted({_value_version_key(tenant_id, field, value) for field, value in group})
        if keys:
            groups.append((any_value, *keys))
    return groups


def _word_groups(tenant_id: Any, words: Iterable[str]) -> list[tuple[str, ...]]:
    """Per word a search requires, the version keys it is kept by: ``ANY_WORD``'s, then its own."""
    any_word = _word_version_key(tenant_id, ANY_WORD)
    return [(any_word, _word_version_key(tenant_id, word)) for word in sorted(set(words))]


def cached_for_fields(
    tenant: Any,
    fields: Iterable[str],
    name: str,
    compute: Callable[[], T],
    *,
    values: Iterable[Iterable[tuple[str, Any]]] = (),
    words: Callable[[], Iterable[str]] | None = None,
) -> T:
    """``compute()`` over the tenant's tickets, reading ``fields`` of them: cached until a ticket
    write changes one of those fields, or a ticket write that names no fields (or the timeout).

    ``values``: per filter of the tickets counted, the (field, value) pairs it selects (a ticket it
    lets through has one of them; ``VALUE_FIELDS`` only). ``words``: the words (lexemes) every
    ticket counted holds in its text or a comment, worked out only when the value is computed. The
    value is also served while no ticket write touched a ticket holding any of one filter's
    values, or while the only ticket writes were new tickets without one of the words.
    """
    tenant_id = _tenant_id(tenant)
    field_keys = [_field_version_key(tenant_id, field) for field in sorted({ANY_FIELD, *fields})]
    groups = _value_groups(tenant_id, values)
    key = f"sd:keptby:{tenant_id}:{name}"
    # One cache round trip on a hit, or two when the fields changed: the versions of the words
    # are stored with the value, and read only then.
    found = cache.get_many([*field_keys, *{k for group in groups for k in group}, key])
    field_versions = _versions(found, field_keys)
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 3:
        stored_fields, stored_groups, value = stored
        if stored_fields == field_versions:
            return value
        unread = sorted({k for group, _ in stored_groups for k in group} - found.keys())
        if unread:
            found.update(cache.get_many(unread))
        if any(_versions(found, list(group)) == versions for group, versions in stored_groups):
            return value
    if words is not None:
        groups += _word_groups(tenant_id, words())
    # Every version is read before computing: a write landing meanwhile makes the value stale.
    unread = sorted({k for group in groups for k in group} - found.keys())
    if unread:
        found.update(cache.get_many(unread))
    versions = tuple((group, _versions(found, list(group))) for group in groups)
    value = compute()
    cache.set(key, (field_versions, versions, value), settings.TENANT_CACHE_SECONDS)
    return value


def invalidate(
    tenant: Any,
    kind: str,
    *,
    fields: Iterable[str] | None = None,
    values: Iterable[tuple[str, Any]] | None = None,
    words: Iterable[str] | None = None,
) -> None:
    """The tenant's ``kind`` data changed: bump its version now and again after the commit.

    ``fields``: a ticket write names the ticket fields it changed, so that what was cached by
    fields (``cached_for_fields``) is dropped only where it read one of them. ``values``: a ticket
    write (or a reply) names the ``VALUE_FIELDS`` values of the tickets it wrote, before and after,
    so that what was cached for lists of other values is kept. ``words``: a new ticket names the
    words (lexemes) of its text, so that what was cached for searches of other words is kept.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown cache kind {kind!r}")
    if fields is not None and kind != TICKETS:
        raise ValueError(f"Only ticket writes name the fields they changed, not {kind!r} writes")
    if (values is not None or words is not None) and kind not in (TICKETS, ACTIVITY):
        raise ValueError(f"Only ticket writes name the values they wrote, not {kind!r} writes")
    tenant_id = _tenant_id(tenant)
    changed = (kind, *IMPLIED.get(kind, ()))
    keys = [_version_key(tenant_id, k) for k in changed]
    if fields is None:
        fields = {field for k in changed for field in KIND_FIELDS.get(k, ())}
    keys += [_field_version_key(tenant_id, field) for field in sorted(set(fields))]
    if kind != REFERENCE:
        values = [(ANY_VALUE, "")] if values is None else values
        keys += sorted({_value_version_key(tenant_id, field, value) for field, value in values})
        words = [ANY_WORD] if words is None else words
        keys += sorted({_word_version_key(tenant_id, word) for word in words})
    _bump(keys)
    transaction.on_commit(functools.partial(_bump, keys))


def invalidate_for(model: type[Any], tenant: Any) -> None:
    """A row of ``model`` of the tenant was written: invalidate what is cached from that model."""
    kinds = MODEL_KINDS.get(model._meta.label_lower, ())
    for kind in (kinds,) if isinstance(kinds, str) else kinds:
        invalidate(tenant, kind)
