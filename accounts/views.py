"""Sign in and out, password reset and change, and the settings pages for users, departments, groups."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import QueryDict
from django.urls import reverse_lazy
from django.views.generic import TemplateView

from accounts.choices import Role, UserStatus
from accounts.forms import NamedForm, SignInForm, UserInviteForm
from accounts.models import Department, Group, User
from accounts.selectors import department_list, group_list, user_get, user_list
from accounts.services import (
    department_create,
    department_delete,
    department_update,
    group_create,
    group_delete,
    group_update,
    user_deactivate,
    user_invite,
    user_update,
)
from supportdesk.errors import ValidationFailed
from supportdesk.selectors import get_row
from supportdesk.views import SETTINGS_ROLES, SETTINGS_SECTIONS, SettingsSectionView, TenantScopedMixin


class SignInView(auth_views.LoginView):
    """The front page for anonymous visitors; a signed-in user goes straight to the inbox."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only, so a link elsewhere cannot sign anyone out)."""


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by email; the answer is the same whether or not the email is known."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "nav": "account"}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class SettingsIndexView(TenantScopedMixin, TemplateView):
    """The settings menu (admins and managers)."""

    template_name = "settings/index.html"
    nav = "settings"
    allowed_roles = SETTINGS_ROLES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "sections": SETTINGS_SECTIONS}


class UserSettingsView(SettingsSectionView):
    """Users: invite, change role, deactivate or reactivate."""

    template_name = "settings/users.html"
    resource = "user"
    title = "Users"
    columns = (("Name", "name"), ("Email", "email"), ("Department", "department"))

    def make_form(self, data: QueryDict | None = None) -> forms.Form:
        return UserInviteForm(data, prefix="new", tenant=self.tenant_id)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "roles": Role.choices}

    def rows(self) -> Any:
        return user_list(tenant=self.tenant_id)

    def get_row(self, pk: str) -> User:
        return user_get(tenant=self.tenant_id, pk=pk)

    def create(self, form: UserInviteForm) -> str:
        user = user_invite(tenant=self.tenant, actor=self.user, data=form.data_for_service())
        return f"{user.name}; an invitation was sent to {user.email}"

    def row_action(self, action: str, row: Any, data: QueryDict) -> None:
        if action == "role":
            user_update(user=row, actor=self.user, data={"role": data.get("role", "")})
            messages.success(self.request, f"{row.name} is now {row.get_role_display()}.")
        elif action == "deactivate":
            user_deactivate(user=row, actor=self.user)
            messages.success(self.request, f"{row.name} was deactivated.")
        elif action == "reactivate":
            user_update(user=row, actor=self.user, data={"status": UserStatus.ACTIVE})
            messages.success(self.request, f"{row.name} was reactivated.")
        else:
            raise ValidationFailed(f"Unknown action {action!r}.")


class DepartmentSettingsView(SettingsSectionView):
    resource = "department"
    title = "Departments"
    form_class = NamedForm
    columns = (("Name", "name"), ("Description", "description"))

    def rows(self) -> Any:
        return department_list(tenant=self.tenant_id)

    def get_row(self, pk: str) -> Department:
        return get_row(department_list(tenant=self.tenant_id), pk, "Department")

    def create(self, form: NamedForm) -> Department:
        return department_create(tenant=self.tenant, actor=self.user, data=form.cleaned_data)

    def delete(self, row: Any) -> Department:
        return department_delete(department=row, actor=self.user)

    def update(self, row: Any, data: dict[str, Any]) -> Department:
        return department_update(department=row, actor=self.user, data=data)


class GroupSettingsView(SettingsSectionView):
    """Groups (teams tickets are routed to) and their members."""

    template_name = "settings/groups.html"
    resource = "group"
    title = "Groups"
    form_class = NamedForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "agents": user_list(tenant=self.tenant_id)}

    def rows(self) -> Any:
        groups = list(group_list(tenant=self.tenant_id))
        for group in groups:
            group.member_ids = {m.user_id for m in group.memberships.all()}  # type: ignore[attr-defined]
        return groups

    def get_row(self, pk: str) -> Group:
        return get_row(group_list(tenant=self.tenant_id), pk, "Group")

    def create(self, form: NamedForm) -> Group:
        return group_create(tenant=self.tenant, actor=self.user, data=form.cleaned_data)

    def delete(self, row: Any) -> Group:
        return group_delete(group=row, actor=self.user)

    def update(self, row: Any, data: dict[str, Any]) -> Group:
        return group_update(group=row, actor=self.user, data=data)

    def row_action(self, action: str, row: Any, data: QueryDict) -> None:
        if action != "members":
            return super().row_action(action, row, data)
        try:
            wanted = [uuid.UUID(value) for value in data.getlist("members")]
        except ValueError as exc:
            raise ValidationFailed.on("members", "Not a valid user.") from exc
        # Only the tenant's users can be found; an unknown id is refused, not silently dropped.
        members = list(user_list(tenant=self.tenant_id).filter(pk__in=wanted))
        if len(members) != len(set(wanted)):
            raise ValidationFailed.on("members", "User not found.")
        group_update(group=row, actor=self.user, data={"members": members})
        messages.success(self.request, f"Members of {row} saved.")
