"""The audit selector enforces the role matrix itself, so every caller (API, UI) gets the same answer."""

from __future__ import annotations

import pytest

from audit.selectors import audit_log_list
from supportdesk.errors import PermissionDenied
from tests.factories import AuditLogFactory

pytestmark = pytest.mark.django_db


def test_agents_may_not_read_the_audit_log(tenant, agent, manager) -> None:
    entry = AuditLogFactory(tenant=tenant)
    AuditLogFactory()
    assert list(audit_log_list(tenant=tenant, user=manager)) == [entry]
    with pytest.raises(PermissionDenied):
        audit_log_list(tenant=tenant, user=agent)
