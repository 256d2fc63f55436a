"""Ticket forms: validate and shape input into what the ticket services take (rows, not ids)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from accounts.models import Group, Tenant, User
from accounts.selectors import user_list
from catalog.models import Category, Subcategory, Tag
from companies.models import Contact
from tickets.choices import Channel, Priority, Status


def _agents(tenant: Tenant | uuid.UUID) -> Any:
    return user_list(tenant=tenant).filter(is_active=True)


class AgentChoiceField(forms.ModelChoiceField):
    """Agents by name, as people say them."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.name


PICKERS = ("assignee", "group", "category", "subcategory", "tags")


class TicketPickersForm(forms.Form):
    """The pickers a new ticket and a ticket's side panel share, offering the tenant's rows only."""

    assignee = AgentChoiceField(queryset=User.objects.none(), required=False, empty_label="Unassigned")
    group = forms.ModelChoiceField(queryset=Group.objects.none(), required=False, empty_label="No group")
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, empty_label="None")
    subcategory = forms.ModelChoiceField(
        queryset=Subcategory.objects.none(), required=False, empty_label="None"
    )
    tags = forms.ModelMultipleChoiceField(queryset=Tag.objects.none(), required=False)

    def scope_pickers(self, tenant: Tenant | uuid.UUID) -> None:
        """Offer the tenant's agents, groups, categories and tags (each form narrows subcategories)."""
        fields: Any = self.fields
        fields["assignee"].queryset = _agents(tenant)
        fields["group"].queryset = Group.objects.for_tenant(tenant)
        fields["category"].queryset = Category.objects.for_tenant(tenant)
        fields["tags"].queryset = Tag.objects.for_tenant(tenant)


class TicketFieldsForm(TicketPickersForm):
    """The side panel of a ticket: everything an agent changes while working it.

    ``if_match`` carries the version the page showed, so a change made meanwhile by someone else
    is refused (412) instead of overwritten.
    """

    status = forms.ChoiceField(choices=Status.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    if_match = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = ("status", "priority", *PICKERS, "if_match")

    def __init__(
        self, *args: Any, tenant: Tenant | uuid.UUID, category: Category | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", "p-%s")
        super().__init__(*args, **kwargs)
        self.scope_pickers(tenant)
        fields: Any = self.fields
        # Only the chosen category's subcategories are offered (category -> subcategory narrowing);
        # a posted one of another category is dropped in clean(), not refused.
        subcategories = Subcategory.objects.for_tenant(tenant)
        fields["subcategory"].queryset = (
            subcategories if self.is_bound else subcategories.filter(category=category)
        )
        fields["tags"].widget.attrs["size"] = 4

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Changing the category drops a subcategory of the old one rather than refusing the change.
        sub = data.get("subcategory")
        if sub is not None and sub.category_id != getattr(data.get("category"), "pk", None):
            data["subcategory"] = None
        return data

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "if_match"}


class TicketCreateForm(TicketPickersForm):
    """A new ticket. The requester is picked by searching contacts (search-as-you-type)."""

    requester = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": "Choose a requester."},
    )
    subject = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea, required=False)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.WEB)

    field_order = ("requester", "subject", "description", "priority", "channel", *PICKERS)

    def __init__(self, *args: Any, tenant: Tenant | uuid.UUID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["requester"].queryset = Contact.objects.for_tenant(tenant)
        self.scope_pickers(tenant)
        category = self.data.get("category") if self.is_bound else None
        fields["subcategory"].queryset = (
            Subcategory.objects.for_tenant(tenant).filter(category_id=category)
            if category
            else Subcategory.objects.none()
        )


class BulkUpdateForm(forms.Form):
    """Changes for the selected rows of the inbox; "No change" leaves that field alone."""

    NO_CHANGE = ""
    UNASSIGN = "none"

    ids = forms.MultipleChoiceField(error_messages={"required": "Select at least one ticket."})
    status = forms.ChoiceField(choices=[(NO_CHANGE, "No change"), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[(NO_CHANGE, "No change"), *Priority.choices], required=False)
    assignee = forms.ChoiceField(required=False)
    add_tags = forms.ModelMultipleChoiceField(queryset=Tag.objects.none(), required=False, label="Add tags")
    remove_tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(), required=False, label="Remove tags"
    )

    def __init__(self, *args: Any, tenant: Tenant | uuid.UUID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agents = {str(u.pk): u for u in _agents(tenant)}
        fields: Any = self.fields
        # Ids are checked by the service (an unknown or foreign id is reported per ticket).
        fields["ids"].valid_value = lambda value: True
        fields["assignee"].choices = [
            (self.NO_CHANGE, "No change"),
            (self.UNASSIGN, "Unassigned"),
            *((pk, u.name) for pk, u in self.agents.items()),
        ]
        fields["add_tags"].queryset = Tag.objects.for_tenant(tenant)
        fields["remove_tags"].queryset = Tag.objects.for_tenant(tenant)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes: dict[str, Any] = {k: data[k] for k in ("status", "priority") if data.get(k)}
        if data.get("assignee") == self.UNASSIGN:
            changes["assignee"] = None
        elif data.get("assignee"):
            changes["assignee"] = self.agents[data["assignee"]]
        return changes
