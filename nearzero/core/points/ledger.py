"""Postings: sets of legs that sum to zero, and the no-overdraft rule.

Amounts are integers in the account's unit (points, or fen for a fund pool: 1 yuan = 100
fen), so sums are exact. A leg's amount is signed: positive adds to the account's balance,
negative takes from it. One posting moves one unit only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping

from nearzero.core.errors import DomainError


class LedgerError(DomainError):
    pass


def check_legs(legs: Iterable[tuple[Hashable, int]]) -> dict[Hashable, int]:
    """Validate a posting's legs ``(account, amount)`` and return the net amount per account.

    Raises
    ------
    LedgerError
        ``empty_posting`` without legs, ``bad_amount`` for a zero or non-integer amount,
        ``unbalanced`` when the amounts do not sum to zero.
    """
    net: dict[Hashable, int] = defaultdict(int)
    count = 0
    for account, amount in legs:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise LedgerError("bad_amount", f"a leg moves a whole, non-zero amount, not {amount!r}")
        net[account] += amount
        count += 1
    if count == 0:
        raise LedgerError("empty_posting", "a posting has at least two legs")
    total = sum(net.values())
    if total != 0:
        raise LedgerError("unbalanced", f"the legs of a posting sum to zero, not {total}")
    return dict(net)


def overdrawn(
    balances: Mapping[Hashable, int], net: Mapping[Hashable, int], guarded: Iterable[Hashable]
) -> list[Hashable]:
    """The guarded accounts (residents, fund pools) that ``net`` would take below zero."""
    return [a for a in guarded if a in net and balances.get(a, 0) + net[a] < 0]
