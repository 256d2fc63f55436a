"""The ticket forms' pickers: the cached options are exactly what the form accepts, and cost no query."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import UserStatus
from accounts.models import Tenant, User
from tests.factories import CategoryFactory, GroupFactory, TagFactory, TicketFactory, UserFactory
from tickets.forms import PICKERS, TicketCreateForm, TicketFieldsForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(tenant: Tenant, other_tenant: Tenant, agent: User) -> Tenant:
    """Rows a picker must offer, and rows it must not: inactive, deleted, another tenant's."""
    UserFactory(tenant=tenant, name='Zoë "Z" <Admin>')
    UserFactory(tenant=tenant, name="Gone Agent", status=UserStatus.INACTIVE)
    UserFactory(tenant=other_tenant, name="Elsewhere Agent")
    for name in ["Billing", "Network & VPN"]:
        GroupFactory(tenant=tenant, name=name)
        CategoryFactory(tenant=tenant, name=name)
    GroupFactory(tenant=tenant, name="Old group", is_deleted=True)
    GroupFactory(tenant=other_tenant, name="Their group")
    for name in ["vip", "<b>bold</b>", "a", "B"]:
        TagFactory(tenant=tenant, name=name)
    TagFactory(tenant=tenant, name="retired", is_deleted=True)
    TagFactory(tenant=other_tenant, name="theirs")
    return tenant


def options(choices: Any) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in choices]


@pytest.mark.parametrize("form_class", [TicketFieldsForm, TicketCreateForm])
def test_the_pickers_offer_exactly_what_the_form_accepts(desk: Tenant, form_class: type) -> None:
    form = form_class(tenant=desk)
    for name in ("assignee", "group", "category", "tags"):
        field = form.fields[name]
        assert options(field.widget.choices) == options(field.choices), name  # cache == queryset
    labels = {label for _, label in options(form.fields["tags"].widget.choices)}
    assert {"vip", "<b>bold</b>"} <= labels and not labels & {"retired", "theirs"}
    agents = {label for _, label in options(form.fields["assignee"].widget.choices)}
    assert 'Zoë "Z" <Admin>' in agents and not agents & {"Gone Agent", "Elsewhere Agent"}


def test_the_side_panel_renders_its_pickers_without_a_query(desk: Tenant, agent: User) -> None:
    ticket = TicketFactory(tenant=desk, assignee=agent)
    cache.clear()
    TicketFieldsForm(tenant=desk)  # the first form fills the tenant's cached pickers
    form = TicketFieldsForm(tenant=desk, initial={"assignee": agent.pk, "tags": []})
    with CaptureQueriesContext(connection) as ctx:
        html = {name: form[name].as_widget() for name in PICKERS if name != "subcategory"}
    assert ctx.captured_queries == []
    assert f'<option value="{agent.pk}" selected>{agent.name}</option>' in html["assignee"]
    assert "&lt;b&gt;bold&lt;/b&gt;" in html["tags"] and "<b>bold</b>" not in html["tags"]
    assert ticket.assignee_id == agent.pk


def test_a_posted_value_outside_the_offer_is_refused(desk: Tenant, other_tenant: Tenant) -> None:
    theirs = TagFactory(tenant=other_tenant, name="not yours")
    form = TicketFieldsForm(data={"status": "open", "priority": "low", "tags": [str(theirs.pk)]}, tenant=desk)
    assert not form.is_valid()
    assert "tags" in form.errors
