"""The audit log page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import AuditLogFactory

pytestmark = pytest.mark.django_db


def test_agents_cannot_open_the_audit_log(client_for, agent) -> None:  # type: ignore[no-untyped-def]
    assert client_for(agent).get("/audit").status_code == 403


def test_audit_log_filters_by_actor_entity_and_date(client_for, manager, admin, tenant, other_tenant) -> None:  # type: ignore[no-untyped-def]
    old = timezone.now() - datetime.timedelta(days=10)
    AuditLogFactory(tenant=tenant, actor=admin, action="ticket.updated", entity_type="ticket")
    AuditLogFactory(tenant=tenant, actor=manager, action="tag.created", entity_type="tag")
    AuditLogFactory(tenant=tenant, actor=admin, action="group.created", entity_type="group", created_at=old)
    AuditLogFactory(tenant=other_tenant, action="secret.thing", entity_type="ticket")
    client = client_for(manager)
    page = client.get("/audit").content.decode()
    assert "ticket.updated" in page and "tag.created" in page and "group.created" in page
    assert "secret.thing" not in page
    page = client.get(f"/audit?actor={admin.pk}").content.decode()
    assert "tag.created" not in page and "ticket.updated" in page
    page = client.get("/audit?entity_type=tag").content.decode()
    assert "tag.created" in page and "ticket.updated" not in page
    since = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    page = client.get(f"/audit?from={since}").content.decode()
    assert "group.created" not in page and "ticket.updated" in page
    page = client.get(f"/audit?to={old.date().isoformat()}").content.decode()
    assert "group.created" in page and "ticket.updated" not in page


def test_audit_log_bad_actor_is_a_message(client_for, admin) -> None:  # type: ignore[no-untyped-def]
    response = client_for(admin).get("/audit?actor=nope")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_audit_log_query_count(client_for, admin, tenant, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    AuditLogFactory.create_batch(5, tenant=tenant, actor=admin)
    client = client_for(admin)
    # session, user, entries (+ actor), actors for the filter.
    with django_assert_num_queries(4):
        assert client.get("/audit").status_code == 200
