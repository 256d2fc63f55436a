"""User, department, group and API token shapes for the API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import ApiToken, Department, Group, User
from supportdesk.api.serializers import StrictModelSerializer, TenantRelatedField

COMMON = ("id", "created_at", "updated_at")


class UserSerializer(StrictModelSerializer):
    """A user of the tenant. Creating one sends an invitation email to set a password."""

    department = TenantRelatedField(Department, required=False, allow_null=True)

    class Meta:
        model = User
        fields = (
            "id",
            "email",
            "name",
            "role",
            "department",
            "status",
            "profile_image_url",
            "last_login",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "last_login", "created_at", "updated_at")


class UserInviteSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        read_only_fields = (*UserSerializer.Meta.read_only_fields, "status", "profile_image_url")


class PasswordChangeSerializer(serializers.Serializer):
    """Change your own password (give the current one)."""

    current_password = serializers.CharField(
        required=False, allow_blank=True, max_length=512, write_only=True
    )
    password = serializers.CharField(max_length=512, write_only=True)


class PasswordSetSerializer(serializers.Serializer):
    """Choose a password from an invitation or reset link."""

    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    password = serializers.CharField(max_length=512, write_only=True)


class DepartmentSerializer(StrictModelSerializer):
    class Meta:
        model = Department
        fields = ("id", "name", "description", "created_at", "updated_at")
        read_only_fields = COMMON


class GroupSerializer(StrictModelSerializer):
    members = serializers.SerializerMethodField()
    member_ids = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        write_only=True,
        max_length=1000,
        help_text="Replaces the members.",
    )

    class Meta:
        model = Group
        fields = ("id", "name", "description", "members", "member_ids", "created_at", "updated_at")
        read_only_fields = COMMON

    def get_members(self, group: Group) -> list[str]:
        return [str(m.user_id) for m in group.memberships.all()]

    def validate_member_ids(self, value: list[object]) -> list[User]:
        users = list(User.objects.filter(tenant_id=self.context["tenant_id"], pk__in=value))
        missing = {str(v) for v in value} - {str(u.pk) for u in users}
        if missing:
            raise serializers.ValidationError(f"Unknown users: {', '.join(sorted(missing))}.")
        return users


class ApiTokenSerializer(serializers.ModelSerializer):
    """An API token; ``key`` appears only in the response that creates it."""

    key = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ("id", "name", "prefix", "user", "created_at", "last_used_at", "expires_at", "key")
        read_only_fields = ("id", "prefix", "user", "created_at", "last_used_at", "key")
        extra_kwargs = {"name": {"max_length": 100}}

    def get_key(self, token: ApiToken) -> str | None:
        return self.context.get("key")
