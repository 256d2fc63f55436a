"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from supportdesk.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("supportdesk.api.urls")),
    path("metrics", metrics_view, name="metrics"),
    path("", include("accounts.urls")),
    path("", include("tickets.urls")),
    path("", include("companies.urls")),
    path("", include("catalog.urls")),
    path("", include("audit.urls")),
]
