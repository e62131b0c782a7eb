"""PV monitoring: expected against actual energy, performance ratio, and the probable cause of
underperformance.

Inputs are interval series on identical aware timestamps: actual AC energy [kWh] from the
meter or inverter, expected AC energy [kWh] from a model run on the same period's weather
(e.g. :func:`nearzero.core.energy.pv.simulate_fleet` with ``keep_hourly=True``), and,
optionally, plane-of-array irradiance [W/m²] from a sensor or a model. Days are cut at local
midnight in ``tz``.

Performance ratio (IEC 61724-1:2021, final yield over reference yield)::

    PR = (E_ac / P_0) / (H_poa / G_ref),   G_ref = 1 kW/m²

with ``E_ac`` [kWh], the DC nameplate ``P_0`` [kWp] and the POA insolation ``H_poa``
[kWh/m²] of the same period.

Probable causes, tested in this order for each day (the thresholds are nearzero heuristics,
not values from a standard; tune them per site with :class:`Thresholds`):

``outage``
    actual below :attr:`Thresholds.outage_fraction` of expected on a day whose expected
    energy is substantial (:attr:`Thresholds.outage_min_kwh_per_kwp`): the system, the
    inverter or the meter was off.
``clipping``
    at least :attr:`Thresholds.clipping_min_intervals` intervals with the actual power flat
    at the inverter AC limit (within :attr:`Thresholds.clipping_tolerance`) while the expected
    power is above it.
``underperformance``
    actual/expected below :attr:`Thresholds.underperformance_ratio` with neither of the above.

and over the period, ``degradation_or_soiling``: an ordinary least-squares line through the
daily PR (or, without irradiance, the daily actual/expected ratio) of the last
:attr:`Thresholds.trend_window_days` usable days that falls by at least
:attr:`Thresholds.trend_min_decline_pct` across the window with a slope at least
:attr:`Thresholds.trend_min_t` standard errors below zero. A 30-day window finds soiling and
fast faults; module degradation (about 0.5–0.8 %/year, Jordan & Kurtz 2013) needs a window of
years.

References
----------
.. [1] IEC 61724-1:2021. Photovoltaic system performance — Part 1: Monitoring. Performance
   ratio from the final yield ``Y_f = E/P_0`` and the reference yield ``Y_r = H/G_ref``.
.. [2] D. C. Jordan, S. R. Kurtz (2013). Photovoltaic degradation rates — an analytical
   review. Progress in Photovoltaics 21(1), 12–29. doi:10.1002/pip.1182.
.. [3] D. C. Jordan, C. Deline, S. R. Kurtz, G. M. Kimball, M. Anderson (2018). Robust PV
   degradation methodology and application. IEEE J. Photovoltaics 8(2), 525–531.
   doi:10.1109/JPHOTOV.2017.2779779.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from .selfcons import IntervalDataError, check_interval_series

#: Reference irradiance ``G_ref`` [kW/m²] (IEC 61724-1).
G_REF_KW_PER_M2 = 1.0


@dataclass(frozen=True)
class Thresholds:
    """Heuristic thresholds of the cause tests (nearzero's choices, not a standard's)."""

    #: A day is an outage when actual < this fraction of expected [–].
    outage_fraction: float = 0.05
    #: … and expected is at least this [kWh/kWp]: a sixth of a mean day in eastern China
    #: (about 3 kWh/kWp a day, 1,000–1,100 kWh/kWp a year), so dark days do not count.
    outage_min_kwh_per_kwp: float = 0.5
    #: Actual/expected below this is underperformance [–]: about twice the ±5 % typical
    #: uncertainty of a modelled daily energy with on-site irradiance.
    underperformance_ratio: float = 0.90
    #: Actual power within this fraction of the AC limit counts as "at the limit" [–].
    clipping_tolerance: float = 0.02
    #: Intervals at the limit (with expected above it) that make a clipping day [–].
    clipping_min_intervals: int = 2
    #: Usable days in the trend fit, the latest ones [days].
    trend_window_days: int = 30
    #: Fewest usable days for a trend fit [days].
    trend_min_days: int = 14
    #: Relative fall of the fitted line across the window that is flagged [%].
    trend_min_decline_pct: float = 3.0
    #: The slope must be this many standard errors below zero [–].
    trend_min_t: float = 3.0
    #: Days with less POA insolation are left out of PR and the trend [kWh/m²]: low-light PR
    #: is dominated by reflection and low-irradiance losses.
    pr_min_poa_kwh_per_m2: float = 1.0


@dataclass(frozen=True)
class Finding:
    """A run of consecutive days with the same probable cause."""

    cause: str  # outage, clipping, underperformance, degradation_or_soiling
    start: date
    end: date
    days: int
    expected_kwh: float
    actual_kwh: float
    detail: str

    @property
    def lost_kwh(self) -> float:
        return self.expected_kwh - self.actual_kwh


@dataclass(frozen=True)
class TrendFit:
    """The line through the daily metric of the latest usable days."""

    metric: str  # "pr" or "energy_ratio"
    start: date
    end: date
    days: int
    slope_per_day: float  # metric units per day
    intercept: float  # fitted value on the first day
    decline_pct: float  # fall of the fitted line from the first to the last day [%]
    t_stat: float  # slope / its standard error
    flagged: bool


@dataclass
class MonitoringReport:
    """Daily and monthly comparison, and the findings."""

    daily: pd.DataFrame  # index: local date
    monthly: pd.DataFrame  # index: "YYYY-MM"
    findings: list[Finding] = field(default_factory=list)
    trend: TrendFit | None = None
    kwp: float = 0.0

    def causes(self) -> list[str]:
        return [f.cause for f in self.findings]


def performance_ratio(
    e_ac_kwh: float | np.ndarray,
    p0_kwp: float,
    h_poa_kwh_per_m2: float | np.ndarray,
    g_ref_kw_per_m2: float = G_REF_KW_PER_M2,
) -> float | np.ndarray:
    """IEC 61724-1 performance ratio ``PR = (E_ac / P_0) / (H_poa / G_ref)`` [–].

    Parameters
    ----------
    e_ac_kwh : float or array
        AC energy over the period [kWh].
    p0_kwp : float
        DC nameplate at STC [kWp].
    h_poa_kwh_per_m2 : float or array
        Plane-of-array insolation over the same period [kWh/m²].
    g_ref_kw_per_m2 : float, default 1.0
        Reference irradiance [kW/m²].

    Returns
    -------
    float or array
        PR; NaN where ``H_poa`` is 0.
    """
    h = np.asarray(h_poa_kwh_per_m2, dtype=float)
    final_yield_h = np.asarray(e_ac_kwh, dtype=float) / p0_kwp
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(h > 0, final_yield_h / (h / g_ref_kw_per_m2), np.nan)


def _local_days(index: pd.DatetimeIndex, tz: str | None) -> pd.Index:
    local = index.tz_convert(tz) if tz else index
    return pd.Index(local.date, name="date")


def _runs(flags: pd.Series, cause: str) -> list[tuple[int, int]]:
    """(first, last) positions of each run of consecutive days flagged ``cause``."""
    hits = np.flatnonzero(flags.to_numpy() == cause)
    runs: list[tuple[int, int]] = []
    for pos in hits:
        if runs and pos == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pos)
        else:
            runs.append((pos, pos))
    return runs


def fit_trend(daily_metric: pd.Series, thresholds: Thresholds, metric: str) -> TrendFit | None:
    """OLS line through the latest ``trend_window_days`` finite values of a daily metric."""
    values = daily_metric.dropna()
    values = values.iloc[-thresholds.trend_window_days :]
    n = len(values)
    if n < max(thresholds.trend_min_days, 3):
        return None
    days = np.array([(d - values.index[0]).days for d in values.index], dtype=float)
    y = values.to_numpy(dtype=float)
    x = days - days.mean()
    sxx = float((x**2).sum())
    if sxx == 0:
        return None
    slope = float((x * (y - y.mean())).sum() / sxx)
    fitted = y.mean() + slope * x
    residual_var = float(((y - fitted) ** 2).sum() / (n - 2))
    se = np.sqrt(residual_var / sxx)
    t_stat = slope / se if se > 0 else (-np.inf if slope < 0 else np.inf)
    first, last = float(fitted[0]), float(fitted[-1])
    decline_pct = (first - last) / first * 100.0 if first > 0 else 0.0
    flagged = decline_pct >= thresholds.trend_min_decline_pct and t_stat <= -thresholds.trend_min_t
    return TrendFit(
        metric=metric,
        start=values.index[0],
        end=values.index[-1],
        days=n,
        slope_per_day=slope,
        intercept=first,
        decline_pct=decline_pct,
        t_stat=float(t_stat),
        flagged=bool(flagged),
    )


def evaluate(
    actual_kwh: pd.Series,
    expected_kwh: pd.Series,
    *,
    kwp: float,
    poa_w_per_m2: pd.Series | None = None,
    ac_limit_kw: float | None = None,
    tz: str | None = None,
    thresholds: Thresholds | None = None,
) -> MonitoringReport:
    """Compare actual with expected energy day by day and name probable causes.

    Parameters
    ----------
    actual_kwh, expected_kwh : pandas.Series
        AC energy in each interval [kWh], on identical, evenly spaced, aware timestamps
        (hourly or finer).
    kwp : float
        DC nameplate ``P_0`` [kWp].
    poa_w_per_m2 : pandas.Series, optional
        Mean plane-of-array irradiance in each interval [W/m²], same timestamps. Without it
        there is no PR and the trend uses the daily actual/expected ratio.
    ac_limit_kw : float, optional
        Inverter AC rating [kW]; without it clipping is not tested.
    tz : str, optional
        Time zone of the daily buckets; default the series' own.
    thresholds : Thresholds, optional

    Returns
    -------
    MonitoringReport
        ``daily`` columns: ``expected_kwh``, ``actual_kwh``, ``ratio``, ``poa_kwh_per_m2``,
        ``pr``, ``expected_pr``, ``clipped_intervals``, ``cause``; ``monthly`` the same
        energies, ratio and PR per month.
    """
    th = thresholds or Thresholds()
    if not kwp > 0:
        raise IntervalDataError("bad_kwp", "kwp must be > 0", field="kwp")
    interval_min = check_interval_series(actual_kwh, "actual", max_interval_min=60.0)
    check_interval_series(expected_kwh, "expected", max_interval_min=60.0)
    if not actual_kwh.index.equals(expected_kwh.index):
        raise IntervalDataError(
            "not_co_timed", "actual and expected need the same timestamps", field="expected"
        )
    if poa_w_per_m2 is not None:
        check_interval_series(poa_w_per_m2, "poa", max_interval_min=60.0)
        if not poa_w_per_m2.index.equals(actual_kwh.index):
            raise IntervalDataError(
                "not_co_timed", "irradiance needs the timestamps of the energy", field="poa"
            )
    step_h = interval_min / 60.0
    index = actual_kwh.index
    days = _local_days(index, tz)
    actual = actual_kwh.to_numpy(dtype=float)
    expected = expected_kwh.to_numpy(dtype=float)

    frame = pd.DataFrame({"expected_kwh": expected, "actual_kwh": actual}, index=days)
    if ac_limit_kw is not None:
        limit = float(ac_limit_kw)
        actual_kw, expected_kw = actual / step_h, expected / step_h
        at_limit = np.abs(actual_kw - limit) <= th.clipping_tolerance * limit
        clipped = at_limit & (expected_kw > limit * (1 + th.clipping_tolerance))
        frame["clipped_intervals"] = clipped.astype(int)
        frame["clipped_expected_kwh"] = np.where(clipped, expected, 0.0)
        frame["clipped_actual_kwh"] = np.where(clipped, actual, 0.0)
    else:
        frame["clipped_intervals"] = 0
        frame["clipped_expected_kwh"] = 0.0
        frame["clipped_actual_kwh"] = 0.0
    if poa_w_per_m2 is not None:
        frame["poa_kwh_per_m2"] = poa_w_per_m2.to_numpy(dtype=float) * step_h / 1_000.0
    else:
        frame["poa_kwh_per_m2"] = np.nan
    daily = frame.groupby(level="date").sum(min_count=1)
    daily["ratio"] = np.where(
        daily["expected_kwh"] > 0, daily["actual_kwh"] / daily["expected_kwh"], np.nan
    )
    lit = daily["poa_kwh_per_m2"] >= th.pr_min_poa_kwh_per_m2
    daily["pr"] = np.where(
        lit, performance_ratio(daily["actual_kwh"], kwp, daily["poa_kwh_per_m2"]), np.nan
    )
    daily["expected_pr"] = np.where(
        lit, performance_ratio(daily["expected_kwh"], kwp, daily["poa_kwh_per_m2"]), np.nan
    )

    substantial = daily["expected_kwh"] >= th.outage_min_kwh_per_kwp * kwp
    outage = substantial & (daily["actual_kwh"] < th.outage_fraction * daily["expected_kwh"])
    clipping = ~outage & (daily["clipped_intervals"] >= th.clipping_min_intervals)
    under = ~outage & ~clipping & substantial & (daily["ratio"] < th.underperformance_ratio)
    cause = np.select([outage, clipping, under], ["outage", "clipping", "underperformance"], "")
    daily["cause"] = cause

    findings: list[Finding] = []
    details = {
        "outage": "actual near zero while expected was substantial: system, inverter or meter off",
        "clipping": "actual flat at the inverter AC limit while expected was above it",
        "underperformance": "actual well below expected, not an outage nor clipping: check "
        "shading, soiling, strings and the model inputs",
    }
    for kind in ("outage", "clipping", "underperformance"):
        for first, last in _runs(daily["cause"], kind):
            part = daily.iloc[first : last + 1]
            if kind == "clipping":
                exp_kwh = float(part["clipped_expected_kwh"].sum())
                act_kwh = float(part["clipped_actual_kwh"].sum())
            else:
                exp_kwh = float(part["expected_kwh"].sum())
                act_kwh = float(part["actual_kwh"].sum())
            findings.append(
                Finding(
                    cause=kind,
                    start=part.index[0],
                    end=part.index[-1],
                    days=len(part),
                    expected_kwh=exp_kwh,
                    actual_kwh=act_kwh,
                    detail=details[kind],
                )
            )

    # Trend on days that are neither outages nor clipped, with enough light.
    usable = ~outage & ~clipping & substantial
    if poa_w_per_m2 is not None:
        metric_name, metric = "pr", daily["pr"].where(usable & lit)
    else:
        metric_name, metric = "energy_ratio", daily["ratio"].where(usable)
    trend = fit_trend(metric, th, metric_name)
    if trend is not None and trend.flagged:
        window = daily.loc[trend.start : trend.end]
        findings.append(
            Finding(
                cause="degradation_or_soiling",
                start=trend.start,
                end=trend.end,
                days=trend.days,
                expected_kwh=float(window["expected_kwh"].sum()),
                actual_kwh=float(window["actual_kwh"].sum()),
                detail=f"daily {metric_name} fell {trend.decline_pct:.1f} % over "
                f"{trend.days} days (slope t = {trend.t_stat:.1f}): soiling if it recovers "
                "after rain or cleaning, else degradation or a developing fault",
            )
        )
    findings.sort(key=lambda f: (f.start, f.cause))

    month_key = pd.Index([f"{d.year:04d}-{d.month:02d}" for d in daily.index], name="month")
    monthly = (
        daily[["expected_kwh", "actual_kwh", "poa_kwh_per_m2"]].groupby(month_key).sum(min_count=1)
    )
    monthly["ratio"] = monthly["actual_kwh"] / monthly["expected_kwh"]
    monthly["pr"] = performance_ratio(monthly["actual_kwh"], kwp, monthly["poa_kwh_per_m2"])
    daily = daily.drop(columns=["clipped_expected_kwh", "clipped_actual_kwh"])
    return MonitoringReport(daily=daily, monthly=monthly, findings=findings, trend=trend, kwp=kwp)
