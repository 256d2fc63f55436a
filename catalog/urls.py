from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("settings/categories", views.CategorySettingsView.as_view(), name="settings_categories"),
    path("settings/tags", views.TagSettingsView.as_view(), name="settings_tags"),
]
