"""What every UI view shares: sign-in required, the tenant from the signed-in user, role checks."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, QueryDict

from accounts.models import Tenant, User
from supportdesk.errors import ServiceError


class TenantScopedMixin(LoginRequiredMixin):
    """Sign-in required; ``self.tenant`` is the signed-in user's tenant, never taken from the request.

    Every query of a view that uses this mixin starts from ``self.tenant``, so another tenant's row
    is simply not found (a 404, the same answer as for a row that does not exist).
    ``nav`` names the main navigation entry the page belongs to.
    """

    request: HttpRequest
    nav: str = ""
    allowed_roles: tuple[str, ...] = ()

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]

    @property
    def tenant(self) -> Tenant:
        return self.user.tenant

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if (
            request.user.is_authenticated
            and self.allowed_roles
            and request.user.role not in self.allowed_roles
        ):  # type: ignore[union-attr]
            raise PermissionDenied("Your role cannot open this page.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

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


def query_string(params: QueryDict, **overrides: str | None) -> str:
    """The current query string with some parameters replaced (``None`` drops one); keeps order."""
    query = params.copy()
    for key, value in overrides.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"
