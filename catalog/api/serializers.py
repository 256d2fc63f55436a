"""Category, subcategory and tag shapes for the API."""

from __future__ import annotations

from catalog.models import Category, Subcategory, Tag
from supportdesk.api.serializers import StrictModelSerializer, TenantRelatedField

COMMON = ("id", "created_at", "updated_at")


class CategorySerializer(StrictModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "description", "created_at", "updated_at")
        read_only_fields = COMMON


class SubcategorySerializer(StrictModelSerializer):
    category = TenantRelatedField(Category)

    class Meta:
        model = Subcategory
        fields = ("id", "category", "name", "description", "created_at", "updated_at")
        read_only_fields = COMMON


class TagSerializer(StrictModelSerializer):
    class Meta:
        model = Tag
        fields = ("id", "name", "color", "created_at", "updated_at")
        read_only_fields = COMMON
        extra_kwargs = {"color": {"help_text": "#rrggbb"}}
