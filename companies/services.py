"""Writes for customers: parent companies, companies and contacts (managers and admins)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import Tenant, User
from companies.models import Company, Contact, ParentCompany
from supportdesk.services import entity_create, entity_delete, entity_restore, entity_update

PARENT_COMPANY_FIELDS = ("name", "domain", "notes")
COMPANY_FIELDS = ("name", "parent", "domain", "phone", "notes")
CONTACT_FIELDS = ("name", "email", "phone", "title", "company")


def _normalise_email(data: Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(data.get("email"), str):
        return {**data, "email": data["email"].strip().lower()}
    return data


def parent_company_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> ParentCompany:
    """Create a parent company."""
    return entity_create(
        model=ParentCompany,
        resource="parent_company",
        tenant=tenant,
        actor=actor,
        data=data,
        fields=PARENT_COMPANY_FIELDS,
    )


def parent_company_update(
    *, parent_company: ParentCompany, actor: User, data: Mapping[str, Any], if_match: str | None = None
) -> ParentCompany:
    """Change a parent company."""
    return entity_update(
        model=ParentCompany,
        resource="parent_company",
        instance=parent_company,
        actor=actor,
        data=data,
        fields=PARENT_COMPANY_FIELDS,
        if_match=if_match,
    )


def parent_company_delete(
    *, parent_company: ParentCompany, actor: User, if_match: str | None = None
) -> ParentCompany:
    """Soft-delete a parent company."""
    return entity_delete(
        model=ParentCompany,
        resource="parent_company",
        instance=parent_company,
        actor=actor,
        if_match=if_match,
    )


def parent_company_restore(*, parent_company: ParentCompany, actor: User) -> ParentCompany:
    """Restore a soft-deleted parent company."""
    return entity_restore(
        model=ParentCompany, resource="parent_company", instance=parent_company, actor=actor
    )


def company_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> Company:
    """Create a company, optionally under a parent company."""
    return entity_create(
        model=Company, resource="company", tenant=tenant, actor=actor, data=data, fields=COMPANY_FIELDS
    )


def company_update(
    *, company: Company, actor: User, data: Mapping[str, Any], if_match: str | None = None
) -> Company:
    """Change a company."""
    return entity_update(
        model=Company,
        resource="company",
        instance=company,
        actor=actor,
        data=data,
        fields=COMPANY_FIELDS,
        if_match=if_match,
    )


def company_delete(*, company: Company, actor: User, if_match: str | None = None) -> Company:
    """Soft-delete a company."""
    return entity_delete(model=Company, resource="company", instance=company, actor=actor, if_match=if_match)


def company_restore(*, company: Company, actor: User) -> Company:
    """Restore a soft-deleted company."""
    return entity_restore(model=Company, resource="company", instance=company, actor=actor)


def contact_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> Contact:
    """Create a contact (email unique per tenant, any case)."""
    return entity_create(
        model=Contact,
        resource="contact",
        tenant=tenant,
        actor=actor,
        data=_normalise_email(data),
        fields=CONTACT_FIELDS,
    )


def contact_update(
    *, contact: Contact, actor: User, data: Mapping[str, Any], if_match: str | None = None
) -> Contact:
    """Change a contact."""
    return entity_update(
        model=Contact,
        resource="contact",
        instance=contact,
        actor=actor,
        data=_normalise_email(data),
        fields=CONTACT_FIELDS,
        if_match=if_match,
    )


def contact_delete(*, contact: Contact, actor: User, if_match: str | None = None) -> Contact:
    """Soft-delete a contact."""
    return entity_delete(model=Contact, resource="contact", instance=contact, actor=actor, if_match=if_match)


def contact_restore(*, contact: Contact, actor: User) -> Contact:
    """Restore a soft-deleted contact."""
    return entity_restore(model=Contact, resource="contact", instance=contact, actor=actor)
