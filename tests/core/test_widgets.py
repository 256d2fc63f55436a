"""QuickSelect writes the same <select> as Django's own Select, without a template per option."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms

from supportdesk.widgets import QuickSelect, QuickSelectMultiple


class _Select(HTMLParser):
    """The select element's attributes and its options as (value, selected, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, Any] = {}
        self.options: list[list[Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "select":
            self.attrs = dict(attrs)
        elif tag == "option":
            found = dict(attrs)
            self.options.append([found["value"], "selected" in found, ""])

    def handle_data(self, data: str) -> None:
        if self.options and data.strip():
            self.options[-1][2] += data


def parsed(html: str) -> tuple[dict[str, Any], list[list[Any]]]:
    parser = _Select()
    parser.feed(html)
    return parser.attrs, parser.options


CHOICES = [("", "None"), ("1", 'One <b> & "two"'), ("2", "Zoë"), ("3", "Three")]


@pytest.mark.parametrize(
    ("multiple", "required", "value"),
    [
        (False, False, None),
        (False, True, "2"),
        (False, False, ""),
        (True, False, ["1", "3"]),
        (True, True, []),
    ],
)
def test_quick_select_writes_what_django_writes(multiple: bool, required: bool, value: Any) -> None:
    field_class = forms.MultipleChoiceField if multiple else forms.ChoiceField
    quick = QuickSelectMultiple if multiple else QuickSelect

    class Form(forms.Form):
        plain = field_class(choices=CHOICES, required=required)
        fast = field_class(choices=CHOICES, required=required, widget=quick)

    form = Form(initial={"plain": value, "fast": value}, auto_id="p-%s")
    django_attrs, django_options = parsed(form["plain"].as_widget(attrs={"size": 4}))
    quick_attrs, quick_options = parsed(form["fast"].as_widget(attrs={"size": 4}))

    assert quick_options == django_options
    assert {**quick_attrs, "name": "plain", "id": "p-plain"} == django_attrs


def test_option_groups_keep_djangos_rendering() -> None:
    widget = QuickSelect(choices=[("Fruit", [("a", "Apple"), ("b", "Banana")]), ("c", "Carrot")])
    html = widget.render("food", "b")
    assert '<optgroup label="Fruit">' in html
    assert parsed(html)[1] == [["a", False, "Apple"], ["b", True, "Banana"], ["c", False, "Carrot"]]


def test_labels_are_escaped_like_django_escapes_them_and_safe_ones_kept() -> None:
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    label = "<x> & \"y\" 'z'"
    html = QuickSelect(choices=[("a'b", label), ("c", mark_safe("<em>kept</em>"))]).render("n", None)
    assert f'<option value="a&#x27;b">{escape(label)}</option>' in html
    assert '<option value="c"><em>kept</em></option>' in html
