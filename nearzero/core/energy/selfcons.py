"""Self-consumption of on-site PV from co-timed generation and load.

Per interval *i* (15 minutes or finer), with generation ``G_i`` and load ``L_i`` [kWh]:

    self-consumed  S = Σ min(G_i, L_i)
    exported       X = Σ max(G_i − L_i, 0)
    imported       M = Σ max(L_i − G_i, 0)
    self-consumption ratio  SCR = S / Σ G_i
    self-sufficiency ratio  SSR = S / Σ L_i

so that ``Σ G = S + X`` and ``Σ L = S + M`` exactly. Both series must be measured, not derived
from a net (import − export) meter reading: a net reading has already cancelled generation
against load inside each interval and cannot give ``S``. Coarser intervals hide the moments
when generation exceeds load, so ``S`` is biased high as the interval grows (Luthander et al.
2015); 15 minutes (the 96-point daily load curve of Chinese smart meters) is the coarsest this
module accepts by default.

References
----------
.. [1] R. Luthander, J. Widén, D. Nilsson, J. Palm (2015). Photovoltaic self-consumption in
   buildings: A review. Applied Energy 142, 80–94. doi:10.1016/j.apenergy.2014.12.028.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from nearzero.core.errors import DomainError

#: Coarsest interval accepted [min]: 15-minute metering (Luthander et al. 2015 on the
#: bias of coarser resolution).
MAX_INTERVAL_MIN = 15.0


class IntervalDataError(DomainError, ValueError):
    """Interval data that cannot be used (stable ``code``, the input in ``field``)."""


@dataclass(frozen=True)
class SelfConsumption:
    """Energy balance of generation and load over a period [kWh], and the two ratios."""

    generation_kwh: float
    load_kwh: float
    self_consumed_kwh: float
    exported_kwh: float
    imported_kwh: float
    self_consumption_ratio: float | None  # S / generation; None without generation
    self_sufficiency_ratio: float | None  # S / load; None without load
    interval_min: float
    intervals: int

    def as_dict(self) -> dict:
        return asdict(self)


def check_interval_series(
    series: pd.Series, name: str, *, max_interval_min: float = MAX_INTERVAL_MIN
) -> float:
    """Validate one interval series and return its interval [min].

    It must have an aware, strictly increasing, evenly spaced DatetimeIndex no coarser than
    ``max_interval_min``, and finite non-negative values.
    """
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        raise IntervalDataError("no_time_index", f"{name} needs a DatetimeIndex", field=name)
    if index.tz is None:
        raise IntervalDataError("naive_time", f"{name} needs time-zone-aware times", field=name)
    if len(index) < 2:
        raise IntervalDataError("too_short", f"{name} needs at least two intervals", field=name)
    steps = np.diff(index.asi8)
    if np.any(steps <= 0):
        raise IntervalDataError(
            "not_increasing", f"{name}: times must increase without repeats", field=name
        )
    if np.any(steps != steps[0]):
        raise IntervalDataError(
            "uneven_interval", f"{name}: intervals must all be the same length", field=name
        )
    interval_min = pd.Timedelta(int(steps[0]), unit=index.unit).total_seconds() / 60.0
    if interval_min > max_interval_min + 1e-9:
        raise IntervalDataError(
            "too_coarse",
            f"{name}: {interval_min:g}-minute intervals are coarser than "
            f"{max_interval_min:g} minutes; self-consumption needs 15-minute or finer data",
            field=name,
        )
    values = series.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise IntervalDataError("missing_values", f"{name} has missing values", field=name)
    if np.any(values < 0):
        raise IntervalDataError(
            "negative_values",
            f"{name} has negative values (a net import − export reading?); give generation "
            "and load as separate non-negative series",
            field=name,
        )
    return interval_min


def balance_kwh(
    generation_kwh: np.ndarray, load_kwh: np.ndarray
) -> tuple[float, float, float, float, float]:
    """``(ΣG, ΣL, S, X, M)`` [kWh] of co-timed interval arrays (see the module docstring)."""
    gen = np.asarray(generation_kwh, dtype=float)
    load = np.asarray(load_kwh, dtype=float)
    self_consumed = np.minimum(gen, load).sum()
    exported = np.maximum(gen - load, 0.0).sum()
    imported = np.maximum(load - gen, 0.0).sum()
    return (
        float(gen.sum()),
        float(load.sum()),
        float(self_consumed),
        float(exported),
        float(imported),
    )


def self_consumption(
    generation_kwh: pd.Series,
    load_kwh: pd.Series,
    *,
    max_interval_min: float = MAX_INTERVAL_MIN,
) -> SelfConsumption:
    """Self-consumption and self-sufficiency of PV from co-timed generation and load.

    Parameters
    ----------
    generation_kwh, load_kwh : pandas.Series
        Energy in each interval [kWh], on identical, evenly spaced, aware timestamps.
    max_interval_min : float, default :data:`MAX_INTERVAL_MIN`
        Coarsest interval accepted [min].

    Returns
    -------
    SelfConsumption

    Raises
    ------
    IntervalDataError
        Different timestamps, uneven or too coarse intervals, missing or negative values.
    """
    interval = check_interval_series(
        generation_kwh, "generation", max_interval_min=max_interval_min
    )
    check_interval_series(load_kwh, "load", max_interval_min=max_interval_min)
    if not generation_kwh.index.equals(load_kwh.index):
        raise IntervalDataError(
            "not_co_timed",
            "generation and load must have the same timestamps (same start, end and interval)",
            field="load",
        )
    gen, load, self_kwh, exported, imported = balance_kwh(
        generation_kwh.to_numpy(dtype=float), load_kwh.to_numpy(dtype=float)
    )
    return SelfConsumption(
        generation_kwh=gen,
        load_kwh=load,
        self_consumed_kwh=self_kwh,
        exported_kwh=exported,
        imported_kwh=imported,
        self_consumption_ratio=self_kwh / gen if gen > 0 else None,
        self_sufficiency_ratio=self_kwh / load if load > 0 else None,
        interval_min=interval,
        intervals=len(generation_kwh),
    )
