"""The FilterSets' shortcut for requests that name no filter must give what filtering would give."""

from __future__ import annotations

from typing import Any

import django_filters
import pytest
from django.db.models import QuerySet
from django.http import QueryDict

# Every app's filters, so that every FilterSet subclass is defined when the test collects them.
import accounts.filters
import audit.filters
import catalog.filters
import companies.filters
import tickets.filters
from accounts.models import User
from supportdesk.filters import TenantFilterSet

pytestmark = pytest.mark.django_db

APPS = (accounts.filters, audit.filters, catalog.filters, companies.filters, tickets.filters)


def filtersets() -> list[type[TenantFilterSet]]:
    found, pending = [], list(TenantFilterSet.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__name__)


def sql(qs: QuerySet[Any]) -> str:
    return str(qs.query)


@pytest.mark.parametrize("filterset", filtersets(), ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("params", ["", "page=3&limit=25", "cursor=abc"])
def test_a_request_naming_no_filter_gets_what_every_filter_would_leave(
    filterset: type[TenantFilterSet], params: str, agent: User
) -> None:
    queryset = filterset._meta.model._default_manager.filter(tenant_id=agent.tenant_id)
    data = QueryDict(params)

    shortcut = filterset(data, queryset, tenant=agent.tenant_id, user=agent).qs_or_raise()
    # django-filter's own path: the form is built and cleaned, and every filter gets its empty value.
    full = django_filters.FilterSet.qs.fget(filterset(data, queryset, tenant=agent.tenant_id, user=agent))  # type: ignore[attr-defined]

    assert sql(shortcut) == sql(full) == sql(queryset)


def test_naming_a_filter_still_validates_it(agent: User) -> None:
    from supportdesk.errors import ValidationFailed
    from tickets.filters import TicketFilterSet
    from tickets.models import Ticket

    with pytest.raises(ValidationFailed, match="status"):
        TicketFilterSet(
            QueryDict("status=lost"), Ticket.objects.all(), tenant=agent.tenant_id, user=agent
        ).qs_or_raise()
    # An empty value names the filter too, and means "no filter", as before.
    empty = TicketFilterSet(QueryDict("status="), Ticket.objects.all(), tenant=agent.tenant_id, user=agent)
    assert sql(empty.qs_or_raise()) == sql(Ticket.objects.all())
