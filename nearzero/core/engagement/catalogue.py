"""The shipped activity catalogue (``data/activities.toml``), readable without Django."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ActivitySpec:
    code: str
    zh: str
    en: str
    points: int
    practice: bool = False
    label_g: float | None = None  # g CO2e avoided per participant or per unit
    basis: str = "participant"  # "participant" or "unit"
    label_unit: str = ""
    methodology: str = ""


@cache
def shipped_activities() -> tuple[ActivitySpec, ...]:
    data = tomllib.loads((DATA / "activities.toml").read_text(encoding="utf-8"))
    specs = tuple(ActivitySpec(**row) for row in data["activity"])
    codes = [s.code for s in specs]
    if len(set(codes)) != len(codes):
        raise ValueError("activities.toml: duplicate codes")
    for spec in specs:
        if spec.label_g is not None and not spec.methodology:
            raise ValueError(f"activities.toml: {spec.code} has a label without a methodology")
        if spec.basis not in ("participant", "unit") or (spec.basis == "unit") != bool(
            spec.label_unit
        ):
            raise ValueError(f"activities.toml: {spec.code} needs label_unit iff basis = unit")
    return specs


def labelled_co2e_g(label_g: float | None, basis: str, participants: int, units: float) -> float:
    """CO2e of a labelled activity [g]: label × participants, or label × units.

    ``units`` is the sum of the per-check-in quantities (e.g. kg of clothes) for a per-unit
    label. Without a label the result is 0: nothing is claimed."""
    if label_g is None:
        return 0.0
    return float(label_g) * (units if basis == "unit" else participants)
