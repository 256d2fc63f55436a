"""Assertions shared by the suites."""

from __future__ import annotations

from typing import Any

from audit.models import AuditLog


def assert_audited(action: str, entity_id: Any, **changes: tuple[Any, Any]) -> AuditLog:
    """The newest audit entry for the entity has ``action`` and these ``field=(before, after)`` changes."""
    entry = AuditLog.objects.filter(entity_id=str(entity_id)).order_by("-created_at", "-id").first()
    assert entry is not None, f"no audit entry for {entity_id}"
    assert entry.action == action, f"{entry.action} != {action}: {entry.changes}"
    for field, (before, after) in changes.items():
        assert entry.changes.get(field) == {"before": before, "after": after}, entry.changes
    return entry
