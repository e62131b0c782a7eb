"""Template filters shared by every app's templates."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def grouped(value) -> str:
    """An integer with thousands separators (6120 → 6,120), the same in every language."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)
