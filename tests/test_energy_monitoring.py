"""nearzero.core.energy.monitoring and .selfcons on constructed data whose answers are known."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from nearzero.core.energy import monitoring, selfcons
from nearzero.core.energy.monitoring import Thresholds
from nearzero.core.energy.selfcons import IntervalDataError

TZ = "Asia/Shanghai"
KWP = 10.0
#: Σ_{k=1..11} sin(kπ/12) = cot(π/24): the daily sum of the constructed bell.
BELL_SUM = 1 / math.tan(math.pi / 24)
#: Expected energy of a constructed day [kWh]: peak 0.8·P0 = 8 kW × BELL_SUM h.
DAY_EXPECTED_KWH = 8.0 * BELL_SUM
#: POA insolation of a constructed day [kWh/m²]: peak 1 kW/m² × BELL_SUM h.
DAY_POA_KWH_PER_M2 = 1.0 * BELL_SUM


def constructed(days: int = 40):
    """Hourly expected energy, POA irradiance and a healthy actual (97 % of expected).

    Each day, hour h (00:00 … 23:00 local): irradiance 1000·sin(π(h−6)/12) W/m² between
    06:00 and 18:00, expected power 8 kW·sin(π(h−6)/12) (a PR of 0.8 on a 10 kWp system).
    Daily sums: H = cot(π/24) = 7.5958 kWh/m², E = 8·cot(π/24) = 60.766 kWh.
    """
    index = pd.date_range("2024-04-01", periods=24 * days, freq="h", tz=TZ)
    hour = index.hour.to_numpy()
    bell = np.where((hour > 6) & (hour < 18), np.sin(np.pi * (hour - 6) / 12), 0.0)
    expected = pd.Series(8.0 * bell, index=index)
    poa = pd.Series(1000.0 * bell, index=index)
    return expected, poa, expected * 0.97


def day(n: int) -> date:
    return (pd.Timestamp("2024-04-01") + pd.Timedelta(days=n)).date()


def test_performance_ratio_hand_value():
    # PR = (400 kWh / 10 kWp) / (50 kWh/m² / 1 kW/m²) = 40 / 50 = 0.8.
    assert monitoring.performance_ratio(400.0, 10.0, 50.0) == pytest.approx(0.8)
    assert np.isnan(monitoring.performance_ratio(1.0, 10.0, 0.0))


def test_healthy_system_has_no_findings():
    expected, poa, actual = constructed()
    report = monitoring.evaluate(actual, expected, kwp=KWP, poa_w_per_m2=poa, ac_limit_kw=8.5)
    assert report.findings == []
    assert len(report.daily) == 40
    first = report.daily.iloc[0]
    assert first["expected_kwh"] == pytest.approx(DAY_EXPECTED_KWH)
    assert first["poa_kwh_per_m2"] == pytest.approx(DAY_POA_KWH_PER_M2)
    # PR = 0.97 × 60.766 / 10 / 7.5958 = 0.776; the model's own PR is 0.8.
    np.testing.assert_allclose(report.daily["pr"], 0.776, rtol=1e-12)
    np.testing.assert_allclose(report.daily["expected_pr"], 0.8, rtol=1e-12)
    assert list(report.monthly.index) == ["2024-04", "2024-05"]
    assert report.monthly.loc["2024-04", "actual_kwh"] == pytest.approx(30 * 0.97 * 60.766, 1e-4)
    assert report.monthly.loc["2024-05", "pr"] == pytest.approx(0.776)
    assert report.trend is not None and not report.trend.flagged
    assert (report.daily["cause"] == "").all()


def test_two_day_outage_is_one_finding():
    """Days 10 and 11 deliver nothing: one outage finding of 2 days losing
    2 × 60.766 = 121.53 kWh."""
    expected, poa, actual = constructed()
    actual = actual.copy()
    outage_days = (actual.index.date == day(10)) | (actual.index.date == day(11))
    actual[outage_days] = 0.0
    report = monitoring.evaluate(actual, expected, kwp=KWP, poa_w_per_m2=poa, ac_limit_kw=8.5)
    assert report.causes() == ["outage"]
    (finding,) = report.findings
    assert (finding.start, finding.end, finding.days) == (day(10), day(11), 2)
    assert finding.lost_kwh == pytest.approx(2 * DAY_EXPECTED_KWH)
    assert finding.lost_kwh == pytest.approx(121.53, abs=0.01)
    assert list(report.daily["cause"]).count("outage") == 2
    # Outage days are left out of the trend, which stays flat.
    assert report.trend is not None and not report.trend.flagged


def test_a_dark_day_is_not_an_outage():
    expected, poa, actual = constructed(20)
    dark = expected.index.date == day(5)
    expected, poa, actual = expected.copy(), poa.copy(), actual.copy()
    expected[dark] *= 0.05  # 3.0 kWh < 0.5 kWh/kWp × 10 kWp
    poa[dark] *= 0.05
    actual[dark] = 0.0
    report = monitoring.evaluate(actual, expected, kwp=KWP, poa_w_per_m2=poa)
    assert report.findings == []


def test_clipping_at_a_lower_inverter_limit():
    """Days 20–22: the inverter stops at 7 kW while the model (peak 8 kW, actual 7.76 kW)
    does not. Hours with 8·sin(kπ/12) > 7.14 kW: k = 5, 6, 7 (11:00–13:00), so 3 clipped
    hours a day; expected in them 8·(0.9659 + 1 + 0.9659) = 23.454 kWh, actual 21 kWh."""
    expected, poa, actual = constructed()
    actual = actual.copy()
    days = np.isin(actual.index.date, [day(20), day(21), day(22)])
    actual[days] = np.minimum(actual[days], 7.0)
    report = monitoring.evaluate(actual, expected, kwp=KWP, poa_w_per_m2=poa, ac_limit_kw=7.0)
    assert report.causes() == ["clipping"]
    (finding,) = report.findings
    assert (finding.start, finding.end, finding.days) == (day(20), day(22), 3)
    per_day = 8 * (2 * math.sin(5 * math.pi / 12) + 1)
    assert finding.expected_kwh == pytest.approx(3 * per_day)
    assert finding.actual_kwh == pytest.approx(3 * 21.0)
    assert report.daily.loc[day(21), "clipped_intervals"] == 3
    # Without the limit clipping cannot be named; the days are mild, not underperformance.
    plain = monitoring.evaluate(actual, expected, kwp=KWP, poa_w_per_m2=poa)
    assert plain.findings == []


def test_soiling_trend_is_flagged():
    """Actual falls 0.15 % of its start a day (dust): over the last 30 days the fitted PR
    falls 29 × 0.0015 / (1 − 0.0015 × 10) = 4.4 % > 3 %."""
    expected, poa, actual = constructed()
    n_day = (actual.index.normalize() - actual.index[0].normalize()).days.to_numpy()
    rng = np.random.default_rng(3)
    noise = 1 + rng.normal(0, 0.002, 40)[n_day]
    actual = actual * (1 - 0.0015 * n_day) * noise
    report = monitoring.evaluate(actual, expected, kwp=KWP, poa_w_per_m2=poa, ac_limit_kw=8.5)
    assert report.causes() == ["degradation_or_soiling"]
    trend = report.trend
    assert trend.metric == "pr" and trend.flagged and trend.days == 30
    assert (trend.start, trend.end) == (day(10), day(39))
    assert trend.decline_pct == pytest.approx(29 * 0.0015 / (1 - 0.0015 * 10) * 100, abs=0.3)
    assert trend.t_stat < -3
    assert trend.slope_per_day == pytest.approx(-0.776 * 0.0015, rel=0.05)


def test_trend_without_irradiance_uses_the_energy_ratio():
    expected, _poa, actual = constructed()
    n_day = (actual.index.normalize() - actual.index[0].normalize()).days.to_numpy()
    actual = actual * (1 - 0.0015 * n_day)
    report = monitoring.evaluate(actual, expected, kwp=KWP)
    assert report.trend.metric == "energy_ratio" and report.trend.flagged
    assert report.daily["pr"].isna().all()


def test_underperformance_without_a_known_cause():
    expected, poa, actual = constructed()
    actual = actual.copy()
    days = np.isin(actual.index.date, [day(30), day(31), day(32)])
    actual[days] = expected[days] * 0.7
    report = monitoring.evaluate(actual, expected, kwp=KWP, poa_w_per_m2=poa)
    assert report.causes() == ["underperformance"]
    (finding,) = report.findings
    assert finding.days == 3 and finding.lost_kwh == pytest.approx(3 * 0.3 * DAY_EXPECTED_KWH)


def test_custom_thresholds():
    expected, poa, actual = constructed()
    report = monitoring.evaluate(
        actual,
        expected,
        kwp=KWP,
        poa_w_per_m2=poa,
        thresholds=Thresholds(underperformance_ratio=0.98),
    )
    assert report.causes() == ["underperformance"]  # every day at 0.97, one 40-day run
    assert report.findings[0].days == 40


def test_monitoring_input_errors():
    expected, _poa, actual = constructed(3)
    with pytest.raises(IntervalDataError) as info:
        monitoring.evaluate(actual.iloc[1:], expected.iloc[:-1], kwp=KWP)
    assert info.value.code == "not_co_timed"
    with pytest.raises(IntervalDataError) as info:
        monitoring.evaluate(actual.tz_localize(None), expected.tz_localize(None), kwp=KWP)
    assert info.value.code == "naive_time"
    with pytest.raises(IntervalDataError) as info:
        monitoring.evaluate(actual, expected, kwp=0.0)
    assert info.value.code == "bad_kwp"


# --- Self-consumption ------------------------------------------------------------------


def constructed_day(freq: str = "15min") -> tuple[pd.Series, pd.Series]:
    """One day at 15-minute resolution (96 intervals), energy per interval [kWh].

    Load: 0.25 kWh every interval (1 kW), plus 0.5 kWh in each of the 8 intervals 18:00–20:00
    → 96 × 0.25 + 8 × 0.5 = 28 kWh.
    Generation: 0.75 kWh in each of the 32 intervals 08:00–16:00 (3 kW) and 0.125 kWh in each
    of the 8 intervals 07:00–08:00 and 16:00–17:00 → 24 + 1 = 25 kWh.

    By hand:
    - self-consumed = 32 × min(0.75, 0.25) + 8 × min(0.125, 0.25) = 8 + 1 = 9 kWh;
    - exported = 32 × (0.75 − 0.25) = 16 kWh (= 25 − 9);
    - imported = 28 − 9 = 19 kWh;
    - self-consumption ratio = 9 / 25 = 0.36; self-sufficiency = 9 / 28 = 0.32143.
    The day's net reading (load − generation = 3 kWh) would say nothing of these.
    """
    index = pd.date_range("2024-06-01", periods=96, freq=freq, tz=TZ)
    minutes = index.hour * 60 + index.minute
    load = np.full(96, 0.25) + np.where((minutes >= 18 * 60) & (minutes < 20 * 60), 0.5, 0.0)
    gen = np.where((minutes >= 8 * 60) & (minutes < 16 * 60), 0.75, 0.0)
    shoulders = ((minutes >= 7 * 60) & (minutes < 8 * 60)) | (
        (minutes >= 16 * 60) & (minutes < 17 * 60)
    )
    gen = np.where(shoulders, 0.125, gen)
    return pd.Series(gen, index=index), pd.Series(load, index=index)


def test_self_consumption_matches_the_hand_values():
    gen, load = constructed_day()
    result = selfcons.self_consumption(gen, load)
    assert result.generation_kwh == pytest.approx(25.0)
    assert result.load_kwh == pytest.approx(28.0)
    assert result.self_consumed_kwh == pytest.approx(9.0)
    assert result.exported_kwh == pytest.approx(16.0)
    assert result.imported_kwh == pytest.approx(19.0)
    assert result.self_consumption_ratio == pytest.approx(0.36)
    assert result.self_sufficiency_ratio == pytest.approx(9 / 28)
    assert result.self_sufficiency_ratio == pytest.approx(0.32143, abs=1e-5)
    assert (result.interval_min, result.intervals) == (15.0, 96)
    assert result.as_dict()["exported_kwh"] == pytest.approx(16.0)


def test_self_consumption_balances_exactly_on_random_data():
    rng = np.random.default_rng(11)
    index = pd.date_range("2024-01-01", periods=96 * 7, freq="15min", tz=TZ)
    gen = pd.Series(rng.uniform(0, 2, len(index)), index=index)
    load = pd.Series(rng.uniform(0, 2, len(index)), index=index)
    r = selfcons.self_consumption(gen, load)
    assert r.self_consumed_kwh + r.exported_kwh == pytest.approx(r.generation_kwh, rel=1e-12)
    assert r.self_consumed_kwh + r.imported_kwh == pytest.approx(r.load_kwh, rel=1e-12)


def test_coarse_data_would_overstate_self_consumption_and_is_refused():
    """Generation 1 kWh in the first quarter hour, load 1 kWh in the second: at 15 minutes
    nothing is self-consumed; summed to the hour, min(1, 1) = 1 kWh would be."""
    index = pd.date_range("2024-06-01 12:00", periods=4, freq="15min", tz=TZ)
    gen = pd.Series([1.0, 0, 0, 0], index=index)
    load = pd.Series([0, 1.0, 0, 0], index=index)
    assert selfcons.self_consumption(gen, load).self_consumed_kwh == 0.0
    hourly_index = pd.date_range("2024-06-01 12:00", periods=2, freq="h", tz=TZ)
    hourly_gen = pd.Series([gen.sum(), 0.0], index=hourly_index)
    hourly_load = pd.Series([load.sum(), 0.0], index=hourly_index)
    assert selfcons.balance_kwh(hourly_gen, hourly_load)[2] == 1.0  # what hourly data says
    with pytest.raises(IntervalDataError) as info:
        selfcons.self_consumption(hourly_gen, hourly_load)
    assert info.value.code == "too_coarse"


def test_finer_resolution_is_accepted():
    gen, load = constructed_day()
    fine_index = pd.date_range("2024-06-01", periods=96 * 3, freq="5min", tz=TZ)
    fine_gen = pd.Series(np.repeat(gen.to_numpy() / 3, 3), index=fine_index)
    fine_load = pd.Series(np.repeat(load.to_numpy() / 3, 3), index=fine_index)
    result = selfcons.self_consumption(fine_gen, fine_load)
    assert result.self_consumed_kwh == pytest.approx(9.0) and result.interval_min == 5.0


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda g, ld: (g.iloc[1:], ld.iloc[:-1]), "not_co_timed"),
        (lambda g, ld: (g, ld.shift(15, freq="min")), "not_co_timed"),
        (lambda g, ld: (g.tz_localize(None), ld.tz_localize(None)), "naive_time"),
        (lambda g, ld: (g - 0.1, ld), "negative_values"),
        (lambda g, ld: (g.drop(g.index[10]), ld.drop(ld.index[10])), "uneven_interval"),
        (lambda g, ld: (g.where(g.index != g.index[3]), ld), "missing_values"),
        (lambda g, ld: (g.reset_index(drop=True), ld.reset_index(drop=True)), "no_time_index"),
    ],
)
def test_self_consumption_rejects_bad_series(mutate, code):
    gen, load = constructed_day()
    bad_gen, bad_load = mutate(gen, load)
    with pytest.raises(IntervalDataError) as info:
        selfcons.self_consumption(bad_gen, bad_load)
    assert info.value.code == code


def test_no_generation_gives_no_ratio():
    gen, load = constructed_day()
    result = selfcons.self_consumption(gen * 0, load)
    assert result.self_consumption_ratio is None and result.self_sufficiency_ratio == 0.0
