"""The import writes in SQL, around the services: it invalidates the cache of every tenant it changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import Tenant
from catalog.selectors import tag_choices
from tests.mockdata.conftest import edit, run
from tickets.selectors import ticket_view_counts

pytestmark = pytest.mark.django_db


def test_a_reimport_is_seen_at_once_by_cached_pickers_and_counts(source: Path) -> None:
    assert run("migrate_mock_data", "--source", str(source)).ok
    tenant = Tenant.objects.filter(legacy_id__isnull=False).order_by("legacy_id").first()
    assert tenant is not None
    names = [t.name for t in tag_choices(tenant=tenant)]  # cached from here on
    open_before = ticket_view_counts(tenant=tenant, user=None)["all_open"]

    def rename_a_tag(records: list[dict[str, Any]]) -> None:
        tag = next(r for r in records if r["tenantId"] == tenant.legacy_id and r["name"] == names[0])
        tag["name"] = "renamed-by-the-import"

    def close_an_open_ticket(records: list[dict[str, Any]]) -> None:
        ticket = next(
            r
            for r in records
            if r["tenantId"] == tenant.legacy_id
            and str(r["status"]).lower() in ("new", "open")
            and not r.get("isDeleted")
        )
        ticket["status"] = "closed"
        ticket["resolvedAt"] = ticket["closedAt"] = ticket.get("updatedAt") or ticket["createdAt"]

    edit(source, "tags", rename_a_tag)
    edit(source, "tickets", close_an_open_ticket)
    result = run("migrate_mock_data", "--source", str(source))
    assert result.ok, result

    assert "renamed-by-the-import" in [t.name for t in tag_choices(tenant=tenant)]
    assert ticket_view_counts(tenant=tenant, user=None)["all_open"] == open_before - 1
