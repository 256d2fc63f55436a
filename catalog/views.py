"""Settings for how tickets are classified: categories with their subcategories, and tags."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import QueryDict

from catalog.forms import CategoryForm, SubcategoryForm, TagForm
from catalog.models import Category, Tag
from catalog.selectors import category_list, subcategory_list, tag_list
from catalog.services import (
    category_create,
    category_delete,
    category_update,
    subcategory_create,
    subcategory_delete,
    tag_create,
    tag_delete,
    tag_update,
)
from supportdesk.errors import ValidationFailed
from supportdesk.selectors import get_row
from supportdesk.views import SettingsSectionView


class CategorySettingsView(SettingsSectionView):
    """Categories, each with its subcategories; both created and deleted here."""

    template_name = "settings/categories.html"
    resource = "category"
    title = "Categories"
    form_class = CategoryForm

    def rows(self) -> Any:
        return category_list(tenant=self.tenant_id).prefetch_related(
            Prefetch("subcategories", queryset=subcategory_list(tenant=self.tenant_id))
        )

    def get_row(self, pk: str) -> Category:
        return get_row(category_list(tenant=self.tenant_id), pk, "Category")

    def create(self, form: CategoryForm) -> Category:
        return category_create(tenant=self.tenant, actor=self.user, data=form.cleaned_data)

    def delete(self, row: Any) -> Category:
        return category_delete(category=row, actor=self.user)

    def update(self, row: Any, data: dict[str, Any]) -> Category:
        return category_update(category=row, actor=self.user, data=data)

    def row_action(self, action: str, row: Any, data: QueryDict) -> None:
        if action == "add_subcategory":
            form = SubcategoryForm({**data.dict(), "category": str(row.pk)}, tenant=self.tenant_id)
            if not form.is_valid():
                raise ValidationFailed("The subcategory was not added.", form.errors.get_json_data())
            sub = subcategory_create(tenant=self.tenant, actor=self.user, data=form.cleaned_data)
            messages.success(self.request, f"Added {sub} to {row}.")
        elif action == "delete_subcategory":
            sub = get_row(
                subcategory_list(tenant=self.tenant_id, filters={"category": str(row.pk)}),
                data.get("sub", ""),
                "Subcategory",
            )
            subcategory_delete(subcategory=sub, actor=self.user)
            messages.success(self.request, f"Deleted {sub}.")
        else:
            super().row_action(action, row, data)


class TagSettingsView(SettingsSectionView):
    resource = "tag"
    title = "Tags"
    form_class = TagForm
    columns = (("Name", "name"), ("Colour", "color"))

    def rows(self) -> Any:
        return tag_list(tenant=self.tenant_id)

    def get_row(self, pk: str) -> Tag:
        return get_row(tag_list(tenant=self.tenant_id), pk, "Tag")

    def create(self, form: TagForm) -> Tag:
        return tag_create(tenant=self.tenant, actor=self.user, data=form.cleaned_data)

    def delete(self, row: Any) -> Tag:
        return tag_delete(tag=row, actor=self.user)

    def update(self, row: Any, data: dict[str, Any]) -> Tag:
        return tag_update(tag=row, actor=self.user, data=data)
