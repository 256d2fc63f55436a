"""Per-tenant caching of data read on every page, in the cache every server process shares.

Redis when ``REDIS_URL`` is set, the database cache otherwise, local memory in tests (settings).
What is cached: reference data for pickers and filters (users, groups, categories, tags) and the
inbox's view counts, the ticket list's totals and full-text decisions. Each tenant has a *version*
per kind of data; a cached value is stored with the version it was computed at and only served
while that version is current. A service that writes calls ``invalidate(tenant, kind)``: the
version changes when the transaction commits (inside a test's transaction, which never commits,
at once too, so that the test's later reads see the write). Nothing is deleted: a stale value is
recomputed on its next read. A transaction that wrote neither serves nor stores a value until it
ends (``_writing``): a value it stored would hold its uncommitted writes and stay if it rolled
back, and one another request stored since the write was computed without them.

What is counted over tickets by filter (the ticket list's totals and full-text decisions) is kept
finer, by the ticket fields it read (``cached_for_fields``): each field has a version per tenant
too, and a ticket write that says which fields it changed bumps only theirs (``invalidate(tenant,
TICKETS, fields=...)``), so a priority change keeps the totals of lists that do not filter by
priority. A write that does not say (a deleted ticket, the admin, the import, a tag's rename)
bumps ``ANY_FIELD``, which every such value reads.

Such a value is also kept by the *values* its filters select (``values=``): ``assignedTo=me``
lists only tickets of one assignee, so a write to no ticket of that assignee (before or after it)
cannot change its total. A ticket write names the values of the tickets it wrote, before and
after (``invalidate(..., values=...)``), bumping a version per value; a value is served while
either its fields' versions or, for one of its filters, the versions of every value that filter
selects are current. A ticket write that names no values bumps ``ANY_VALUE``, which every such
value reads.

A new ticket bumps none of those: it names its values and the words (lexemes) of its text
(``invalidate(..., values=..., words=...)``), and bumps their *arrival* versions and
``ANY_ARRIVAL``. A value is kept through new tickets while, for one of its filters, no new ticket
held one of the values it selects, or, for a search, no new ticket held one of the words every
ticket it finds holds (``words=``); a value with neither is kept by ``ANY_ARRIVAL``. A count
that new tickets can only raise (a list's total) is not counted again when only new tickets
came: its ``Growth`` counts those of them the list holds and adds them (tickets.arrivals).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

logger = logging.getLogger(__name__)

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
# The arrival version bumped by every new ticket: what a value with neither values nor words to
# be kept by is kept by.
ANY_ARRIVAL = "*"
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


def _arrival_version_key(tenant_id: Any, field: str, value: Any = "") -> str:
    # A new ticket's value (as _value_version_key's), "word" and its hash, or ANY_ARRIVAL.
    value = "" if value is None else getattr(value, "value", value)
    if field == "word":
        value = hashlib.sha256(str(value).encode()).hexdigest()[:20]
    return f"sd:arrivals:{tenant_id}:{field}={value}:version"


def _tenant_id(tenant: Any) -> Any:
    return getattr(tenant, "pk", tenant)


def _bump(keys: list[str]) -> None:
    """New versions under ``keys``. One the cache refuses (the database cache reports it; Redis
    errors are logged by django-redis) leaves what was stored under the old one served until it
    expires, ``TENANT_CACHE_SECONDS`` at most: said in the log, with the keys."""
    failed = cache.set_many({key: uuid.uuid4().hex for key in keys}, _version_seconds())
    if failed:
        logger.error(
            "The cache refused %d of %d new versions; values cached before this write may be served "
            "for up to TENANT_CACHE_SECONDS (%ss): %s",
            len(failed),
            len(keys),
            settings.TENANT_CACHE_SECONDS,
            ", ".join(failed),
        )


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


def _writing() -> bool:
    """Whether this connection's transaction wrote something cached, not committed yet.

    Its writes are the bumps ``invalidate`` left for the commit: Django drops them when the
    transaction, or the savepoint they were made in, rolls back. Django's TestCase runs each test
    in atomic blocks it marks, as Django's own ``durable`` check reads them: there the transaction
    is the first block the code under test opened, and its bumps are those made in its savepoint.
    """
    connection = transaction.get_connection()
    blocks = connection.atomic_blocks
    first = next((i for i, block in enumerate(blocks) if not block._from_testcase), None)
    if first is None:
        return False
    # A savepoint id per block but the outermost (None where a block made none).
    sid = ([None] * (len(blocks) - len(connection.savepoint_ids)) + connection.savepoint_ids)[first]
    return any(
        isinstance(hook, functools.partial) and hook.func is _bump and (sid is None or sid in sids)
        for sids, hook, _ in connection.run_on_commit
    )


def _in_test_transaction() -> bool:
    """Whether this connection is inside a transaction Django's TestCase opened (``_writing``): it
    is rolled back at the test's end, so the bumps left for its commit never run."""
    blocks = transaction.get_connection().atomic_blocks
    return bool(blocks) and blocks[0]._from_testcase


