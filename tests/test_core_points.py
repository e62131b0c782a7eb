"""The points core: balanced postings, caps, floors and FIFO expiry (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nearzero.core.points import expiry, ledger, rules

UTC = dt.UTC


def at(y, m, d):
    return dt.datetime(y, m, d, 10, tzinfo=UTC)


def test_legs_must_balance_and_be_whole_non_zero_amounts():
    assert ledger.check_legs([("a", 30), ("b", -30)]) == {"a": 30, "b": -30}
    assert ledger.check_legs([("a", 30), ("a", -10), ("b", -20)]) == {"a": 20, "b": -20}
    for legs, code in (
        ([], "empty_posting"),
        ([("a", 30), ("b", -29)], "unbalanced"),
        ([("a", 0), ("b", 0)], "bad_amount"),
        ([("a", 1.5), ("b", -1.5)], "bad_amount"),
        ([("a", True), ("b", -1)], "bad_amount"),
    ):
        with pytest.raises(ledger.LedgerError) as info:
            ledger.check_legs(legs)
        assert info.value.code == code


def test_overdrawn_names_only_guarded_accounts_going_below_zero():
    balances = {"resident": 100, "issued": -500}
    assert ledger.overdrawn(balances, {"resident": -100, "issued": 100}, ["resident"]) == []
    assert ledger.overdrawn(balances, {"resident": -101, "issued": 101}, ["resident"]) == [
        "resident"
    ]
    assert ledger.overdrawn(balances, {"resident": 5, "issued": -5}, ["resident"]) == []


def test_luzhou_points_and_floors():
    # Luzhou carbon-inclusive scheme: 1 kg of clothes → 30 points (DOMAIN.md).
    assert rules.points_for(Decimal("1"), 30) == 30
    assert rules.points_for(Decimal("2.5"), 30) == 75
    assert rules.points_for(Decimal("0.99"), 1) == 0  # fractions are dropped, never rounded up
    with pytest.raises(ValueError):
        rules.points_for(Decimal("-1"), 2)


def test_caps_per_day_and_month():
    assert rules.capped(10) == 10
    assert rules.capped(10, earned_today=55, cap_per_day=60) == 5
    assert rules.capped(10, earned_today=60, cap_per_day=60) == 0
    assert rules.capped(10, earned_this_month=295, cap_per_month=300) == 5
    assert (
        rules.capped(10, earned_today=0, earned_this_month=299, cap_per_day=4, cap_per_month=300)
        == 1
    )


def test_add_months_clamps_to_the_month_end():
    assert expiry.add_months(at(2024, 1, 31), 1) == at(2024, 2, 29)
    assert expiry.add_months(at(2023, 1, 31), 1) == at(2023, 2, 28)
    assert expiry.add_months(at(2024, 11, 15), 14) == at(2026, 1, 15)


def test_worked_example_of_the_algorithm_doc():
    """docs/algorithms/points-ledger.md, "Expiry": 100 points on 10 January, 50 on
    20 March, 70 spent on 1 April, 12-month expiry."""
    moves = [
        expiry.Movement(at(2024, 1, 10), 100),
        expiry.Movement(at(2024, 3, 20), 50),
        expiry.Movement(at(2024, 4, 1), -70),
    ]
    assert expiry.due(moves, at=at(2025, 1, 9), months=12) == 0
    assert expiry.due(moves, at=at(2025, 1, 10), months=12) == 30  # what is left of lot 1
    moves.append(expiry.Movement(at(2025, 1, 10), -30))  # the expiry posting itself
    assert expiry.due(moves, at=at(2025, 3, 20), months=12) == 50
    assert expiry.open_lots(moves, months=12) == [(at(2025, 3, 20), 50)]


amounts = st.lists(st.integers(min_value=-80, max_value=100).filter(bool), max_size=30)


@given(amounts)
def test_expiry_never_exceeds_what_is_left(steps):
    """Whatever the movements (debits never exceeding the balance), the points due are at
    most the balance, and everything is due once the last lot has expired."""
    balance, moves = 0, []
    for i, amount in enumerate(steps):
        if balance + amount < 0:
            continue
        balance += amount
        moves.append(expiry.Movement(at(2024, 1, 1) + dt.timedelta(days=i), amount))
    assert 0 <= expiry.due(moves, at=at(2024, 6, 1), months=6) <= balance
    assert expiry.due(moves, at=at(2030, 1, 1), months=6) == balance


def test_a_newer_lot_never_expires_before_an_older_one():
    """One-month expiry, month-end clamp: credited 30 January 11:00 → 28 February 11:00;
    credited 31 January 10:00 → clamped to 28 February 10:00, an hour *before* the older
    lot. The newer lot waits for the older one, so FIFO spending and expiry agree and a
    second expiry run at the same moment expires nothing more (found by the stateful test)."""
    moves = [
        expiry.Movement(dt.datetime(2025, 1, 30, 11, tzinfo=UTC), 10),
        expiry.Movement(dt.datetime(2025, 1, 31, 10, tzinfo=UTC), 10),
    ]
    at_1030 = dt.datetime(2025, 2, 28, 10, 30, tzinfo=UTC)
    assert expiry.due(moves, at=at_1030, months=1) == 0
    at_11 = dt.datetime(2025, 2, 28, 11, tzinfo=UTC)
    assert expiry.due(moves, at=at_11, months=1) == 20
    moves.append(expiry.Movement(at_11, -20))
    assert expiry.due(moves, at=at_11, months=1) == 0
