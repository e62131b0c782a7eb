"""Earning rules: a verified fact → points, with caps per rule, resident, day and month.

A rule gives ``points_per_unit`` for each unit of its fact: one check-in, one kg recycled,
one verified volunteer hour, one passed quiz, one plant-care log. Fractions of a point are
dropped (floor), so a resident is never credited more than the rule says. The carbon label
(grams CO2e avoided) travels with the fact for the resident's "carbon saved"; points are an
engagement measure and never reduce the inventory.

Reference values of Chinese carbon-inclusive schemes (Luzhou 碳普惠, see DOMAIN.md): clean
plate 144 g → 5 points; bus ride 80 g → 10 points; 1 kg of clothes recycled 1,280 g → 30
points. The ratio of points to grams differs by scene: schemes reward effort, not grams.
"""

from __future__ import annotations

import math
from decimal import Decimal


def points_for(quantity: Decimal | float | int, points_per_unit: int) -> int:
    """Points for ``quantity`` units of a fact at ``points_per_unit`` [points/unit], floored.

    >>> points_for(Decimal("2.5"), 30)  # 2.5 kg of clothes at 30 points/kg
    75
    >>> points_for(Decimal("0.7"), 1)
    0
    """
    if points_per_unit < 0:
        raise ValueError("points_per_unit must be zero or more")
    q = Decimal(str(quantity))
    if not q.is_finite() or q < 0:
        raise ValueError(f"quantity must be zero or more, not {quantity!r}")
    return math.floor(q * points_per_unit)


def capped(
    points: int,
    *,
    earned_today: int = 0,
    earned_this_month: int = 0,
    cap_per_day: int | None = None,
    cap_per_month: int | None = None,
) -> int:
    """What is left of ``points`` under the caps, given what the resident already earned
    under the same rule today and this month (days and months cut at the community's local
    midnight). ``None`` means no cap.

    >>> capped(10, earned_today=15, cap_per_day=20)
    5
    >>> capped(10, earned_this_month=200, cap_per_month=200)
    0
    """
    room = points
    if cap_per_day is not None:
        room = min(room, cap_per_day - earned_today)
    if cap_per_month is not None:
        room = min(room, cap_per_month - earned_this_month)
    return max(room, 0)
