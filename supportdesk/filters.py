"""Pieces every app's FilterSets share: tenant-aware base, comma lists, ordering with a tie-breaker.

A FilterSet is built with the request's tenant and user; a bad value becomes ``ValidationFailed``
naming the parameter, which the API answers with 400 and the UI shows next to the filter.
"""

from __future__ import annotations

import copy
import datetime
import functools
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import F, QuerySet
from django.http import QueryDict
from django_filters.fields import IsoDateTimeField

from supportdesk.errors import ValidationFailed

# Bigger values would overflow PostgreSQL's integer columns (a 500 instead of a 400).
MAX_INT = 2**31 - 1


class ListField(forms.Field):
    """A comma-separated list (``status=new,open``); each item is checked by ``clean_item``."""

    def clean_item(self, item: str) -> Any:
        return item

    def clean(self, value: Any) -> list[Any] | None:
        if value in (None, "", []):
            if self.required:
                raise forms.ValidationError("This parameter is required.")
            return None
        raw = value if isinstance(value, list | tuple) else [value]
        items = [part.strip() for text in raw for part in str(text).split(",") if part.strip()]
        if any("\x00" in item for item in items):
            raise forms.ValidationError("NUL characters are not allowed.")
        return [self.clean_item(item) for item in items] or None


class ChoiceListField(ListField):
    def __init__(self, *, choices: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        self.allowed = [value for value, _ in choices]
        super().__init__(**kwargs)

    def clean_item(self, item: str) -> str:
        if item not in self.allowed:
            raise forms.ValidationError(
                f'Unknown value "{item}"; expected one of: {", ".join(self.allowed)}.'
            )
        return item


def parse_uuid(item: str) -> uuid.UUID:
    try:
        return uuid.UUID(item)
    except ValueError as exc:
        raise forms.ValidationError(f'"{item[:64]}" is not a valid id.') from exc


class UUIDListField(ListField):
    def clean_item(self, item: str) -> uuid.UUID:
        return parse_uuid(item)


class IntListField(ListField):
    def clean_item(self, item: str) -> int:
        text = item.removeprefix("#")
        if not text.isdigit() or not 0 < int(text) <= MAX_INT:
            raise forms.ValidationError(f'"{item[:64]}" is not a valid number.')
        return int(text)


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 date or date-time, as UTC (PostgreSQL refuses offsets beyond ±15:59)."""

    def clean(self, value: Any) -> datetime.datetime | None:
        parsed = super().clean(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("Enter a date-time between years 1 and 9999.") from exc


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """``created_after=2024-01-31`` or ``...T12:00:00+02:00``."""

    field_class = UTCDateTimeField


class ListFilter(django_filters.Filter):
    """``field__in`` over a comma-separated list."""

    field_class = ListField

    def filter(self, qs: QuerySet[Any], value: list[Any] | None) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class ChoiceListFilter(ListFilter):
    field_class = ChoiceListField


class UUIDListFilter(ListFilter):
    field_class = UUIDListField


class IntListFilter(ListFilter):
    field_class = IntListField


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """``ordering=-priority,created_at``; NULLs sort last either way, and ``id`` breaks ties.

    A stable, total order is what keyset pagination needs (``supportdesk.api.pagination``).
    ``NULLS LAST`` is written for nullable columns only: on a column that cannot be NULL it changes
    nothing but would stop PostgreSQL from reading a plain index backwards (an index ascending
    is, read backwards, descending with NULLs first), so the page would be sorted instead.
    """

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        if not value:
            return qs
        keys = []
        for param in value:
            descending = param.startswith("-")
            field = self.param_map[param.lstrip("-")]
            nulls_last = True if qs.model._meta.get_field(field).null else None
            key = F(field)
            keys.append(key.desc(nulls_last=nulls_last) if descending else key.asc(nulls_last=nulls_last))
        last = keys[-1]
        keys.append(F("id").desc() if last.descending else F("id").asc())
        return qs.order_by(*keys)


class TenantFilterSet(django_filters.FilterSet):
    """A FilterSet that knows the tenant and user it filters for."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[Any] | None = None,
        *,
        tenant: Any = None,
        user: Any = None,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # django-filter's own __init__ deep-copies every filter per request, and its form builds a
        # new form class (about a millisecond for the ticket list's 23 filters). Filters keep no
        # per-request state but ``parent``, so each is copied shallowly, and only once a request
        # names one (``filters``); the form class is built once per FilterSet class
        # (``get_form_class``).
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.tenant = tenant
        self.user = user
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix

    @functools.cached_property
    def filters(self) -> dict[str, django_filters.Filter]:
        filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in filters.values():
            filter_.model = self.queryset.model
            filter_.parent = self
            if filter_.method is not None:
                # Re-binds the copy's FilterMethod to the copy (it finds ``method`` on ``parent``).
                filter_.method = filter_.method
        return filters

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        form = cls.__dict__.get("_form_class")
        if form is None:
            fields = {name: filter_.field for name, filter_ in cls.base_filters.items()}
            form = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
            cls._form_class = form
        return form

    def qs_or_raise(self) -> QuerySet[Any]:
        """The filtered queryset, or ``ValidationFailed`` naming each bad parameter.

        A request that names none of the filters (a plain list page) gets the queryset as it is:
        every filter leaves it unchanged for an empty value (``tests/core/test_filters.py`` holds
        each FilterSet to that), and building and cleaning a form of 20-odd fields costs more than
        the rest of the filtering.
        """
        if not any(name in self.data for name in self.base_filters):
            return self.queryset.all()
        if not self.is_valid():
            details = {name: list(messages) for name, messages in self.errors.items()}
            names = ", ".join(sorted(details))
            raise ValidationFailed(f"Invalid value for the filter: {names}.", details)
        return self.qs


def filtered(
    filterset_class: type[TenantFilterSet],
    queryset: QuerySet[Any],
    filters: Mapping[str, Any] | None,
    *,
    tenant: Any,
    user: Any = None,
    **options: Any,
) -> QuerySet[Any]:
    """Apply a FilterSet to a tenant's queryset (``ValidationFailed`` on bad values).

    ``options`` go to the FilterSet (e.g. ``TicketFilterSet``'s ``counting``).
    """
    return filterset_class(filters or {}, queryset, tenant=tenant, user=user, **options).qs_or_raise()
