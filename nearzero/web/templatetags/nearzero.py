"""Template filters shared by every app's templates."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def grouped(value) -> str:
    """A whole number with thousands separators (6120 → 6,120; 2361.7 → 2,362), the same in
    every language."""
    try:
        return f"{round(float(value)):,}"
    except (TypeError, ValueError, OverflowError):
        return "" if value is None else str(value)


@register.filter
def tonnes(value) -> str:
    """A quantity with thousands separators and one decimal (1781.888 → 1,781.9)."""
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value):,.1f}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def signed_pct(value) -> str:
    """A percentage change with its sign (−5.1 → "−5.1%")."""
    if value is None:
        return "—"
    number = float(value)
    return f"{number:+.1f}%".replace("-", "−")


@register.filter
def canonical_unit(dimension: str) -> str:
    from nearzero.core.units import CANONICAL

    return {"m3": "m³", "m2": "m²"}.get(CANONICAL.get(dimension, ""), CANONICAL.get(dimension, ""))


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key) if hasattr(mapping, "get") else key


@register.filter
def number(value) -> str:
    """Thousands separators and at most two decimals (16000 → 16,000; 1.2500 → 1.25)."""
    if value is None or value == "":
        return "—"
    try:
        text = f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def yuan(fen) -> str:
    """Money kept in fen (1 yuan = 100 fen) in yuan, with thousands separators and two
    decimals, exactly (6300050 → 63,000.50; −1200 → −12.00)."""
    if fen is None or fen == "":
        return "—"
    try:
        amount = Decimal(int(fen)) / 100
    except (TypeError, ValueError):
        return str(fen)
    return f"{amount:,.2f}".replace("-", "−")
