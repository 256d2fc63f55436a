"""Catalog forms: validate and shape input for the catalog services."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from accounts.models import Tenant
from catalog.models import Category
from catalog.selectors import category_list


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(max_length=2000, required=False)


class SubcategoryForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none())
    name = forms.CharField(max_length=200)
    description = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args: Any, tenant: Tenant | uuid.UUID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_list(tenant=tenant)  # type: ignore[attr-defined]


class TagForm(forms.Form):
    name = forms.CharField(max_length=100)
    color = forms.RegexField(regex=r"^(#[0-9a-fA-F]{6})?$", required=False, help_text="#rrggbb")
