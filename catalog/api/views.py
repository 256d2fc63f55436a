"""Catalog endpoints: categories, subcategories, tags."""

from __future__ import annotations

from catalog import selectors, services
from catalog.api.serializers import CategorySerializer, SubcategorySerializer, TagSerializer
from catalog.filters import CategoryFilterSet, SubcategoryFilterSet, TagFilterSet
from supportdesk.api.views import ModelViewSet


class CategoryViewSet(ModelViewSet):
    """Top-level kinds of request."""

    resource = "category"
    selector = selectors.category_list
    serializer_class = CategorySerializer
    filterset_class = CategoryFilterSet
    create_service = services.category_create
    update_service = services.category_update
    delete_service = services.category_delete
    restore_service = services.category_restore
    instance_kwarg = "category"


class SubcategoryViewSet(ModelViewSet):
    """Finer kinds of request inside a category."""

    resource = "subcategory"
    selector = selectors.subcategory_list
    serializer_class = SubcategorySerializer
    filterset_class = SubcategoryFilterSet
    create_service = services.subcategory_create
    update_service = services.subcategory_update
    delete_service = services.subcategory_delete
    restore_service = services.subcategory_restore
    instance_kwarg = "subcategory"


class TagViewSet(ModelViewSet):
    """Free labels on tickets (names unique per tenant, any case)."""

    resource = "tag"
    selector = selectors.tag_list
    serializer_class = TagSerializer
    filterset_class = TagFilterSet
    create_service = services.tag_create
    update_service = services.tag_update
    delete_service = services.tag_delete
    restore_service = services.tag_restore
    instance_kwarg = "tag"
