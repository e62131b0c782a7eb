"""Community GHG inventory calculation (GPC v1.1), vectorised with NumPy.

The rule, per activity record *r* of activity type *a* in GPC row *g*:

    E_r [kgCO2e] = Q_r [canonical unit] × Σ_gas ( EF_{a,gas} [kg gas / unit] × GWP_gas )

``gross`` is the sum over records whose GPC row counts in the inventory's reporting level
(BASIC or BASIC+); ``net = gross − sinks − offsets``. Scope 2 is location-based in ``gross``;
the market-based figure is reported beside it. Renewable electricity generated and used on
site is not a purchase (it has no record in ``electricity_grid``); exported surplus is
reported separately and never subtracted from ``gross``.

References
----------
WRI, C40, ICLEI (2021). Global Protocol for Community-Scale Greenhouse Gas Emission
Inventories (GPC), version 1.1. Chapters 4 (reporting), 6 (stationary energy), 7
(transportation), 8 (waste), 10 (AFOLU).
GHG Protocol Scope 2 Guidance (2015), chapter 6 (location- and market-based methods).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .reference import CATEGORIES, GWP_SETS, activity_types, gpc_rows

KG_PER_T = 1_000.0

#: Geography preference for location-based factors, most specific first.
GEOGRAPHY_ORDER = ("province", "grid_region", "national", "global")
LOCATION_SERIES = ("average", "default")
RESIDUAL_SERIES = "excl_market_nonfossil"


class CalculationError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Factor:
    """One emission factor for one gas, as the calculation needs it."""

    id: str
    activity_type: str
    gas: str
    kg_per_unit: float  # kg of gas per canonical unit of the activity
    value: float  # as published
    unit: str  # as published, e.g. "tCO2/MWh"
    series: str = "default"
    geography_level: str = "national"
    geography_code: str = "CN"
    data_year: int | None = None
    source: str = ""


@dataclass(frozen=True)
class Resolution:
    """Factors chosen for one community, with the geography each came from."""

    by_type: dict[str, list[Factor]]
    geography: dict[str, str]  # activity type → geography level used
    residual_grid: Factor | None  # market-based scope 2 residual factor, if any


def resolve_factors(candidates: Iterable[Factor], *, province: str, grid_region: str) -> Resolution:
    """Pick, for each activity type and gas, the most specific location-based factor.

    Province beats grid region beats national beats global (IPCC defaults); a factor whose
    geography names another province or grid region is never used. The residual factor for
    market-based scope 2 is the national "excluding market-traded non-fossil" series.
    """
    best: dict[tuple[str, str], tuple[int, Factor]] = {}
    residual: Factor | None = None
    for factor in candidates:
        if factor.series == RESIDUAL_SERIES and factor.activity_type == "electricity_grid":
            if factor.geography_level == "national" and factor.gas == "CO2":
                residual = factor
            continue
        if factor.series not in LOCATION_SERIES:
            continue
        level = factor.geography_level
        if level == "province" and factor.geography_code != province:
            continue
        if level == "grid_region" and factor.geography_code != grid_region:
            continue
        rank = GEOGRAPHY_ORDER.index(level)
        key = (factor.activity_type, factor.gas)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, factor)
    by_type: dict[str, list[Factor]] = {}
    geography: dict[str, str] = {}
    for (activity, _gas), (rank, factor) in sorted(best.items()):
        by_type.setdefault(activity, []).append(factor)
        # The CO2 factor's geography speaks for the type (other gases follow it or are global).
        if factor.gas == "CO2" or activity not in geography:
            geography[activity] = GEOGRAPHY_ORDER[rank]
    return Resolution(by_type, geography, residual)


def co2e_per_unit(factors: Sequence[Factor], gwp_set: str) -> float:
    """kgCO2e per canonical unit: Σ EF_gas × GWP_gas."""
    try:
        gwp = GWP_SETS[gwp_set]
    except KeyError:
        raise CalculationError("unknown_gwp_set", f"unknown GWP set {gwp_set!r}") from None
    return sum(f.kg_per_unit * gwp[f.gas] for f in factors)


@dataclass
class ActivityTable:
    """Activity records as columns. ``month`` 1–12, or 0 for a record covering the year.
    ``quantity`` is in the activity type's canonical unit (nearzero.core.units)."""

    activity_type: np.ndarray
    gpc_ref: np.ndarray
    category: np.ndarray
    month: np.ndarray
    quantity: np.ndarray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, int, float]]) -> ActivityTable:
        rows = list(rows)
        if not rows:
            empty = np.array([], dtype=object)
            return cls(empty, empty, empty, np.array([], dtype=np.int64), np.array([], float))
        types, refs, cats, months, qty = zip(*rows, strict=True)
        return cls(
            np.asarray(types, dtype=object),
            np.asarray(refs, dtype=object),
            np.asarray(cats, dtype=object),
            np.asarray(months, dtype=np.int64),
            np.asarray(qty, dtype=float),
        )

    def __len__(self) -> int:
        return len(self.quantity)


