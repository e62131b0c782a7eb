"""The points ledger: crediting verified facts, caps, rewards, the fund pool, the no-overdraft
rule in code and in the database, append-only postings, atomic failure and reconciliation."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import zoneinfo
from collections import defaultdict
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from nearzero.engagement.choices import QuizKind
from nearzero.engagement.models import Attempt, CareLog, CheckIn, Resident, SortingShift, Weighing
from nearzero.points import selectors, services
from nearzero.points.choices import AccountKind, FactSource, OrderStatus
from nearzero.points.models import Account, Credit, Leg, Order, Posting, Reward, Rule
from nearzero.points.services import PointsError


def _ledger_rows() -> tuple[int, int, int, int]:
    return (
        Posting.objects.count(),
        Leg.objects.count(),
        Credit.objects.count(),
        Order.objects.count(),
    )


@pytest.fixture
def rich(dongping):
    """A resident with exactly 100 points (one adjustment), and a 30-point reward."""
    resident = (
        Resident.objects.filter(community=dongping, erased_at=None, points_account__isnull=True)
        .order_by("pk")
        .last()
    )
    services.adjust(actor=None, resident=resident, points=100, reason="test grant")
    reward = Reward.objects.create(
        community=dongping, name="Bamboo toothbrush", cost_points=30, cost_fen=500, stock=5
    )
    return resident, reward


def test_the_demo_credited_every_verified_fact_once_within_its_caps(dongping):
    expected = (
        CheckIn.objects.filter(community=dongping, resident__erased_at=None).count()
        + Weighing.objects.filter(community=dongping, resident__isnull=False).count()
        + SortingShift.objects.filter(community=dongping, verified_at__isnull=False).count()
        + Attempt.objects.filter(community=dongping, passed=True, quiz__kind=QuizKind.QUIZ)
        .values("quiz", "resident")
        .distinct()
        .count()
        + CareLog.objects.filter(adoption__community=dongping).count()
    )
    assert expected > 10_000
    assert Credit.objects.filter(community=dongping).count() == expected
    credited = Credit.objects.filter(community=dongping).aggregate(p=Sum("points"))["p"]
    assert credited > 100_000
    again = services.credit_facts(community=dongping)
    assert (again.facts, again.points) == (0, 0)  # idempotent

    # Caps hold per resident, rule and local day / month.
    tz = zoneinfo.ZoneInfo(dongping.time_zone)
    rules = {r.pk: r for r in Rule.objects.filter(community=dongping)}
    day, month = defaultdict(int), defaultdict(int)
    for c in Credit.objects.filter(community=dongping):
        local = c.fact_at.astimezone(tz)
        day[c.resident_id, c.rule_id, local.date()] += c.points
        month[c.resident_id, c.rule_id, local.year, local.month] += c.points
    for (_, rule_id, _), points in day.items():
        assert rules[rule_id].cap_per_day is None or points <= rules[rule_id].cap_per_day
    for (_, rule_id, *_), points in month.items():
        assert rules[rule_id].cap_per_month is None or points <= rules[rule_id].cap_per_month
    # Check-ins earn what the event announced, per participant or, for a per-unit label
    # (kg of clothes, Luzhou: 30 points per kg), per unit.
    checkins = {f"checkin:{c.pk}": c for c in CheckIn.objects.select_related("event")}
    kinds = set()
    for credit in Credit.objects.filter(rule__source=FactSource.CHECKIN):
        checkin = checkins[credit.fact_key]
        per_unit = checkin.event.label_basis == "unit"
        units = checkin.units if per_unit else 1
        assert credit.points_before_caps == int(units * checkin.event.points), credit.fact_key
        assert credit.co2e_g == (checkin.event.carbon_label_g or 0) * units
        kinds.add(per_unit)
    assert kinds == {True, False}

    result = selectors.reconcile(dongping)
    assert result.ok, result.as_dict()
    issued = Account.objects.get(community=dongping, kind=AccountKind.ISSUED)
    assert issued.balance == -credited  # the demo made no adjustments


def test_redeem_collect_cancel_and_the_fund_pool(dongping, rich, users):
    resident, reward = rich
    before = selectors.fund_statement(dongping)
    services.fund_inflow(
        actor=users["admin"], community=dongping, amount_fen=2_000, source="budget", memo="2024"
    )
    first = services.redeem(actor=users["admin"], resident=resident, reward=reward)
    second = services.redeem(actor=users["admin"], resident=resident, reward=reward)
    account = Account.objects.get(resident=resident)
    reward.refresh_from_db()
    assert (account.balance, reward.stock) == (40, 3)

    services.cancel_order(actor=users["admin"], order=second)
    account.refresh_from_db()
    reward.refresh_from_db()
    assert (account.balance, reward.stock) == (70, 4)
    with pytest.raises(PointsError) as info:
        services.collect_order(actor=users["admin"], order=second)
    assert info.value.code == "order_closed"

    services.collect_order(actor=users["admin"], order=first)
    statement = selectors.fund_statement(dongping)
    assert statement["total_in"] - before["total_in"] == 2_000
    assert statement["total_out"] - before["total_out"] == 500
    assert statement["balance"] - before["balance"] == 1_500
    assert statement["balance"] == Account.objects.get(community=dongping, kind="pool").balance
    assert Order.objects.get(pk=first.pk).status == OrderStatus.COLLECTED
    assert selectors.reconcile(dongping).ok


def test_refusals_write_nothing(dongping, rich, users):
    resident, reward = rich
    reward.cost_points = 101
    reward.save()
    before = _ledger_rows()
    with pytest.raises(PointsError) as info:
        services.redeem(actor=None, resident=resident, reward=reward)
    assert info.value.code == "insufficient_points"
    with pytest.raises(PointsError) as info:
        services.adjust(actor=None, resident=resident, points=-101, reason="too much")
    assert info.value.code == "insufficient_points"
    with pytest.raises(PointsError) as info:
        services.adjust(actor=None, resident=resident, points=5, reason="  ")
    assert info.value.code == "reason_required"
    cheap = Reward.objects.create(community=dongping, name="Sold out", cost_points=1, stock=0)
    with pytest.raises(PointsError) as info:
        services.redeem(actor=None, resident=resident, reward=cheap)
    assert info.value.code == "out_of_stock"
    pool = selectors.fund_statement(dongping)["balance"]
    with pytest.raises(PointsError) as info:
        services.fund_outflow(actor=None, community=dongping, amount_fen=pool + 1, memo="paint")
    assert info.value.code == "insufficient_funds"
    assert _ledger_rows() == before
    assert Account.objects.get(resident=resident).balance == 100


def test_the_database_refuses_an_overdraft_and_edits_of_the_ledger(dongping, rich):
    resident, _reward = rich
    account = Account.objects.get(resident=resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=-1)
    posting = Posting.objects.filter(community=dongping).first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(memo="changed")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Leg.objects.filter(posting=posting).delete()


@pytest.mark.parametrize(
    "step",
    ["posting", "legs", "balance", "stock", "order", "audit"],
)
def test_a_failure_at_any_step_of_a_redemption_leaves_no_partial_rows(dongping, rich, step):
    resident, reward = rich
    before = _ledger_rows()
    balance = Account.objects.get(resident=resident).balance
    targets = {
        "posting": "nearzero.points.models.Posting.objects.create",
        "legs": "nearzero.points.models.Leg.objects.bulk_create",
        "stock": "nearzero.points.services.Reward.objects.filter",
        "order": "nearzero.points.models.Order.objects.create",
        "audit": "nearzero.points.services.record",
    }

    class Boom(Exception):
        pass

    if step == "balance":
        real_update = type(Account.objects.all()).update
        calls = {"n": 0}

        def flaky(qs, **kwargs):
            calls["n"] += 1
            if qs.model is Account and calls["n"] == 2:  # after the first account moved
                raise Boom
            return real_update(qs, **kwargs)

        patcher = mock.patch.object(type(Account.objects.all()), "update", flaky)
    else:
        patcher = mock.patch(targets[step], side_effect=Boom)
    with patcher, pytest.raises(Boom):
        services.redeem(actor=None, resident=resident, reward=reward)
    assert _ledger_rows() == before
    assert Account.objects.get(resident=resident).balance == balance
    reward.refresh_from_db()
    assert reward.stock == 5
    assert selectors.reconcile(dongping).ok


def test_expiry_takes_the_oldest_points_first(dongping, rich, settings):
    resident, reward = rich
    settings.POINTS_EXPIRY_MONTHS = 12
    account = Account.objects.get(resident=resident)
    granted = Posting.objects.filter(legs__account=account).get().posted_at
    services.redeem(actor=None, resident=resident, reward=reward)  # 70 left of the 100
    # The demo's 2024 points are long due by then: they expire too, all in one run.
    services.expire_points(community=dongping, at=granted + dt.timedelta(days=364))
    account.refresh_from_db()
    assert account.balance == 70  # not yet a year old
    expired = Account.objects.get(community=dongping, kind=AccountKind.EXPIRED)
    later = granted + dt.timedelta(days=367)
    assert services.expire_points(community=dongping, at=later) == 70
    assert services.expire_points(community=dongping, at=later) == 0  # nothing more
    account.refresh_from_db()
    assert account.balance == 0
    assert Account.objects.get(pk=expired.pk).balance - expired.balance == 70
    assert not Account.objects.filter(community=dongping, kind="resident", balance__gt=0).exists()
    assert selectors.reconcile(dongping).ok


def _reconcile_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nearzero", "points", "reconcile", *args, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_reconcile_cli_passes_then_names_a_tampered_account(tmp_path, monkeypatch):
    """Against its own database: the demo with points, then a cached balance tampered with
    behind the ledger's back."""
    monkeypatch.setenv("NEARZERO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    load = subprocess.run(
        [sys.executable, "-m", "nearzero", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert load.returncode == 0, load.stderr
    ok = _reconcile_cli("--community", "dongping")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    data = json.loads(ok.stdout)
    assert data["postings"] > 1_000 and data["legs_sum"] == 0
    assert data["mismatched_accounts"] == [] and data["negative_accounts"] == []

    import sqlite3

    db = sqlite3.connect(tmp_path / "nearzero.sqlite3")
    pseudonym, account_id = db.execute(
        "SELECT r.pseudonym, a.id FROM points_account a JOIN engagement_resident r "
        "ON r.id = a.resident_id WHERE a.balance > 0 ORDER BY a.id LIMIT 1"
    ).fetchone()
    db.execute("UPDATE points_account SET balance = balance + 7 WHERE id = ?", (account_id,))
    db.commit()
    db.close()
    bad = _reconcile_cli()
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert [m["account"] for m in report["mismatched_accounts"]] == [
        f"dongping/resident/{pseudonym}"
    ]
    assert (
        report["mismatched_accounts"][0]["cached"] - report["mismatched_accounts"][0]["legs"] == 7
    )


def test_dashboard_totals_equal_direct_sums(dongping, client_for):
    totals = selectors.totals(dongping)
    residents = Account.objects.filter(community=dongping, kind=AccountKind.RESIDENT)
    assert totals["accounts"] == residents.count() > 1_000
    assert totals["outstanding"] == sum(a.balance for a in residents)
    assert (
        totals["issued"]
        == Credit.objects.filter(community=dongping).aggregate(p=Sum("points"))["p"]
    )
    assert totals["redeemed"] == sum(
        o.points for o in Order.objects.filter(community=dongping).exclude(status="cancelled")
    )
    page = client_for("admin").get("/c/dongping/").content.decode()
    assert f"{totals['outstanding']:,}" in page
