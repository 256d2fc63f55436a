"""The audit trail endpoint: read-only, managers and admins."""

from __future__ import annotations

from tests.api_cases import APIResourceCases, check
from tests.factories import AuditLogFactory


class TestAuditLogAPI(APIResourceCases):
    url = "/api/audit-logs"
    resource = "audit_log"
    make = staticmethod(lambda t: AuditLogFactory(tenant=t))
    update_data = {}
    list_queries = 4
    detail_queries = 3
    read_only = True

    def test_other_methods_answer_405_with_allow(self, tenant, admin, client_for) -> None:
        row = AuditLogFactory(tenant=tenant)
        response = client_for(admin).delete(f"{self.url}/{row.pk}")
        check(response, 405)
        assert response["Allow"] == "GET, HEAD, OPTIONS"

    def test_filter_by_entity(self, tenant, admin, client_for) -> None:
        wanted = AuditLogFactory(tenant=tenant, entity_id="abc")
        AuditLogFactory(tenant=tenant)
        assert self.listed_ids(client_for(admin), "&entity_id=abc") == [str(wanted.pk)]
