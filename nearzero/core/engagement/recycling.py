"""Recyclables weighed at a community post → kg CO2e avoided, with cited factors.

The rule, for *m* kg of material *x* handed in and recycled:

    avoided [kg CO2e] = m [kg] × F_x [kg CO2e/kg]

``F_x`` is read from ``data/recycling.toml``: one row per material with its factor, the
published source, a URL and a note on how the number was derived. WARM rows are
recycling instead of landfilling, ``(EF_landfill − EF_recycling)`` in MTCO2E per short ton
converted with 1 short ton = 907.18474 kg. Method and limitations:
``docs/algorithms/recycling.md``.

References
----------
U.S. EPA (2023). Waste Reduction Model (WARM), Version 16, and "Documentation for
Greenhouse Gas Emission and Energy Factors Used in the Waste Reduction Model (WARM):
Management Practices Chapters", Version 16.
泸州市生态环境局「绿芽积分」碳普惠 scheme (2024): used-clothes collection scene,
1,280 g CO2e per kg.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nearzero.core.errors import DomainError

DATA_FILE = Path(__file__).parent / "data" / "recycling.toml"

#: 1 short ton = 2,000 lb × 0.45359237 kg/lb [kg], exact.
KG_PER_SHORT_TON = 907.18474

_TEXT_FIELDS = ("code", "en", "zh", "source", "url", "note")


@dataclass(frozen=True)
class Material:
    """One recyclable material and its cited avoided-emission factor.

    Attributes
    ----------
    code : str
        Stable snake_case identifier, e.g. ``"cardboard"``.
    en, zh : str
        Display labels in English and Chinese.
    kgco2e_per_kg : float
        Emissions avoided by recycling 1 kg of the material [kg CO2e/kg]; always > 0.
    source : str
        Full citation: publisher, document, version, year, table.
    url : str
        Where the source can be read.
    note : str
        How the number was derived from the published figure.
    """

    code: str
    en: str
    zh: str
    kgco2e_per_kg: float
    source: str
    url: str
    note: str


def read_materials(path: Path) -> dict[str, Material]:
    """Read and validate a recyclables table (uncached).

    Parameters
    ----------
    path : Path
        A TOML file with one ``[[material]]`` table per material.

    Returns
    -------
    dict[str, Material]
        Materials by code, in file order.

    Raises
    ------
    ValueError
        If a row lacks a field or has an unknown one, a code repeats, a factor is not a
        finite number > 0 [kg CO2e/kg], or a text field (source included) is empty.
    """
    rows = tomllib.loads(path.read_text(encoding="utf-8")).get("material", [])
    if not rows:
        raise ValueError(f"{path.name}: no [[material]] rows")
    out: dict[str, Material] = {}
    for i, row in enumerate(rows, start=1):
        where = f"{path.name}: material #{i} ({row.get('code', '?')})"
        try:
            material = Material(**row)
        except TypeError as exc:
            raise ValueError(f"{where}: {exc}") from None
        for name in _TEXT_FIELDS:
            value = getattr(material, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{where}: {name} must be a non-empty string")
        factor = material.kgco2e_per_kg
        if (
            isinstance(factor, bool)
            or not isinstance(factor, int | float)
            or not math.isfinite(factor)
            or factor <= 0
        ):
            raise ValueError(f"{where}: kgco2e_per_kg must be a finite number > 0")
        if material.code in out:
            raise ValueError(f"{where}: duplicate code")
        out[material.code] = Material(**{**row, "kgco2e_per_kg": float(factor)})
    return out


@cache
def _shipped() -> tuple[Material, ...]:
    return tuple(read_materials(DATA_FILE).values())


def materials() -> dict[str, Material]:
    """The shipped recyclables, by code, in the order of ``data/recycling.toml``.

    The file is read and validated once per process; each call returns a new dict, so a
    caller cannot change what the next caller sees.

    Returns
    -------
    dict[str, Material]
        Materials by code; each factor is in [kg CO2e/kg].

    Raises
    ------
    ValueError
        If the shipped file is invalid (see :func:`read_materials`).

    References
    ----------
    U.S. EPA (2023). WARM Version 16, "Summary Data" (MTCO2E/short ton); 泸州市碳普惠
    「绿芽积分」 (2024). Each row carries its own full citation in ``source``.
    """
    return {m.code: m for m in _shipped()}


def co2e_kg(material_code: str, kg: float) -> float:
    """Emissions avoided by recycling a weighed quantity of one material.

    Parameters
    ----------
    material_code : str
        A code from :func:`materials`, e.g. ``"cardboard"``.
    kg : float
        Mass handed in [kg]; zero is allowed.

    Returns
    -------
    float
        Avoided emissions [kg CO2e] = ``kg`` × the material's factor [kg CO2e/kg].

    Raises
    ------
    DomainError
        ``unknown_material`` (field ``material``) for a code not in the table;
        ``bad_quantity`` (field ``kg``) for a mass that is not a finite number ≥ 0.

    Examples
    --------
    12.5 kg of cardboard: 12.5 × (0.18 + 3.14) × 1000 / 907.18474 ≈ 45.75 kg CO2e.

    >>> round(co2e_kg("cardboard", 12.5), 2)
    45.75

    References
    ----------
    U.S. EPA (2023). Waste Reduction Model (WARM), Version 16: "Summary Data", recycling of
    post-consumer material and landfilling, national average [MTCO2E/short ton].
    """
    material = materials().get(material_code)
    if material is None:
        raise DomainError(
            "unknown_material", f"unknown recyclable material: {material_code}", field="material"
        )
    # A number (int, float, Decimal, NumPy scalar); text is parsed by the caller, not here.
    if isinstance(kg, bool | str | bytes):
        raise DomainError("bad_quantity", "the mass must be a number of kilograms", field="kg")
    try:
        mass = float(kg)
    except (TypeError, ValueError):
        raise DomainError(
            "bad_quantity", "the mass must be a number of kilograms", field="kg"
        ) from None
    if not math.isfinite(mass) or mass < 0:
        raise DomainError(
            "bad_quantity", f"the mass must be a finite number ≥ 0 kg, not {kg!r}", field="kg"
        )
    return mass * material.kgco2e_per_kg
