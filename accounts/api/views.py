"""Account endpoints: users (+ me, passwords), departments, groups, API tokens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.serializers import (
    ApiTokenSerializer,
    DepartmentSerializer,
    GroupSerializer,
    PasswordChangeSerializer,
    PasswordSetSerializer,
    UserInviteSerializer,
    UserSerializer,
)
from accounts.filters import DepartmentFilterSet, GroupFilterSet, UserFilterSet
from accounts.models import ApiToken
from supportdesk.api.serializers import ErrorSerializer
from supportdesk.api.views import ModelViewSet
from supportdesk.selectors import get_row


class UserViewSet(ModelViewSet):
    """Users of the tenant. Admins invite (POST), change and deactivate them; everyone reads."""

    resource = "user"
    selector = selectors.user_list
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    create_service = services.user_invite
    update_service = services.user_update
    delete_service = services.user_delete
    restore_service = services.user_restore
    instance_kwarg = "user"

    def get_serializer_class(self) -> Any:
        return UserInviteSerializer if self.action == "create" else UserSerializer

    @extend_schema(methods=["GET"], summary="The signed-in user")
    @extend_schema(methods=["PATCH"], summary="Change your own name or profile image")
    @action(detail=False, methods=["get", "patch"])
    def me(self, request: Request) -> Response:
        """The signed-in user; PATCH changes your own name and profile image."""
        if request.method == "GET":
            # Authentication loaded this live, active user's row in this request: no second read.
            return self.detail_response(request.user)
        user = get_row(self.get_queryset(), request.user.pk, "User")
        serializer = UserSerializer(
            user, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        user = services.user_update(
            user=user, actor=request.user, data=dict(serializer.validated_data), if_match=self.if_match
        )
        return self.detail_response(self.fresh(user))

    @extend_schema(request=PasswordChangeSerializer, responses={204: None, 400: ErrorSerializer})
    @action(detail=False, methods=["post"], url_path="me/password")
    def password(self, request: Request) -> Response:
        """Change your own password; the current one is required."""
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_set_password(
            user=request.user,
            actor=request.user,
            password=serializer.validated_data["password"],
            current_password=serializer.validated_data.get("current_password"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PasswordSetSerializer, responses={204: None, 400: ErrorSerializer}, auth=[])
    @action(
        detail=False,
        methods=["post"],
        url_path="set-password",
        permission_classes=[permissions.AllowAny],
        authentication_classes=[],
    )
    def set_password(self, request: Request) -> Response:
        """Choose a password with the uid and token of an invitation email (no sign-in needed)."""
        serializer = PasswordSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_set_password_with_token(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DepartmentViewSet(ModelViewSet):
    """Departments (admins manage, everyone reads)."""

    resource = "department"
    selector = selectors.department_list
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    create_service = services.department_create
    update_service = services.department_update
    delete_service = services.department_delete
    restore_service = services.department_restore
    instance_kwarg = "department"


class GroupViewSet(ModelViewSet):
    """Groups of agents tickets are routed to (admins manage, everyone reads)."""

    resource = "group"
    selector = selectors.group_list
    serializer_class = GroupSerializer
    filterset_class = GroupFilterSet
    create_service = services.group_create
    update_service = services.group_update
    delete_service = services.group_delete
    restore_service = services.group_restore
    instance_kwarg = "group"

    def service_data(self, serializer: Any) -> dict[str, Any]:
        data = dict(serializer.validated_data)
        if "member_ids" in data:
            data["members"] = data.pop("member_ids")
        return data


class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your API tokens (admins: every token of the tenant). The key is shown once, on creation."""

    serializer_class = ApiTokenSerializer
    # For the schema only (path parameter types); requests go through get_queryset.
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> Any:
        return selectors.api_token_list(tenant=self.request.user.tenant_id, user=self.request.user)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            user=request.user,
            actor=request.user,
            name=serializer.validated_data.get("name", ""),
            expires_at=serializer.validated_data.get("expires_at"),
        )
        return Response(ApiTokenSerializer(token, context={"key": key}).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Revoke a token: it stops working at once."""
        services.api_token_revoke(token=get_row(self.get_queryset(), pk, "Token"), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
