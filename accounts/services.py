"""Writes for tenants, users, departments and groups."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.text import slugify

from accounts.choices import Role, UserStatus
from accounts.models import ApiToken, Department, Group, GroupMembership, Tenant, User
from audit.services import audit_record
from supportdesk.errors import PermissionDenied, ValidationFailed
from supportdesk.services import (
    check_fields,
    check_same_tenant,
    entity_create,
    entity_delete,
    entity_restore,
    entity_update,
)

USER_INVITE_FIELDS = ("email", "name", "role", "department")
USER_ADMIN_FIELDS = ("email", "name", "role", "department", "status", "profile_image_url")
# What anyone may change about themselves.
USER_SELF_FIELDS = ("name", "profile_image_url")
DEPARTMENT_FIELDS = ("name", "description")
GROUP_FIELDS = ("name", "description")


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


def _set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PASSWORD_SET_URL.format(uid=uid, token=token)


def _send_invitation(user: User, inviter: User) -> None:
    send_mail(
        subject=f"{inviter.name} invited you to Support Desk",
        message=(
            f"Hello {user.name},\n\n{inviter.name} invited you to the {user.tenant.name} help desk.\n"
            f"Choose your password here:\n{_set_password_link(user)}\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


def _normalise_email(data: Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(data.get("email"), str):
        return {**data, "email": data["email"].strip().lower()}
    return data


@transaction.atomic
def user_invite(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> User:
    """Create a user without a password and email them a link to choose one (after commit)."""
    data = _normalise_email(data)
    user = entity_create(
        model=User,
        resource="user",
        tenant=tenant,
        actor=actor,
        data=data,
        fields=USER_INVITE_FIELDS,
        defaults={"password": make_password(None)},
    )
    transaction.on_commit(lambda: _send_invitation(user, actor))
    return user


def user_update(*, user: User, actor: User, data: Mapping[str, Any], if_match: str | None = None) -> User:
    """Change a user: admins change anyone in their tenant; everyone changes their own name and image."""
    data = _normalise_email(data)
    if actor.pk == user.pk and not actor.is_admin:
        check_fields(data, USER_SELF_FIELDS)
        # Anyone may edit their own profile: the field list above is the permission.
        return entity_update(
            model=User,
            resource="user",
            instance=user,
            actor=actor,
            authorized=True,
            data=data,
            fields=USER_SELF_FIELDS,
            if_match=if_match,
        )
    if actor.pk == user.pk and data.get("role", Role.ADMIN) != Role.ADMIN:
        raise ValidationFailed.on("role", "You cannot take the admin role away from yourself.")
    return entity_update(
        model=User,
        resource="user",
        instance=user,
        actor=actor,
        data=data,
        fields=USER_ADMIN_FIELDS,
        if_match=if_match,
    )


def user_deactivate(*, user: User, actor: User) -> User:
    """Mark a user inactive: session and token sign-in stop working at once."""
    if actor.pk == user.pk:
        raise ValidationFailed.on("status", "You cannot deactivate yourself.")
    return entity_update(
        model=User,
        resource="user",
        instance=user,
        actor=actor,
        data={"status": UserStatus.INACTIVE},
        fields=USER_ADMIN_FIELDS,
    )


def user_delete(*, user: User, actor: User, if_match: str | None = None) -> User:
    """Soft-delete a user (they can no longer sign in; their history stays)."""
    if actor.pk == user.pk:
        raise ValidationFailed.on("__all__", "You cannot delete yourself.")
    return entity_delete(model=User, resource="user", instance=user, actor=actor, if_match=if_match)


def user_restore(*, user: User, actor: User) -> User:
    """Restore a soft-deleted user."""
    return entity_restore(model=User, resource="user", instance=user, actor=actor)


def _validated_password(user: User, password: str) -> str:
    if not isinstance(password, str) or not password or "\x00" in password:
        raise ValidationFailed.on("password", "Enter a password.")
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed("The password is not acceptable.", {"password": exc.messages}) from exc
    return password


def _store_password(
    user: User, *, actor: User, password: str, changes: Mapping[str, Any] | None = None
) -> User:
    """Validate, hash and save a new password, and audit the change (never the password itself)."""
    user.set_password(_validated_password(user, password))
    user.updated_at = timezone.now()
    user.save(update_fields=["password", "updated_at"])
    audit_record(
        tenant=user.tenant,
        actor=actor,
        action="user.password_changed",
        entity_type="user",
        entity_id=user.pk,
        changes=changes,
    )
    return user


@transaction.atomic
def user_set_password(*, user: User, actor: User, password: str, current_password: str | None = None) -> User:
    """Set a password: users change their own (giving the current one), admins set anyone's."""
    if actor.pk == user.pk:
        if user.has_usable_password() and not user.check_password(current_password or ""):
            raise ValidationFailed.on("current_password", "The current password is not correct.")
    elif not (actor.is_admin and actor.tenant_id == user.tenant_id):
        raise PermissionDenied("Only admins may set another user's password.")
    return _store_password(user, actor=actor, password=password)


