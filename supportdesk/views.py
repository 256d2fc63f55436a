"""What every UI view shares: sign-in required, the tenant from the signed-in user, role checks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.models import Tenant, User
from accounts.permissions import can
from supportdesk.errors import ServiceError, ValidationFailed

# Who opens the settings pages; within them, the role matrix decides what each may change.
SETTINGS_ROLES = (Role.ADMIN, Role.MANAGER)


class TenantScopedMixin(LoginRequiredMixin):
    """Sign-in required; the tenant is the signed-in user's, never taken from the URL, query or body.

    Reads start from ``self.tenant_id`` (the same source as the API's ``TenantScopedViewSet``), so
    another tenant's row is simply not found: a 404, the same answer as for a row that does not
    exist. ``self.tenant`` loads the Tenant row for the services that create rows in it.
    ``nav`` names the main navigation entry the page belongs to.
    """

    request: HttpRequest
    nav: str = ""
    allowed_roles: tuple[str, ...] = ()
    # (action, resource) of the role matrix that opening the page needs, e.g. ("view", "audit_log").
    permission: tuple[str, str] | None = None

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.user.tenant_id

    @cached_property
    def tenant(self) -> Tenant:
        return self.user.tenant

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not self.may_open():
            raise PermissionDenied("Your role cannot open this page.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def may_open(self) -> bool:
        if self.allowed_roles and self.user.role not in self.allowed_roles:
            return False
        return self.permission is None or can(self.user, *self.permission)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["nav"] = self.nav
        return context


def service_error_lines(exc: ServiceError) -> list[str]:
    """A service refusal as sentences for a page: the message, then each field's problems."""
    lines = [exc.message]
    for field, problems in exc.details.items():
        items = problems if isinstance(problems, list) else [problems]
        lines.extend(f"{field.replace('_', ' ').capitalize()}: {problem}" for problem in items)
    return lines


def page_number(params: QueryDict) -> int:
    """``?page=`` of a paged HTML list: 1 when absent, not a number, or below 1."""
    try:
        return max(1, int(params.get("page", "1")))
    except ValueError:
        return 1


def query_string(params: QueryDict, **overrides: str | None) -> str:
    """The current query string with some parameters replaced (``None`` drops one); keeps order."""
    query = params.copy()
    for key, value in overrides.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


class SettingsSectionView(TenantScopedMixin, TemplateView):
    """One settings list (users, groups, tags ...): the rows, a create form, per-row actions.

    Admins and managers open settings; what each may change comes from the role matrix
    (``accounts.permissions.can``), and the services enforce the same matrix on every write.
    A subclass names its ``resource`` and provides ``rows``, ``get_row``, ``create``, ``delete``.
    """

    template_name = "settings/section.html"
    nav = "settings"
    allowed_roles = SETTINGS_ROLES
    resource: str
    title: str
    form_class: type[forms.Form]
    columns: tuple[tuple[str, str], ...] = (("Name", "name"),)

    def rows(self) -> Iterable[Any]:
        raise NotImplementedError

    def get_row(self, pk: str) -> Any:
        raise NotImplementedError

    def create(self, form: Any) -> Any:
        raise NotImplementedError

    def delete(self, row: Any) -> Any:
        raise NotImplementedError

    def update(self, row: Any, data: dict[str, Any]) -> Any:
        """Change a row through its service; sections that have no rename leave this out."""
        raise NotImplementedError

    @property
    def renamable(self) -> bool:
        return type(self).update is not SettingsSectionView.update

    def make_form(self, data: QueryDict | None = None) -> forms.Form:
        return self.form_class(data, prefix="new")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.title,
            rows=self.rows(),
            columns=self.columns,
            form=kwargs.get("form") or self.make_form(),
            can_create=can(self.user, "create", self.resource),
            can_update=can(self.user, "update", self.resource),
            can_delete=can(self.user, "delete", self.resource),
            renamable=self.renamable,
            sections=SETTINGS_SECTIONS,
            here=self.request.path,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        try:
            if action == "create":
                form = self.make_form(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form), status=400)
                created = self.create(form)
                messages.success(request, f"Created {created}.")
            else:
                row = self.get_row(request.POST.get("pk", ""))
                self.row_action(action, row, request.POST)
        except ServiceError as exc:
            for line in service_error_lines(exc):
                messages.error(request, line)
        return HttpResponseRedirect(request.path)

    def row_action(self, action: str, row: Any, data: QueryDict) -> None:
        if action == "rename" and self.renamable:
            old = str(row)
            renamed = self.update(row, {"name": data.get("name", "").strip()})
            messages.success(self.request, f"Renamed {old} to {renamed}.")
            return
        if action != "delete":
            raise ValidationFailed(f"Unknown action {action!r}.")
        self.delete(row)
        messages.success(self.request, f"Deleted {row}.")


# (url name, label) of each settings list, in the order the settings menu shows them.
SETTINGS_SECTIONS = (
    ("accounts:settings_users", "Users"),
    ("accounts:settings_departments", "Departments"),
    ("accounts:settings_groups", "Groups"),
    ("catalog:settings_categories", "Categories"),
    ("catalog:settings_tags", "Tags"),
)
