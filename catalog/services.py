"""Writes for categories, subcategories and tags (managers and admins; see accounts.permissions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import Tenant, User
from catalog.models import Category, Subcategory, Tag
from supportdesk.services import entity_create, entity_delete, entity_restore, entity_update

CATEGORY_FIELDS = ("name", "description")
SUBCATEGORY_FIELDS = ("category", "name", "description")
TAG_FIELDS = ("name", "color")


def category_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> Category:
    """Create a category."""
    return entity_create(
        model=Category, resource="category", tenant=tenant, actor=actor, data=data, fields=CATEGORY_FIELDS
    )


def category_update(
    *, category: Category, actor: User, data: Mapping[str, Any], if_match: str | None = None
) -> Category:
    """Rename or describe a category."""
    return entity_update(
        model=Category,
        resource="category",
        instance=category,
        actor=actor,
        data=data,
        fields=CATEGORY_FIELDS,
        if_match=if_match,
    )


def category_delete(*, category: Category, actor: User, if_match: str | None = None) -> Category:
    """Soft-delete a category."""
    return entity_delete(
        model=Category, resource="category", instance=category, actor=actor, if_match=if_match
    )


def category_restore(*, category: Category, actor: User) -> Category:
    """Restore a soft-deleted category."""
    return entity_restore(model=Category, resource="category", instance=category, actor=actor)


def subcategory_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> Subcategory:
    """Create a subcategory inside a category."""
    return entity_create(
        model=Subcategory,
        resource="subcategory",
        tenant=tenant,
        actor=actor,
        data=data,
        fields=SUBCATEGORY_FIELDS,
    )


def subcategory_update(
    *, subcategory: Subcategory, actor: User, data: Mapping[str, Any], if_match: str | None = None
) -> Subcategory:
    """Rename, describe or move a subcategory."""
    return entity_update(
        model=Subcategory,
        resource="subcategory",
        instance=subcategory,
        actor=actor,
        data=data,
        fields=SUBCATEGORY_FIELDS,
        if_match=if_match,
    )


def subcategory_delete(*, subcategory: Subcategory, actor: User, if_match: str | None = None) -> Subcategory:
    """Soft-delete a subcategory."""
    return entity_delete(
        model=Subcategory, resource="subcategory", instance=subcategory, actor=actor, if_match=if_match
    )


def subcategory_restore(*, subcategory: Subcategory, actor: User) -> Subcategory:
    """Restore a soft-deleted subcategory."""
    return entity_restore(model=Subcategory, resource="subcategory", instance=subcategory, actor=actor)


def tag_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> Tag:
    """Create a tag (names are unique per tenant, any case)."""
    return entity_create(model=Tag, resource="tag", tenant=tenant, actor=actor, data=data, fields=TAG_FIELDS)


def tag_update(*, tag: Tag, actor: User, data: Mapping[str, Any], if_match: str | None = None) -> Tag:
    """Rename or recolour a tag."""
    return entity_update(
        model=Tag, resource="tag", instance=tag, actor=actor, data=data, fields=TAG_FIELDS, if_match=if_match
    )


def tag_delete(*, tag: Tag, actor: User, if_match: str | None = None) -> Tag:
    """Soft-delete a tag; its name can be used again."""
    return entity_delete(model=Tag, resource="tag", instance=tag, actor=actor, if_match=if_match)


def tag_restore(*, tag: Tag, actor: User) -> Tag:
    """Restore a soft-deleted tag (refused if a live tag took its name)."""
    return entity_restore(model=Tag, resource="tag", instance=tag, actor=actor)
