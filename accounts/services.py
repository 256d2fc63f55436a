"""Writes for tenants and users."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts.choices import Role
from accounts.models import Tenant, User
from audit.services import audit_record


class AccountError(ValueError):
    """A write refused for a reason the caller can show (field -> message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def generate_password() -> str:
    """A one-time password strong enough to hand to a new admin."""
    return secrets.token_urlsafe(15)


@transaction.atomic
def tenant_create(*, name: str, admin_email: str, admin_name: str = "", password: str) -> tuple[Tenant, User]:
    """Create a tenant and its first admin user, audited, in one transaction."""
    name = name.strip()
    if not name:
        raise AccountError("name", "A tenant needs a name.")
    email = admin_email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise AccountError("admin_email", f"A user with email {email} already exists.")
    base_slug = slugify(name)[:50] or "tenant"
    slug, n = base_slug, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base_slug}-{n}"
    tenant = Tenant.objects.create(name=name, slug=slug)
    try:
        with transaction.atomic():
            admin = User.objects.create_user(
                email,
                password,
                tenant=tenant,
                name=admin_name.strip() or email.split("@")[0],
                role=Role.ADMIN,
            )
    except IntegrityError as exc:
        raise AccountError("admin_email", f"A user with email {email} already exists.") from exc
    audit_record(
        tenant=tenant,
        actor=None,
        actor_label="create_tenant",
        action="tenant.created",
        entity_type="tenant",
        entity_id=tenant.pk,
        changes={"name": {"before": None, "after": tenant.name}, "admin": {"before": None, "after": email}},
    )
    audit_record(
        tenant=tenant,
        actor=None,
        actor_label="create_tenant",
        action="user.created",
        entity_type="user",
        entity_id=admin.pk,
        changes={"email": {"before": None, "after": email}, "role": {"before": None, "after": Role.ADMIN}},
    )
    return tenant, admin
