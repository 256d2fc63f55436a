"""``{% options %}``: escaped values and labels, the chosen option selected."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Template


def render(rows: list, **extra: object) -> str:
    template = Template("{% load pickers %}{% options rows value=value selected=chosen %}")
    return template.render(Context({"rows": rows, "value": "pk", "chosen": None, **extra}))


def test_options_escape_and_mark_the_chosen_one() -> None:
    rows = [
        SimpleNamespace(pk=1, name="<b>Ops</b>"),
        SimpleNamespace(pk='x" onmouseover="y', name="Sales & Co"),
    ]
    html = render(rows, chosen="1")
    assert html == (
        '<option value="1" selected>&lt;b&gt;Ops&lt;/b&gt;</option>'
        '<option value="x&quot; onmouseover=&quot;y">Sales &amp; Co</option>'
    )


def test_no_choice_selects_nothing_and_values_can_be_names() -> None:
    rows = [SimpleNamespace(pk=1, name="vip"), SimpleNamespace(pk=2, name="")]
    assert " selected" not in render(rows)
    assert render(rows, value="name", chosen="vip").startswith('<option value="vip" selected>vip</option>')
