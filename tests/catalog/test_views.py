"""Settings pages for categories, subcategories and tags."""

from __future__ import annotations

import pytest

from catalog.models import Category, Subcategory, Tag
from tests.factories import CategoryFactory, SubcategoryFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_manager_manages_categories_and_subcategories(client_for, manager, tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(manager)
    assert client.post("/settings/categories", {"action": "create", "new-name": "Billing"}).status_code == 302
    category = Category.objects.get(tenant=tenant, name="Billing")
    client.post(
        "/settings/categories", {"action": "add_subcategory", "pk": str(category.pk), "name": "Refund"}
    )
    sub = Subcategory.objects.get(category=category)
    assert sub.name == "Refund"
    page = client.get("/settings/categories").content.decode()
    assert "Billing" in page and "Refund" in page
    client.post(
        "/settings/categories", {"action": "delete_subcategory", "pk": str(category.pk), "sub": str(sub.pk)}
    )
    assert not Subcategory.objects.filter(pk=sub.pk).exists()


def test_subcategory_of_another_category_cannot_be_deleted_through_this_one(
    client_for, admin, tenant
) -> None:  # type: ignore[no-untyped-def]
    sub = SubcategoryFactory(category=CategoryFactory(tenant=tenant))
    other = CategoryFactory(tenant=tenant)
    client_for(admin).post(
        "/settings/categories", {"action": "delete_subcategory", "pk": str(other.pk), "sub": str(sub.pk)}
    )
    assert Subcategory.objects.filter(pk=sub.pk).exists()


def test_tags_create_duplicate_and_delete(client_for, admin, tenant) -> None:  # type: ignore[no-untyped-def]
    TagFactory(tenant=tenant, name="vip")
    client = client_for(admin)
    client.post("/settings/tags", {"action": "create", "new-name": "VIP"})
    assert Tag.objects.filter(tenant=tenant).count() == 1
    page = client.get("/settings/tags").content.decode()
    assert 'class="message message-error"' in page
    tag = Tag.objects.get(tenant=tenant)
    client.post("/settings/tags", {"action": "delete", "pk": str(tag.pk)})
    assert not Tag.objects.filter(tenant=tenant).exists()


def test_invalid_tag_colour_is_shown_on_the_form(client_for, admin) -> None:  # type: ignore[no-untyped-def]
    response = client_for(admin).post(
        "/settings/tags", {"action": "create", "new-name": "x", "new-color": "red"}
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