@dataclass(frozen=True)
class SinkLine:
    kind: str
    quantity: float  # canonical unit of the rate's denominator (m², item)
    rate: Factor  # kg CO2 removed per unit per year (positive)


@dataclass(frozen=True)
class Line:
    """One activity type's total, the trace an auditor follows."""

    activity_type: str
    quantity: float
    dimension: str
    tco2e: float
    kgco2e_per_unit: float
    geography: str
    factors: list[dict]


@dataclass
class InventoryResult:
    level: str
    gwp_set: str
    gross_tco2e: float
    sinks_tco2e: float
    offsets_tco2e: float
    net_tco2e: float
    by_scope: dict[str, float]
    by_gpc_sector: dict[str, float]
    by_gpc_subsector: dict[str, float]
    by_gpc_row: dict[str, float]
    by_category: dict[str, float]
    by_month: dict[str, float]  # "01".."12", and "year" for annual records
    by_category_month: dict[str, dict[str, float]]  # category → month key → tCO2e
    by_gas_t: dict[str, float]  # tonnes of each gas (not CO2e)
    not_in_total_tco2e: dict[str, float]  # GPC rows reported outside the level's total
    scope2_location_tco2e: float
    scope2_market_tco2e: float | None
    scope2_market_note: str
    renewable_self_consumed_kwh: float
    renewable_exported_kwh: float
    renewable_self_consumed_avoided_tco2e: float
    intensity_tco2e_per_resident: float | None
    intensity_kgco2e_per_m2: float | None
    lines: list[Line] = field(default_factory=list)
    sinks: list[dict] = field(default_factory=list)
    missing_factors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def line_map(self) -> dict[str, tuple[float, float]]:
        """activity type → (quantity, tCO2e) of lines in the total, for year-on-year."""
        return {
            ln.activity_type: (ln.quantity, ln.tco2e)
            for ln in self.lines
            if ln.tco2e or ln.quantity
        }


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique values and each value's index among them, by hashing (O(n)); np.unique
    on an object array sorts with Python comparisons."""
    seen: dict = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.intp, len(values))
    labels = np.array(sorted(seen), dtype=object)
    remap = np.empty(len(seen), np.intp)
    remap[[seen[k] for k in labels]] = np.arange(len(labels))
    return labels, remap[codes] if len(values) else codes


def compute_inventory(
    table: ActivityTable,
    resolution: Resolution,
    *,
    gwp_set: str,
    level: str,
    sinks: Sequence[SinkLine] = (),
    offsets_tco2e: float = 0.0,
    contractual_kwh: float = 0.0,
    population: int | None = None,
    floor_area_m2: float | None = None,
) -> InventoryResult:
    """Compute an inventory from activity columns and resolved factors."""
    if level not in ("basic", "basic_plus"):
        raise CalculationError("unknown_level", f"unknown reporting level {level!r}")
    if gwp_set not in GWP_SETS:
        raise CalculationError("unknown_gwp_set", f"unknown GWP set {gwp_set!r}")
    types_ref = activity_types()
    rows_ref = gpc_rows()
    gwp = GWP_SETS[gwp_set]

    type_codes, type_idx = _factorize(table.activity_type)
    unknown = [str(t) for t in type_codes if t not in types_ref]
    if unknown:
        raise CalculationError("unknown_activity_type", f"unknown activity types: {unknown}")

    missing: list[str] = []
    ef = np.zeros(len(type_codes))  # kgCO2e per unit, per type
    for i, code in enumerate(type_codes):
        if not types_ref[code].emits:
            continue
        factors = resolution.by_type.get(code)
        if not factors:
            missing.append(str(code))
            continue
        ef[i] = co2e_per_unit(factors, gwp_set)
    emissions_kg = table.quantity * ef[type_idx]

    ref_codes, ref_idx = _factorize(table.gpc_ref)
    in_total_ref = np.array(
        [bool(r) and r in rows_ref and rows_ref[r].in_total(level) for r in ref_codes], dtype=bool
    )
    in_total = in_total_ref[ref_idx] if len(ref_codes) else np.zeros(0, dtype=bool)
    counted = np.where(in_total, emissions_kg, 0.0) / KG_PER_T  # tCO2e counted in gross

    def by_index(idx, labels):
        n = len(labels)
        sums = np.bincount(idx, weights=counted, minlength=n)
        present = np.bincount(idx[in_total], minlength=n) > 0
        return {str(labels[i]): float(sums[i]) for i in range(n) if present[i] and labels[i]}

    def regroup(per_ref: dict, key) -> dict:
        out: dict[str, float] = {}
        for ref, value in per_ref.items():
            out[key(rows_ref[ref])] = out.get(key(rows_ref[ref]), 0.0) + value
        return out

    if len(table):
        by_row = by_index(ref_idx, ref_codes)
        by_scope = regroup(by_row, lambda r: str(r.scope))
        by_sector = regroup(by_row, lambda r: r.sector)
        by_subsector = regroup(by_row, lambda r: r.subsector)
        by_row = dict(sorted(by_row.items()))
        by_scope, by_sector, by_subsector = (
            dict(sorted(d.items())) for d in (by_scope, by_sector, by_subsector)
        )
        month_labels = ["year"] + [f"{m:02d}" for m in range(1, 13)]
        month = table.month.astype(np.intp)
        by_month = by_index(month, month_labels)
        cat_codes, cat_idx = _factorize(table.category)
        by_category = dict(sorted(by_index(cat_idx, cat_codes).items()))
        pair = by_index(cat_idx * 13 + month, [f"{c}|{m}" for c in cat_codes for m in month_labels])
        by_category_month: dict[str, dict[str, float]] = {}
        for key, value in sorted(pair.items()):
            category, m = key.split("|")
            by_category_month.setdefault(category, {})[m] = value
        outside = ~in_total & (emissions_kg != 0)
        nit = np.bincount(
            ref_idx[outside], weights=emissions_kg[outside] / KG_PER_T, minlength=len(ref_codes)
        )
        has = np.bincount(ref_idx[outside], minlength=len(ref_codes)) > 0
        not_in_total = dict(
            sorted((str(ref_codes[i]), float(nit[i])) for i in range(len(ref_codes)) if has[i])
        )
    else:
        by_scope = by_sector = by_subsector = by_row = by_category = by_month = {}
        by_category_month = {}
        not_in_total = {}
    for key in ("1", "2", "3"):
        by_scope.setdefault(key, 0.0)
    for key in CATEGORIES:
        by_category.setdefault(key, 0.0)

    # Per activity type: quantity (all records) and tCO2e counted in the total.
    qty_by_type = np.bincount(type_idx, weights=table.quantity, minlength=len(type_codes))
    t_by_type = np.bincount(type_idx, weights=counted, minlength=len(type_codes))
    counted_qty_by_type = np.bincount(
        type_idx, weights=np.where(in_total, table.quantity, 0.0), minlength=len(type_codes)
    )
    lines = []
    by_gas_t: dict[str, float] = dict.fromkeys(gwp, 0.0)
    for i, code in enumerate(type_codes):
        factors = resolution.by_type.get(code, []) if types_ref[code].emits else []
        counted_qty = float(counted_qty_by_type[i])
        for f in factors:
            by_gas_t[f.gas] += counted_qty * f.kg_per_unit / KG_PER_T
        lines.append(
            Line(
                activity_type=str(code),
                quantity=float(qty_by_type[i]),
                dimension=types_ref[code].dimension,
                tco2e=float(t_by_type[i]),
                kgco2e_per_unit=float(ef[i]),
                geography=resolution.geography.get(code, ""),
                factors=[
                    {
                        "id": f.id,
                        "gas": f.gas,
                        "value": f.value,
                        "unit": f.unit,
                        "source": f.source,
                        "gwp": gwp[f.gas],
                        "data_year": f.data_year,
                    }
                    for f in factors
                ],
            )
        )

    gross = float(counted.sum())
    type_pos = {str(c): i for i, c in enumerate(type_codes)}
    grid_mask = (type_idx == type_pos.get("electricity_grid", -1)) & in_total
    grid_kwh = float(table.quantity[grid_mask].sum())
    grid_t = float(counted[grid_mask].sum())
    scope2_location = by_scope.get("2", 0.0)
    if resolution.residual_grid is not None:
        residual = resolution.residual_grid.kg_per_unit * gwp["CO2"]
        uncovered_kwh = max(grid_kwh - contractual_kwh, 0.0)
        scope2_market = scope2_location - grid_t + uncovered_kwh * residual / KG_PER_T
        market_note = resolution.residual_grid.id
    else:
        scope2_market = None
        market_note = "no residual factor in the factor set"

    def total_of(code: str) -> float:
        return float(qty_by_type[type_pos[code]]) if code in type_pos else 0.0

    self_kwh = total_of("renewable_self_consumed")
    grid_ef = resolution.by_type.get("electricity_grid", [])
    avoided = self_kwh * co2e_per_unit(grid_ef, gwp_set) / KG_PER_T if grid_ef else 0.0

    sink_rows = [
        {
            "kind": s.kind,
            "quantity": s.quantity,
            "rate_id": s.rate.id,
            "rate": s.rate.value,
            "rate_unit": s.rate.unit,
            "rate_source": s.rate.source,
            "tco2e": s.quantity * s.rate.kg_per_unit / KG_PER_T,
        }
        for s in sinks
    ]
    sinks_t = sum(s["tco2e"] for s in sink_rows)
    net = gross - sinks_t - offsets_tco2e
    return InventoryResult(
        level=level,
        gwp_set=gwp_set,
        gross_tco2e=gross,
        sinks_tco2e=sinks_t,
        offsets_tco2e=float(offsets_tco2e),
        net_tco2e=net,
        by_scope=dict(sorted(by_scope.items())),
        by_gpc_sector=by_sector,
        by_gpc_subsector=by_subsector,
        by_gpc_row=by_row,
        by_category=by_category,
        by_month=dict(sorted(by_month.items())),
        by_category_month=by_category_month,
        by_gas_t=by_gas_t,
        not_in_total_tco2e=not_in_total,
        scope2_location_tco2e=scope2_location,
        scope2_market_tco2e=scope2_market,
        scope2_market_note=market_note,
        renewable_self_consumed_kwh=self_kwh,
        renewable_exported_kwh=total_of("renewable_exported"),
        renewable_self_consumed_avoided_tco2e=avoided,
        intensity_tco2e_per_resident=(gross / population) if population else None,
        intensity_kgco2e_per_m2=(gross * KG_PER_T / floor_area_m2) if floor_area_m2 else None,
        lines=lines,
        sinks=sink_rows,
        missing_factors=missing,
    )


def factors_used(result: InventoryResult) -> list[dict]:
    """Every factor behind the result, once, in a stable order."""
    seen: dict[str, dict] = {}
    for line in result.lines:
        for f in line["factors"] if isinstance(line, Mapping) else line.factors:
            seen.setdefault(f["id"], {k: f[k] for k in ("id", "gas", "value", "unit", "source")})
    for s in result.sinks:
        seen.setdefault(
            s["rate_id"],
            {
                "id": s["rate_id"],
                "gas": "CO2",
                "value": s["rate"],
                "unit": s["rate_unit"],
                "source": s["rate_source"],
            },
        )
    return list(seen.values())
