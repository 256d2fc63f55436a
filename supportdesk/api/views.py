"""TenantScopedViewSet: the one place the API scopes to the tenant, checks roles and handles ETags.

A concrete viewset names its role-matrix ``resource``, its ``selector`` (tenant, user, filters ->
queryset), its serializer and FilterSet, and the services that write; list, detail, create,
update, soft delete and restore then work the same way for every resource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.permissions import require
from supportdesk.selectors import get_row, tenant_rows
from supportdesk.services import etag_for, if_match_ok

# DRF action -> the role matrix's action.
MATRIX_ACTIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "create",
    "update": "update",
    "partial_update": "update",
    "destroy": "delete",
    "restore": "restore",
}


class TenantScopedViewSet(viewsets.GenericViewSet):
    """Scopes every read to ``request.user``'s tenant and checks the role matrix before acting."""

    resource: ClassVar[str]
    selector: ClassVar[Callable[..., QuerySet[Any]]]
    # Extra keyword arguments of ``selector`` (e.g. ``related=False``).
    selector_options: ClassVar[dict[str, Any]] = {}
    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    delete_service: ClassVar[Callable[..., Any] | None] = None
    restore_service: ClassVar[Callable[..., Any] | None] = None
    # Keyword the update/delete/restore services take the row as (``ticket=``, ``tag=`` ...).
    instance_kwarg: ClassVar[str]
    # Extra matrix actions for custom @actions (name -> matrix action).
    extra_matrix_actions: ClassVar[dict[str, str]] = {}
    full_text_capped = False
    lookup_value_regex = "[^/]+"
    # Only so the OpenAPI document lists each FilterSet's parameters; the selector filters.
    filter_backends = [DjangoFilterBackend]

    # --- scoping ----------------------------------------------------------------------------------
    @property
    def tenant_id(self) -> Any:
        # None for anonymous requests (refused in initial(), but OPTIONS metadata may ask first).
        return getattr(self.request.user, "tenant_id", None)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        matrix_action = self.extra_matrix_actions.get(self.action) or MATRIX_ACTIONS.get(self.action or "")
        if matrix_action:
            require(request.user, matrix_action, self.resource)

    def get_queryset(self) -> QuerySet[Any]:
        filters = self.request.query_params if self.action == "list" else None
        return type(self).selector(
            tenant=self.tenant_id, user=self.request.user, filters=filters, **self.selector_options
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The selector has applied the FilterSet already (the same one the UI uses).
        return queryset

    def get_object(self) -> Any:
        obj = get_row(
            self.get_queryset(), self.kwargs[self.lookup_field], self.resource.replace("_", " ").capitalize()
        )
        self.check_object_permissions(self.request, obj)
        return obj

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "tenant_id": self.tenant_id}

    # --- responses --------------------------------------------------------------------------------
    def detail_response(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(instance).data, status=status_code)
        response["ETag"] = etag_for(instance)
        return response

    def fresh(self, instance: Any) -> Any:
        """The row as the selector returns it (related rows loaded) after a write."""
        return get_row(self.get_queryset(), instance.pk)

    @property
    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")

    # --- actions ----------------------------------------------------------------------------------
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        # A client that has this version already gets 304 and no body (If-None-Match).
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and if_match_ok(instance, if_none_match):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag_for(instance)
            return response
        return self.detail_response(instance)

    def service_data(self, serializer: BaseSerializer) -> dict[str, Any]:
        """What the create/update services receive: the validated fields (related rows as instances)."""
        return dict(serializer.validated_data)


class RestoreMixin:
    """``POST /api/<resource>/{id}/restore`` brings a soft-deleted row back."""

    @extend_schema(request=None, summary="Restore a soft-deleted object")
    @action(detail=True, methods=["post"])
    def restore(self: Any, request: Request, pk: str | None = None) -> Response:
        model = self.get_queryset().model
        instance = get_row(tenant_rows(model, self.tenant_id, deleted=True), pk, self.resource.capitalize())
        restored = type(self).restore_service(**{self.instance_kwarg: instance}, actor=request.user)
        return self.detail_response(self.fresh(restored))


class CreateMixin:
    """``POST /api/<resource>``: validate, call ``create_service``, answer 201 with the object."""

    def create(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assert self.create_service is not None
        instance = type(self).create_service(
            tenant=request.user.tenant, actor=request.user, data=self.service_data(serializer)
        )
        return self.detail_response(self.fresh(instance), status.HTTP_201_CREATED)


class UpdateMixin:
    """``PUT``/``PATCH /api/<resource>/{id}`` through ``update_service``, honouring ``If-Match``."""

    def update(self: Any, request: Request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        assert self.update_service is not None
        updated = type(self).update_service(
            **{self.instance_kwarg: instance},
            actor=request.user,
            data=self.service_data(serializer),
            if_match=self.if_match,
        )
        return self.detail_response(self.fresh(updated))

    def partial_update(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


class DestroyMixin:
    """``DELETE /api/<resource>/{id}``: a soft delete through ``delete_service`` (204)."""

    def destroy(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        assert self.delete_service is not None
        type(self).delete_service(
            **{self.instance_kwarg: self.get_object()}, actor=request.user, if_match=self.if_match
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModelViewSet(CreateMixin, UpdateMixin, DestroyMixin, RestoreMixin, TenantScopedViewSet):
    """The full set: list, detail, create, update, soft delete and restore."""
