"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from supportdesk.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("supportdesk.api.urls")),
    path("metrics", metrics_view, name="metrics"),
]
