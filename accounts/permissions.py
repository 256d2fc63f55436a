"""The role matrix: what admins, managers and agents may do, in one place.

Services call ``require`` before they write, so the API, the UI, the admin actions and the commands
all get the same answer. ``docs/permissions.md`` shows this table; ``tests/accounts/test_permissions.py``
checks every cell of it through the API.
"""

from __future__ import annotations

from typing import Any

from accounts.choices import Role
from supportdesk.errors import PermissionDenied

ACTIONS = ("view", "create", "update", "delete", "restore")

_ALL = frozenset(ACTIONS)
_READ = frozenset({"view"})
_WORK = frozenset({"view", "create", "update"})
_ADD = frozenset({"view", "create"})
_TOKENS = frozenset({"view", "create", "delete"})
_NONE: frozenset[str] = frozenset()

# resource -> role -> allowed actions. Admins may do everything in their tenant.
MATRIX: dict[str, dict[str, frozenset[str]]] = {
    "ticket": {Role.ADMIN: _ALL, Role.MANAGER: _ALL, Role.AGENT: _WORK},
    # Threads are append-only: replies, notes and files are added, never edited away.
    "comment": {Role.ADMIN: _ADD, Role.MANAGER: _ADD, Role.AGENT: _ADD},
    "attachment": {Role.ADMIN: _ADD, Role.MANAGER: _ADD, Role.AGENT: _ADD},
    "parent_company": {Role.ADMIN: _ALL, Role.MANAGER: _ALL, Role.AGENT: _READ},
    "company": {Role.ADMIN: _ALL, Role.MANAGER: _ALL, Role.AGENT: _READ},
    "contact": {Role.ADMIN: _ALL, Role.MANAGER: _ALL, Role.AGENT: _READ},
    "category": {Role.ADMIN: _ALL, Role.MANAGER: _ALL, Role.AGENT: _READ},
    "subcategory": {Role.ADMIN: _ALL, Role.MANAGER: _ALL, Role.AGENT: _READ},
    "tag": {Role.ADMIN: _ALL, Role.MANAGER: _ALL, Role.AGENT: _READ},
    # Agents see users, departments and groups: they assign tickets to them.
    "user": {Role.ADMIN: _ALL, Role.MANAGER: _READ, Role.AGENT: _READ},
    "department": {Role.ADMIN: _ALL, Role.MANAGER: _READ, Role.AGENT: _READ},
    "group": {Role.ADMIN: _ALL, Role.MANAGER: _READ, Role.AGENT: _READ},
    "audit_log": {Role.ADMIN: _READ, Role.MANAGER: _READ, Role.AGENT: _NONE},
    # Everyone manages their own API tokens; admins see and revoke every token of the tenant.
    "api_token": {Role.ADMIN: _TOKENS, Role.MANAGER: _TOKENS, Role.AGENT: _TOKENS},
}


def can(user: Any, action: str, resource: str) -> bool:
    """Whether ``user`` (signed in, active) may ``action`` on ``resource``."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return action in MATRIX[resource].get(user.role, _NONE)


def require(user: Any, action: str, resource: str) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may ``action`` on ``resource``."""
    if not can(user, action, resource):
        label = resource.replace("_", " ")
        raise PermissionDenied(f"Your role may not {action} {label}s.")


def matrix_markdown() -> str:
    """The matrix as the Markdown table in ``docs/permissions.md`` (a test keeps them equal)."""
    roles = (Role.ADMIN, Role.MANAGER, Role.AGENT)
    lines = ["| resource | " + " | ".join(roles) + " |", "|---|" + "---|" * len(roles)]
    for resource, cells in MATRIX.items():
        row = [", ".join(a for a in ACTIONS if a in cells.get(role, _NONE)) or "—" for role in roles]
        lines.append(f"| {resource} | " + " | ".join(row) + " |")
    return "\n".join(lines)
