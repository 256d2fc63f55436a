"""Ticket forms: validate and shape input into what the ticket services take (rows, not ids)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms

from accounts.models import Group, Tenant, User
from accounts.selectors import agent_choices, group_choices, user_list
from catalog.models import Category, Subcategory, Tag
from catalog.selectors import category_choices, tag_choices
from companies.models import Contact
from supportdesk.widgets import QuickSelect, QuickSelectMultiple
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

    # The tenant's agents and tags can run to hundreds of options: written without a template each.
    assignee = AgentChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Unassigned", widget=QuickSelect
    )
    group = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, empty_label="No group", widget=QuickSelect
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(), required=False, empty_label="None", widget=QuickSelect
    )
    subcategory = forms.ModelChoiceField(
        queryset=Subcategory.objects.none(), required=False, empty_label="None", widget=QuickSelect
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(), required=False, widget=QuickSelectMultiple
    )

    def scope_pickers(self, tenant: Tenant | uuid.UUID) -> None:
        """Offer the tenant's agents, groups, categories and tags (each form narrows subcategories).

        A posted value is checked against the queryset; the select offers the same rows from the
        tenant's cached pickers (``tests/tickets/test_forms.py`` holds the two equal), so showing a
        form queries nothing for them.
        """
        fields: Any = self.fields
        pickers: dict[str, tuple[Any, Callable[..., list[Any]]]] = {
            "assignee": (_agents(tenant), agent_choices),
            "group": (Group.objects.for_tenant(tenant), group_choices),
            "category": (Category.objects.for_tenant(tenant), category_choices),
            "tags": (Tag.objects.for_tenant(tenant), tag_choices),
        }
        for name, (queryset, cached_rows) in pickers.items():
            field = fields[name]
            field.queryset = queryset  # (this also points the widget at the queryset's rows)
            field.widget.choices = offered(field, cached_rows(tenant=tenant))


def offered(field: forms.ModelChoiceField, rows: list[Any]) -> list[tuple[Any, str]]:
    """The ``(value, label)`` options ``field`` shows for ``rows``, as its own choices would."""
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    return [*empty, *((row.pk, field.label_from_instance(row)) for row in rows)]


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