def _cached(version_keys: list[str], key: str, compute: Callable[[], T]) -> T:
    """``compute()`` stored under ``key`` with the versions it was computed at, served while they
    are all current. One cache round trip on a hit: the versions and the value are read together."""
    if _writing():
        return compute()
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


class Growth(Protocol):
    """A count that new tickets can only raise, and how to raise it by those that came since."""

    def marked(self, count: Callable[[], int]) -> tuple[int, Any]:
        """``count()``, and a mark of the new tickets it saw (None: it cannot say)."""
        ...

    def grown(self, value: int, mark: Any) -> tuple[int, Any] | None:
        """``value`` counted at ``mark`` raised by the new tickets since, with a new mark; None if
        it cannot be (it is counted again)."""
        ...


def _arrival_groups(tenant_id: Any, values: Iterable[Iterable[tuple[str, Any]]]) -> list[tuple[str, ...]]:
    """Per filter, the arrival version keys of its values: a new ticket outside them keeps it."""
    groups = []
    for group in values:
        keys = sorted({_arrival_version_key(tenant_id, field, value) for field, value in group})
        if keys:
            groups.append(tuple(keys))
    return groups


def _current(found: dict[str, Any], stored: Iterable[tuple[tuple[str, ...], tuple[str, ...]]]) -> bool:
    """Whether one of the ``stored`` (keys, versions) groups is still at those versions."""
    return any(_versions(found, list(group)) == versions for group, versions in stored)


def cached_for_fields(
    tenant: Any,
    fields: Iterable[str],
    name: str,
    compute: Callable[[], T],
    *,
    values: Iterable[Iterable[tuple[str, Any]]] = (),
    words: Callable[[], Iterable[str]] | None = None,
    growth: Growth | None = None,
    arriving: bool = True,
) -> T:
    """``compute()`` over the tenant's tickets, reading ``fields`` of them: cached until a ticket
    write changes one of those fields, or a ticket write that names no fields (or the timeout).

    ``values``: per filter of the tickets counted, the (field, value) pairs it selects (a ticket it
    lets through has one of them; ``VALUE_FIELDS`` only). ``words``: the words (lexemes) every
    ticket counted holds in its text or a comment, worked out only when the value is computed. The
    value is also served while no ticket write touched a ticket holding any of one filter's
    values; and through new tickets while, for one filter, none held one of the values it selects,
    or none held one of the words. ``growth``: the value is a count (``compute`` returns an int) that new
    tickets can only raise; after new tickets that may be in it, it is raised by those that are
    (``Growth.grown``) instead of counted again. ``arriving=False``: no new ticket can change the
    value (it reads only comments, which a new ticket has none of), so new tickets keep it.
    """
    if _writing():
        return compute()
    tenant_id = _tenant_id(tenant)
    field_keys = [_field_version_key(tenant_id, field) for field in sorted({ANY_FIELD, *fields})]
    values = [list(group) for group in values]
    groups = _value_groups(tenant_id, values)
    arrivals = _arrival_groups(tenant_id, values) or [(_arrival_version_key(tenant_id, ANY_ARRIVAL),)]
    if not arriving:
        arrivals, words = [], None
    key = f"sd:arrived:{tenant_id}:{name}"
    # One cache round trip on a hit, or two when a new ticket holds one filter's values: the
    # arrival versions of the words are stored with the value, and read only then.
    upfront = {*field_keys, *(k for group in (*groups, *arrivals) for k in group)}
    found = cache.get_many([*sorted(upfront), key])
    field_versions = _versions(found, field_keys)
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 5:
        stored_fields, stored_groups, stored_arrivals, value, mark = stored
        if stored_fields == field_versions or _current(found, stored_groups):
            if not stored_arrivals or _current(found, stored_arrivals[: len(arrivals)]):
                return value
            unread = sorted({k for group, _ in stored_arrivals for k in group} - found.keys())
            if unread:
                found.update(cache.get_many(unread))
            if _current(found, stored_arrivals):
                return value
            grown = growth.grown(value, mark) if growth is not None and mark is not None else None
            if grown is not None:
                now = tuple((group, _versions(found, list(group))) for group, _ in stored_arrivals)
                cache.set(key, (stored_fields, stored_groups, now, *grown), settings.TENANT_CACHE_SECONDS)
                return cast(T, grown[0])
    if words is not None:
        arrivals += [(_arrival_version_key(tenant_id, "word", word),) for word in sorted(set(words()))]
    # Every version is read before computing: a write landing meanwhile makes the value stale.
    unread = sorted({k for group in arrivals for k in group} - found.keys())
    if unread:
        found.update(cache.get_many(unread))
    versions = tuple((group, _versions(found, list(group))) for group in groups)
    arrived = tuple((group, _versions(found, list(group))) for group in arrivals)
    if growth is None:
        value, mark = compute(), None
    else:
        value, mark = growth.marked(compute)  # type: ignore[arg-type]
    cache.set(key, (field_versions, versions, arrived, value, mark), settings.TENANT_CACHE_SECONDS)
    return value


