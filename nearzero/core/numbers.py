"""Numbers as a reader sees them: rounded half up (83.35 → 83.4, as Django's ``floatformat``
rounds on the pages) and grouped by thousands the same way in every language (6,120).

Every place that prints a figure — pages, the big screen, the evaluation, the reports — uses
these, so the same number never reads differently in two places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, decimals: int = 0) -> float:
    """``value`` rounded to ``decimals`` places, halves away from zero (of its shortest
    decimal form: 83.35 → 83.4, where ``round`` gives 83.3)."""
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP))


def grouped(value: float, decimals: int = 0) -> str:
    """``value`` rounded half up to ``decimals`` places, with thousands separators."""
    return f"{round_half_up(value, decimals):,.{decimals}f}"
