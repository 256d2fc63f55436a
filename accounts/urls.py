from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.SignInView.as_view(), name="sign_in"),
    path("sign-out", views.SignOutView.as_view(), name="sign_out"),
    path("password/forgot", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/forgot/sent", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    # Invitation emails link here (settings.PASSWORD_SET_URL); same form as a reset.
    path(
        "accounts/set-password/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_set",
    ),
    path("password/reset/done", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/change", views.PasswordChangeView.as_view(), name="password_change"),
    path("settings", views.SettingsIndexView.as_view(), name="settings"),
    path("settings/users", views.UserSettingsView.as_view(), name="settings_users"),
    path("settings/departments", views.DepartmentSettingsView.as_view(), name="settings_departments"),
    path("settings/groups", views.GroupSettingsView.as_view(), name="settings_groups"),
    path("password/change/done", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
