"""Feature flags: switch risky changes on gradually, from the environment, without a deploy.

``FEATURE_FLAGS`` is a comma-separated list; each entry is ``name`` (on for everyone),
``name=off`` (off), or ``name=acme|globex`` (on only for the tenants with those slugs)::

    FEATURE_FLAGS=bulk_edit,new_inbox=acme|globex,ticket_merge=off

Unknown names are off. Code asks ``features.enabled("new_inbox", tenant=request.user.tenant)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

_ON = {"on", "true", "1", "yes"}
_OFF = {"off", "false", "0", "no"}

FlagValue = bool | frozenset[str]


def parse_flags(entries: Iterable[str]) -> dict[str, FlagValue]:
    """Parse ``FEATURE_FLAGS`` entries into ``{name: True | False | frozenset(tenant slugs)}``."""
    flags: dict[str, FlagValue] = {}
    for entry in entries:
        name, _, value = entry.strip().partition("=")
        name, value = name.strip(), value.strip()
        if not name:
            continue
        if not value or value.lower() in _ON:
            flags[name] = True
        elif value.lower() in _OFF:
            flags[name] = False
        else:
            flags[name] = frozenset(slug.strip() for slug in value.split("|") if slug.strip())
    return flags


def enabled(name: str, *, tenant: Any | None = None) -> bool:
    """Is feature ``name`` on (for ``tenant``, when the flag names tenants)?"""
    value = settings.FEATURE_FLAGS.get(name, False)
    if isinstance(value, frozenset):
        return tenant is not None and getattr(tenant, "slug", None) in value
    return bool(value)
