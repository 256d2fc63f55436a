from django.contrib import admin

from catalog.models import Category, Subcategory, Tag
from supportdesk.admin import TenantScopedAdmin


@admin.register(Category)
class CategoryAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "updated_at")
    list_select_related = ("tenant",)
    search_fields = ("name",)


@admin.register(Subcategory)
class SubcategoryAdmin(TenantScopedAdmin):
    list_display = ("name", "category", "tenant", "updated_at")
    list_select_related = ("tenant", "category")
    search_fields = ("name", "category__name")
    raw_id_fields = ("category",)


@admin.register(Tag)
class TagAdmin(TenantScopedAdmin):
    list_display = ("name", "color", "tenant", "updated_at")
    list_select_related = ("tenant",)
    search_fields = ("name",)
