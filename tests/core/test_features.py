"""Feature flags from FEATURE_FLAGS: on, off, or on for named tenants only."""

from __future__ import annotations

import pytest

from supportdesk import features
from tests.factories import TenantFactory


def test_parse_flags() -> None:
    assert features.parse_flags(
        ["bulk_edit", " new_inbox = acme|globex ", "ticket_merge=off", "x=on", ""]
    ) == {
        "bulk_edit": True,
        "new_inbox": frozenset({"acme", "globex"}),
        "ticket_merge": False,
        "x": True,
    }


@pytest.mark.django_db
def test_enabled(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FEATURE_FLAGS = features.parse_flags(["bulk_edit", "new_inbox=acme", "ticket_merge=false"])
    acme, globex = TenantFactory(slug="acme"), TenantFactory(slug="globex")
    assert features.enabled("bulk_edit")
    assert not features.enabled("ticket_merge")
    assert not features.enabled("never_heard_of_it")
    assert features.enabled("new_inbox", tenant=acme)
    assert not features.enabled("new_inbox", tenant=globex)
    assert not features.enabled("new_inbox")
