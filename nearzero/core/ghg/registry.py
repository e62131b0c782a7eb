"""The shipped emission-factor registry and factor sets (``data/factors.toml``,
``data/factor_sets.toml``), readable without Django."""

from __future__ import annotations

import tomllib
from functools import cache

from nearzero.core.units import factor_to_kg_per_canonical

from .calc import Factor
from .reference import DATA

#: Sink kinds: dimension of the quantity, English and Chinese labels. A sink's rate is a
#: registry factor whose activity type is ``sink_<kind>``.
SINK_KINDS: dict[str, tuple[str, str, str]] = {
    "tree_canopy": ("area", "Tree canopy (crown cover)", "乔木树冠覆盖面积"),
    "tree_count": ("count", "Trees", "乔木株数"),
    "farmland": ("area", "Farmland soil carbon", "农田土壤固碳"),
    "wetland": ("area", "Wetland", "湿地"),
    "grassland": ("area", "Grass and shrubs", "草地与灌木"),
}


@cache
def shipped_factors() -> tuple[dict, ...]:
    data = tomllib.loads((DATA / "factors.toml").read_text(encoding="utf-8"))
    return tuple(data["factor"])


@cache
def shipped_factor_sets() -> dict[str, dict]:
    """Set code → {en, zh, grid_data_year, factors: [ids]} with groups expanded."""
    data = tomllib.loads((DATA / "factor_sets.toml").read_text(encoding="utf-8"))
    groups = data.get("groups", {})

    def expand(ids: list[str]) -> list[str]:
        out: list[str] = []
        for item in ids:
            out.extend(expand(groups[item[1:]]) if item.startswith("@") else [item])
        return out

    known = {f["id"] for f in shipped_factors()}
    sets = {}
    for code, spec in data["sets"].items():
        ids = expand(spec["factors"])
        unknown = sorted(set(ids) - known)
        if unknown:
            raise ValueError(f"factor set {code} names unknown factors: {unknown}")
        sets[code] = {**spec, "factors": ids}
    return sets


def to_factor(spec: dict) -> Factor:
    """A registry entry as a calculation :class:`~nearzero.core.ghg.calc.Factor`."""
    return Factor(
        id=spec["id"],
        activity_type=spec["activity_type"],
        gas=spec["gas"],
        kg_per_unit=factor_to_kg_per_canonical(float(spec["value"]), spec["mass"], spec["per"]),
        value=float(spec["value"]),
        unit=spec["unit"],
        series=spec.get("series", "default"),
        geography_level=spec.get("geography_level", "national"),
        geography_code=spec.get("geography_code", "CN"),
        data_year=spec.get("data_year"),
        source=spec.get("source", ""),
    )


def default_set_for_year(year: int) -> str:
    """The newest shipped Chinese set whose grid data year is not after ``year``
    (the oldest one for years before any)."""
    cn = sorted(
        (spec["grid_data_year"], code)
        for code, spec in shipped_factor_sets().items()
        if code.startswith("cn-")
    )
    eligible = [code for data_year, code in cn if data_year <= year]
    return eligible[-1] if eligible else cn[0][1]
