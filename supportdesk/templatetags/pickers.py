"""``{% options %}``: the <option>s of a picker, written in one pass instead of a template loop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString

from supportdesk.widgets import option_tags

register = template.Library()


@register.simple_tag
def options(rows: Iterable[Any], value: str = "pk", label: str = "name", selected: Any = None) -> SafeString:
    """One ``<option>`` per row: ``value`` and ``label`` name its attributes (both escaped).

    The option whose value equals ``selected`` (compared as text) is marked selected. A tenant
    with 600 tags shows them in three pickers on the inbox; as a ``{% for %}`` loop that was most
    of the page's rendering time.
    """
    chosen = "" if selected in (None, "") else str(selected)
    pairs = ((str(getattr(row, value)), str(getattr(row, label))) for row in rows)
    return option_tags(pairs, {chosen} if chosen else set())
