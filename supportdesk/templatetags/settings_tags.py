"""Template helpers for the generic settings table."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def attribute(obj: Any, name: str) -> Any:
    """``{{ row|attribute:"name" }}``: a column of the generic settings table."""
    return getattr(obj, name, "")
