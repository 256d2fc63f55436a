"""How tickets are classified: categories, their subcategories, and free tags."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from supportdesk.models import TenantModel


class Category(TenantModel):
    """A top-level kind of request (e.g. "Billing")."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                "tenant", Lower("name"), condition=Q(is_deleted=False), name="catalog_category_name_live_key"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Subcategory(TenantModel):
    """A finer kind of request inside one category (e.g. Billing → "Refund")."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="subcategories")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        verbose_name_plural = "subcategories"
        constraints = [
            *TenantModel.Meta.constraints,
            # Lets a ticket reference (subcategory, category) so the pair must match.
            models.UniqueConstraint(fields=["id", "category"], name="catalog_subcategory_id_category_key"),
            models.UniqueConstraint(
                "category",
                Lower("name"),
                condition=Q(is_deleted=False),
                name="catalog_subcategory_name_live_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(TenantModel):
    """A free label on tickets; names are unique per tenant regardless of case."""

    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, blank=True, default="", help_text="#rrggbb")

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                "tenant", Lower("name"), condition=Q(is_deleted=False), name="catalog_tag_name_live_key"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="catalog_tag_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name
