"""Tenants, the people who work in them, and how they are organised."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.choices import Role, UserStatus
from supportdesk.ids import new_id
from supportdesk.models import AllRowsManager, LiveManager, TenantModel, TenantOwned


class Tenant(models.Model):
    """One customer organisation of the desk; every other row belongs to exactly one tenant."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    legacy_id = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Highest ticket number handed out; a trigger keeps it >= every ticket's number (imports too).
    last_ticket_number = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"], LiveManager["User"]):
    """Live users; signs in by email, compared case-insensitively."""

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=email.strip().lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        """A platform operator. Without a tenant, joins (or creates) the tenant named "Operators"."""
        if "tenant" not in fields and "tenant_id" not in fields:
            fields["tenant"], _ = Tenant.objects.get_or_create(
                slug="operators", defaults={"name": "Operators"}
            )
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        fields.setdefault("name", email.split("@")[0])
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin, TenantModel):
    """A person who works in the desk (admin, manager or agent) of one tenant; signs in by email."""

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    status = models.CharField(max_length=16, choices=UserStatus.choices, default=UserStatus.ACTIVE)
    profile_image_url = models.URLField(max_length=500, blank=True, default="")
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin site.")
    # What Django's auth reads: an inactive or deleted user cannot sign in. Derived in the database
    # so it can never disagree with `status` / `is_deleted`.
    is_active = models.GeneratedField(
        expression=Q(status=UserStatus.ACTIVE, is_deleted=False),  # type: ignore[arg-type]
        output_field=models.BooleanField(),
        db_persist=True,
    )

    objects = UserManager()  # type: ignore[misc]
    all_objects = AllRowsManager["User"]()  # type: ignore[misc]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                Lower("email"), condition=Q(is_deleted=False), name="accounts_user_email_ci_live_key"
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="accounts_user_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=UserStatus.values), name="accounts_user_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(email=Lower("email")) & ~Q(email=""), name="accounts_user_email_normalised"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


class Department(TenantModel):
    """A part of the tenant's organisation that users belong to and tickets can be filed under."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                "tenant",
                Lower("name"),
                condition=Q(is_deleted=False),
                name="accounts_department_name_live_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Group(TenantModel):
    """A team of agents that tickets are routed to (e.g. "Billing", "Tier 2")."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    members = models.ManyToManyField(  # type: ignore[var-annotated]
        User, through="GroupMembership", related_name="support_groups", blank=True
    )

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                "tenant", Lower("name"), condition=Q(is_deleted=False), name="accounts_group_name_live_key"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembership(TenantOwned):
    """A user's membership of a group (both of the same tenant)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_memberships")

    class Meta(TenantOwned.Meta):
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["group", "user"], name="accounts_groupmembership_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class ApiToken(TenantOwned):
    """A user's API key, stored as a SHA-256 digest: the key itself is shown once and never kept.

    Keys are 256 random bits, so a fast digest is enough (no salt or slow hash needed to resist
    guessing); ``prefix`` lets a user tell their tokens apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"