def invalidate(
    tenant: Any,
    kind: str,
    *,
    fields: Iterable[str] | None = None,
    values: Iterable[tuple[str, Any]] | None = None,
    words: Iterable[str] | None = None,
) -> None:
    """The tenant's ``kind`` data changed: bump its version after the commit (until then, this
    transaction reads none of what is cached: ``_writing``; a test's transaction, which never
    commits, bumps it at once too).

    ``fields``: a ticket write names the ticket fields it changed, so that what was cached by
    fields (``cached_for_fields``) is dropped only where it read one of them. ``values``: a ticket
    write (or a reply) names the ``VALUE_FIELDS`` values of the tickets it wrote, before and after,
    so that what was cached for lists of other values is kept. ``words``: a new ticket names the
    words (lexemes) of its text, with its values: it bumps their arrival versions (and
    ``ANY_ARRIVAL``) instead, so that what was cached for lists and searches it is not in is kept,
    and the counts of those it may be in are raised by it rather than counted again.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown cache kind {kind!r}")
    if fields is not None and kind != TICKETS:
        raise ValueError(f"Only ticket writes name the fields they changed, not {kind!r} writes")
    if (values is not None or words is not None) and kind not in (TICKETS, ACTIVITY):
        raise ValueError(f"Only ticket writes name the values they wrote, not {kind!r} writes")
    if words is not None and (kind != TICKETS or values is None or fields is not None):
        raise ValueError("Only a new ticket names words, and it names its values and no fields")
    tenant_id = _tenant_id(tenant)
    changed = (kind, *IMPLIED.get(kind, ()))
    keys = [_version_key(tenant_id, k) for k in changed]
    if words is not None:
        keys.append(_arrival_version_key(tenant_id, ANY_ARRIVAL))
        keys += sorted({_arrival_version_key(tenant_id, field, value) for field, value in values or ()})
        keys += sorted({_arrival_version_key(tenant_id, "word", word) for word in words})
    else:
        if fields is None:
            fields = {field for k in changed for field in KIND_FIELDS.get(k, ())}
        keys += [_field_version_key(tenant_id, field) for field in sorted(set(fields))]
        if kind != REFERENCE:
            values = [(ANY_VALUE, "")] if values is None else values
            keys += sorted({_value_version_key(tenant_id, field, value) for field, value in values})
    if _in_test_transaction():
        _bump(keys)
    transaction.on_commit(functools.partial(_bump, keys))


def invalidate_for(model: type[Any], tenant: Any) -> None:
    """A row of ``model`` of the tenant was written: invalidate what is cached from that model."""
    kinds = MODEL_KINDS.get(model._meta.label_lower, ())
    for kind in (kinds,) if isinstance(kinds, str) else kinds:
        invalidate(tenant, kind)
