"""Points expire oldest first: each credit is a lot that expires ``months`` after it was
posted; every debit (a redemption, a negative adjustment, an expiry) uses the oldest lots
first. The points due to expire at a moment are what is left of the lots whose expiry has
passed.

Because every lot lives the same number of months, "oldest first" and "soonest to expire
first" are the same order, so a resident always spends the points closest to expiry. (The
month-end clamp of :func:`add_months` could break that order by an hour or a day; a lot
then expires with the older lot before it, never earlier.)
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Movement:
    """A change to a resident's points: ``amount`` > 0 a credit (a new lot), < 0 a debit."""

    at: dt.datetime
    amount: int


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` plus whole calendar months; the day is clamped to the month's last day
    (31 January + 1 month → 28 or 29 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def open_lots(movements: Iterable[Movement], *, months: int) -> list[tuple[dt.datetime, int]]:
    """The lots still holding points after ``movements`` (in time order; ties keep their
    order), as ``(expires_at, remaining)``, oldest first.

    A debit larger than all open lots is not an error here (the ledger forbids it); the
    excess is ignored."""
    lots: deque[list] = deque()
    latest = None  # expiry of the newest lot so far
    for m in sorted(movements, key=lambda m: m.at):
        if m.amount > 0:
            # The month-end clamp could let a newer lot expire first (credited 31 January
            # 10:00 → 28 February 10:00, before a lot of 30 January 11:00 → 28 February
            # 11:00); a lot never expires before an older one, so FIFO stays true.
            expires = add_months(m.at, months)
            latest = expires if latest is None else max(latest, expires)
            lots.append([latest, m.amount])
            continue
        need = -m.amount
        while need and lots:
            take = min(need, lots[0][1])
            lots[0][1] -= take
            need -= take
            if lots[0][1] == 0:
                lots.popleft()
    return [(expires, left) for expires, left in lots]


def due(movements: Iterable[Movement], *, at: dt.datetime, months: int) -> int:
    """Points that have expired by ``at`` and are still on the account [points].

    Worked example (docs/algorithms/points-ledger.md): 100 points on 10 January, 50 on
    20 March, 70 spent on 1 April, 12-month expiry. On 10 January next year the first lot
    has 30 left: 30 expire; on 20 March next year the second lot's 50 expire.
    """
    return sum(left for expires, left in open_lots(movements, months=months) if expires <= at)