@transaction.atomic
def user_set_password_with_token(*, uid: str, token: str, password: str) -> User:
    """Complete an invitation or a reset: the emailed link's uid and token, and the new password."""
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError, DjangoValidationError, User.DoesNotExist) as exc:
        raise ValidationFailed.on("token", "This link is invalid or has expired.") from exc
    if not default_token_generator.check_token(user, token):
        raise ValidationFailed.on("token", "This link is invalid or has expired.")
    return _store_password(
        user, actor=user, password=password, changes={"via": {"before": None, "after": "emailed link"}}
    )


def department_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> Department:
    """Create a department."""
    return entity_create(
        model=Department,
        resource="department",
        tenant=tenant,
        actor=actor,
        data=data,
        fields=DEPARTMENT_FIELDS,
    )


def department_update(
    *, department: Department, actor: User, data: Mapping[str, Any], if_match: str | None = None
) -> Department:
    """Change a department."""
    return entity_update(
        model=Department,
        resource="department",
        instance=department,
        actor=actor,
        data=data,
        fields=DEPARTMENT_FIELDS,
        if_match=if_match,
    )


def department_delete(*, department: Department, actor: User, if_match: str | None = None) -> Department:
    """Soft-delete a department."""
    return entity_delete(
        model=Department, resource="department", instance=department, actor=actor, if_match=if_match
    )


def department_restore(*, department: Department, actor: User) -> Department:
    """Restore a soft-deleted department."""
    return entity_restore(model=Department, resource="department", instance=department, actor=actor)


def _set_members(group: Group, members: list[User]) -> dict[str, Any]:
    check_same_tenant(group.tenant_id, {"members": members})
    current = set(group.memberships.values_list("user_id", flat=True))
    wanted = {m.pk for m in members}
    group.memberships.filter(user_id__in=current - wanted).delete()
    GroupMembership.objects.bulk_create(
        GroupMembership(tenant_id=group.tenant_id, group=group, user_id=pk) for pk in wanted - current
    )
    return {"before": sorted(str(pk) for pk in current), "after": sorted(str(pk) for pk in wanted)}


@transaction.atomic
def group_create(*, tenant: Tenant, actor: User, data: Mapping[str, Any]) -> Group:
    """Create a group of agents, optionally with its ``members``."""
    fields = {k: v for k, v in data.items() if k != "members"}
    group = entity_create(
        model=Group, resource="group", tenant=tenant, actor=actor, data=fields, fields=GROUP_FIELDS
    )
    if "members" in data:
        _set_members(group, list(data["members"]))
    return group


@transaction.atomic
def group_update(*, group: Group, actor: User, data: Mapping[str, Any], if_match: str | None = None) -> Group:
    """Change a group; ``members`` replaces its member list."""
    fields = {k: v for k, v in data.items() if k != "members"}
    group = entity_update(
        model=Group,
        resource="group",
        instance=group,
        actor=actor,
        data=fields,
        fields=GROUP_FIELDS,
        if_match=if_match,
    )
    if "members" in data:
        change = _set_members(group, list(data["members"]))
        if change["before"] != change["after"]:
            audit_record(
                tenant=group.tenant,
                actor=actor,
                action="group.members_changed",
                entity_type="group",
                entity_id=group.pk,
                changes={"members": change},
            )
    return group


def group_delete(*, group: Group, actor: User, if_match: str | None = None) -> Group:
    """Soft-delete a group."""
    return entity_delete(model=Group, resource="group", instance=group, actor=actor, if_match=if_match)


def group_restore(*, group: Group, actor: User) -> Group:
    """Restore a soft-deleted group."""
    return entity_restore(model=Group, resource="group", instance=group, actor=actor)


def api_token_digest(key: str) -> str:
    """What is stored for a key: its SHA-256 (keys are random, so no salt or slow hash is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, actor: User, name: str = "", expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; returns the row and the key, which is never stored or shown again."""
    if actor.pk != user.pk and not (actor.is_admin and actor.tenant_id == user.tenant_id):
        raise PermissionDenied("Only admins may create tokens for other users.")
    if not user.is_active:
        raise ValidationFailed.on("user", "Inactive users cannot have API tokens.")
    name = (name or "").strip()
    if "\x00" in name or len(name) > 100:
        raise ValidationFailed.on("name", "Use at most 100 printable characters.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed.on("expires_at", "The expiry must be in the future.")
    key = "sd_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        tenant_id=user.tenant_id,
        user=user,
        name=name,
        prefix=key[:10],
        digest=api_token_digest(key),
        expires_at=expires_at,
    )
    audit_record(
        tenant=user.tenant,
        actor=actor,
        action="api_token.created",
        entity_type="api_token",
        entity_id=token.pk,
        changes={
            "user": {"before": None, "after": str(user.pk)},
            "prefix": {"before": None, "after": token.prefix},
        },
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token: the owner or an admin of the tenant."""
    if actor.pk != token.user_id and not (actor.is_admin and actor.tenant_id == token.tenant_id):
        raise PermissionDenied("You may only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            tenant=token.tenant,
            actor=actor,
            action="api_token.revoked",
            entity_type="api_token",
            entity_id=token.pk,
            changes={"revoked_at": {"before": None, "after": token.revoked_at}},
        )
    return token
