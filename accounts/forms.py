"""Forms of the accounts UI: they validate and shape input; services do the writes."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.backends import ThrottleMessageMixin
from accounts.choices import Role
from accounts.models import Department, Tenant
from accounts.selectors import department_list


class SignInForm(ThrottleMessageMixin, AuthenticationForm):
    """Email and password; a refusal never says which of the two was wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an active account.",
        "inactive": "That email and password do not match an active account.",
    }

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
        self.fields["password"].label = "Password"


class UserInviteForm(forms.Form):
    """Invite a colleague: they get an email with a link to choose their password."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.AGENT)
    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False)

    def __init__(self, *args: Any, tenant: Tenant | uuid.UUID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_list(tenant=tenant)  # type: ignore[attr-defined]

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data["department"] is None:
            del data["department"]
        return data


class NamedForm(forms.Form):
    """A name and a description: departments, groups, categories."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(max_length=2000, required=False)
