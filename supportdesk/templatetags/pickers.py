"""``{% options %}``: the <option>s of a picker, written in one pass instead of a template loop."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def options(rows: Iterable[Any], value: str = "pk", label: str = "name", selected: Any = None) -> SafeString:
    """One ``<option>`` per row: ``value`` and ``label`` name its attributes (both escaped).

    The option whose value equals ``selected`` (compared as text) is marked selected. A tenant
    with 600 tags shows them in three pickers on the inbox; as a ``{% for %}`` loop that was most
    of the page's rendering time.
    """
    chosen = "" if selected in (None, "") else str(selected)
    parts = []
    for row in rows:
        key = str(getattr(row, value))
        mark = " selected" if chosen and key == chosen else ""
        parts.append(
            f'<option value="{html.escape(key)}"{mark}>{html.escape(str(getattr(row, label)))}</option>'
        )
    return mark_safe("".join(parts))  # every value above is escaped
