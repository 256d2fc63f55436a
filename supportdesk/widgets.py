"""``<select>`` widgets that write their options in Python instead of a template per option.

Django renders each ``<option>`` through its own templates (``select_option.html`` and the attrs
template) after building a dict per option. A ticket's side panel offers the tenant's agents and
tags (600 on the bench desk): that was two thirds of the ticket page's time. These widgets write
the same elements, attributes and escaping in Python. Choices with option groups keep
Django's rendering; ``tests/core/test_widgets.py`` checks both give the same select.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class QuickSelectMixin:
    """``render`` for a flat ``Select``/``SelectMultiple`` without a template per option."""

    allow_multiple_selected: bool
    attrs: dict[str, Any]
    choices: Any

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = [(str("" if key is None else key), label) for key, label in self.choices]
        if any(isinstance(label, list | tuple) for _, label in choices):
            return super().render(name, value, attrs, renderer)  # type: ignore[misc]
        wanted = self.format_value(value)  # type: ignore[attr-defined]
        final_attrs = self.build_attrs(self.attrs, attrs)  # type: ignore[attr-defined]
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(final_attrs),
            option_tags(choices, wanted, first_only=not self.allow_multiple_selected),
        )


def option_tags(
    choices: Iterable[tuple[str, Any]], selected: Collection[str], *, first_only: bool = False
) -> SafeString:
    """``<option>`` elements for ``(value, label)`` pairs, those in ``selected`` marked selected.

    Values and labels are escaped as Django escapes them (safe strings as they are); ``first_only``
    marks only the first match, as Django's single select does. The widgets above and the
    ``{% options %}`` template tag both write their options here.
    """
    parts = []
    wanted = set(selected)
    for key, label in choices:
        chosen = key in wanted
        if chosen and first_only:
            wanted = set()
        mark = " selected" if chosen else ""
        parts.append(f'<option value="{html.escape(key)}"{mark}>{_escaped(label)}</option>')
    return mark_safe("".join(parts))  # every value and label above is escaped


def _escaped(text: Any) -> str:
    """``conditional_escape``: safe strings as they are, anything else escaped as Django escapes it."""
    return str(text.__html__()) if hasattr(text, "__html__") else html.escape(str(text))


class QuickSelect(QuickSelectMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickSelectMixin, forms.SelectMultiple):
    pass
