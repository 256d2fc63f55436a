"""Catalog services: unique names per tenant, soft delete frees the name, roles."""

from __future__ import annotations

import pytest

from catalog import services
from catalog.models import Tag
from supportdesk.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_tag_names_are_unique_in_any_case_until_deleted(tenant, manager) -> None:
    tag = services.tag_create(tenant=tenant, actor=manager, data={"name": "VIP"})
    with pytest.raises(ValidationFailed) as info:
        services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
    assert list(info.value.details) == ["name"]
    services.tag_delete(tag=tag, actor=manager)
    services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
    with pytest.raises(ValidationFailed):
        services.tag_restore(tag=tag, actor=manager)
    assert Tag.objects.for_tenant(tenant).count() == 1


def test_agents_cannot_create_tags(tenant, agent) -> None:
    with pytest.raises(PermissionDenied):
        services.tag_create(tenant=tenant, actor=agent, data={"name": "new"})


def test_nul_bytes_and_long_names_are_field_errors(tenant, manager) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.category_create(tenant=tenant, actor=manager, data={"name": "a\x00b"})
    assert list(info.value.details) == ["name"]
    with pytest.raises(ValidationFailed) as info:
        services.category_create(tenant=tenant, actor=manager, data={"name": "x" * 201})
    assert list(info.value.details) == ["name"]
