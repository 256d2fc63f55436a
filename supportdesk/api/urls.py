"""Every API route. Paths work with and without a trailing slash."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from accounts.api.views import ApiTokenViewSet, DepartmentViewSet, GroupViewSet, UserViewSet
from audit.api.views import AuditLogViewSet
from catalog.api.views import CategoryViewSet, SubcategoryViewSet, TagViewSet
from companies.api.views import CompanyViewSet, ContactViewSet, ParentCompanyViewSet
from supportdesk.api import schema  # noqa: F401 - registers the token scheme with drf-spectacular
from supportdesk.api.errors import not_found
from tickets.api.views import AttachmentViewSet, CommentViewSet, TicketViewSet

app_name = "api"


class OptionalSlashRouter(SimpleRouter):
    """``/api/tickets`` and ``/api/tickets/`` both match (the old frontend omits the slash)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
router.register("users", UserViewSet, basename="user")
router.register("departments", DepartmentViewSet, basename="department")
router.register("groups", GroupViewSet, basename="group")
router.register("parent-companies", ParentCompanyViewSet, basename="parent-company")
router.register("companies", CompanyViewSet, basename="company")
router.register("contacts", ContactViewSet, basename="contact")
router.register("categories", CategoryViewSet, basename="category")
router.register("subcategories", SubcategoryViewSet, basename="subcategory")
router.register("tags", TagViewSet, basename="tag")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("audit-logs", AuditLogViewSet, basename="audit-log")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register(r"tickets/(?P<ticket_pk>[^/]+)/comments", CommentViewSet, basename="ticket-comment")
router.register(r"tickets/(?P<ticket_pk>[^/]+)/attachments", AttachmentViewSet, basename="ticket-attachment")

urlpatterns = [
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Anything else under /api/ is a JSON 404, never an HTML page.
    re_path(r"^.*$", not_found),
]
