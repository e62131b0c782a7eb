"""Units of activity data and their conversion to one canonical unit per dimension.

Canonical units: energy kWh, volume m³, mass kg, heat GJ, area m², count 1 (items),
emissions kgCO2e. Chinese statistical units (万kWh, 万m³, 万t) are accepted as written on
bills and yearbooks.

Liquid fuels bought by the litre are converted to mass with a density [kg/L] given by the
caller (see :data:`FUEL_DENSITY_KG_PER_L`), because every fuel factor in the registry is per
kilogram.
"""

from __future__ import annotations

from dataclasses import dataclass


class UnitError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Unit:
    code: str
    dimension: str
    #: How many canonical units one of this unit is.
    to_canonical: float


CANONICAL = {
    "energy": "kWh",
    "volume": "m3",
    "mass": "kg",
    "heat": "GJ",
    "area": "m2",
    "count": "item",
    "liquid": "L",
}

_UNITS = [
    # Smart meters and inverters export watt-hours: 1 Wh = 0.001 kWh (SI prefix).
    Unit("Wh", "energy", 0.001),
    Unit("kWh", "energy", 1.0),
    Unit("MWh", "energy", 1_000.0),
    Unit("GWh", "energy", 1_000_000.0),
    Unit("万kWh", "energy", 10_000.0),
    Unit("m3", "volume", 1.0),
    Unit("万m3", "volume", 10_000.0),
    Unit("kg", "mass", 1.0),
    Unit("t", "mass", 1_000.0),
    Unit("万t", "mass", 10_000_000.0),
    Unit("GJ", "heat", 1.0),
    Unit("MJ", "heat", 0.001),
    Unit("TJ", "heat", 1_000.0),
    # 1 MWh of heat = 3.6 GJ (exact, by the definition of the watt-hour).
    Unit("MWh_th", "heat", 3.6),
    Unit("m2", "area", 1.0),
    Unit("ha", "area", 10_000.0),
    # 1 mu (亩) = 10,000/15 m² (exact by definition, 666.67 m²).
    Unit("mu", "area", 10_000.0 / 15.0),
    Unit("item", "count", 1.0),
    Unit("L", "liquid", 1.0),
]
UNITS: dict[str, Unit] = {u.code: u for u in _UNITS}
#: Spellings people type, mapped to our codes.
ALIASES = {
    "wh": "Wh",
    "瓦时": "Wh",
    "kwh": "kWh",
    "千瓦时": "kWh",
    "度": "kWh",
    "mwh": "MWh",
    "兆瓦时": "MWh",
    "gwh": "GWh",
    "万千瓦时": "万kWh",
    "万kwh": "万kWh",
    "m³": "m3",
    "立方米": "m3",
    "方": "m3",
    "万立方米": "万m3",
    "万m³": "万m3",
    "公斤": "kg",
    "千克": "kg",
    "吨": "t",
    "tonne": "t",
    "tonnes": "t",
    "万吨": "万t",
    "gj": "GJ",
    "吉焦": "GJ",
    "mj": "MJ",
    "兆焦": "MJ",
    "tj": "TJ",
    "m²": "m2",
    "平方米": "m2",
    "公顷": "ha",
    "亩": "mu",
    "棵": "item",
    "株": "item",
    "trees": "item",
    "tree": "item",
    "l": "L",
    "升": "L",
    "litre": "L",
    "liter": "L",
    "litres": "L",
    "liters": "L",
}

#: Fuel densities at 20 °C [kg/L]. Midpoints of the national standards' ranges:
#: GB 17930-2016 motor gasoline 720–775 kg/m³; GB 19147-2016 automotive diesel 810–850 kg/m³
#: (at 20 °C). Communities with a supplier's figure should use it instead.
FUEL_DENSITY_KG_PER_L = {"gasoline": 0.7475, "diesel": 0.830}


def parse_unit(text: str) -> Unit:
    """The :class:`Unit` for a code or a common spelling (case-insensitive aliases)."""
    raw = (text or "").strip()
    code = raw if raw in UNITS else ALIASES.get(raw.lower(), ALIASES.get(raw))
    if code is None:
        raise UnitError("unknown_unit", f"unknown unit {raw!r}")
    return UNITS[code]


def to_canonical(
    quantity: float, unit: str, dimension: str, *, density_kg_per_l: float | None = None
) -> float:
    """``quantity`` in ``unit`` expressed in the canonical unit of ``dimension``.

    Litres convert to kilograms only for the ``mass`` dimension and only with a density.
    """
    u = parse_unit(unit)
    if u.dimension == dimension:
        return quantity * u.to_canonical
    if u.dimension == "liquid" and dimension == "mass":
        if not density_kg_per_l:
            raise UnitError("no_density", f"{unit} needs a density to become kg")
        return quantity * u.to_canonical * density_kg_per_l
    raise UnitError(
        "wrong_dimension",
        f"{unit} measures {u.dimension}, expected {dimension} ({CANONICAL[dimension]})",
    )


def factor_to_kg_per_canonical(value: float, numerator: str, denominator: str) -> float:
    """A factor such as 0.5703 tCO2/MWh as kg of gas per canonical unit (0.5703 kg/kWh).

    ``numerator`` is ``kg`` or ``t`` (of gas); ``denominator`` a unit code of the activity.
    """
    mass = {"kg": 1.0, "t": 1_000.0, "g": 0.001}.get(numerator)
    if mass is None:
        raise UnitError("unknown_unit", f"factor numerator {numerator!r} is not g, kg or t")
    return value * mass / parse_unit(denominator).to_canonical
