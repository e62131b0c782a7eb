"""Reference tables: GPC rows, activity types, community categories and GWP sets.

The tables ship as TOML under ``data/`` so reviewers can read them without Python.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

#: Community categories (社区排放类别) used by Chinese near-zero-carbon community guides.
CATEGORIES: dict[str, tuple[str, str]] = {
    "residential": ("Residential life", "居民生活"),
    "public": ("Public buildings", "公共建筑"),
    "transport": ("Transport", "交通"),
    "waste": ("Waste", "废弃物"),
    "agriculture": ("Agriculture", "农业"),
    "other": ("Other", "其他"),
}

#: GPC notation keys (GPC v1.1 Table 2.2). Each use needs an explanation.
NOTATION_KEYS: dict[str, tuple[str, str]] = {
    "NO": ("Not occurring", "不发生"),
    "IE": ("Included elsewhere", "已计入其他项"),
    "NE": ("Not estimated", "未估算"),
    "C": ("Confidential", "保密"),
}

#: Global warming potentials, 100-year horizon [kgCO2e per kg of gas].
#: AR5: IPCC (2013) WG1 AR5 Table 8.A.1 (without climate-carbon feedbacks): CH4 28, N2O 265.
#: AR6: IPCC (2021) WG1 AR6 Chapter 7 (Table 7.15, Table 7.SM.7): CH4 27.9, CH4 of fossil
#: origin 29.8 (includes the CO2 its carbon becomes), N2O 273.
#: Methane from fuel combustion is booked as ``CH4_fossil``; from waste and land as ``CH4``.
GWP_SETS: dict[str, dict[str, float]] = {
    "AR5": {"CO2": 1.0, "CH4": 28.0, "CH4_fossil": 28.0, "N2O": 265.0},
    "AR6": {"CO2": 1.0, "CH4": 27.9, "CH4_fossil": 29.8, "N2O": 273.0},
}
GASES = ("CO2", "CH4", "CH4_fossil", "N2O")

LEVELS = ("basic", "basic_plus")


@dataclass(frozen=True)
class GPCRow:
    ref: str
    sector: str  # "I" … "VI"
    subsector: str  # "I.1" …
    scope: int
    basic: bool
    basic_plus: bool

    def in_total(self, level: str) -> bool:
        return self.basic if level == "basic" else self.basic_plus


@dataclass(frozen=True)
class ActivityType:
    code: str
    en: str
    zh: str
    dimension: str
    gpc: dict[str, str] = field(default_factory=dict)  # category → GPC ref
    emits: bool = True
    density_key: str | None = None


@cache
def _gpc_data() -> dict:
    return tomllib.loads((DATA / "gpc.toml").read_text(encoding="utf-8"))


@cache
def gpc_rows() -> dict[str, GPCRow]:
    rows = {}
    for ref, (scope, basic, basic_plus) in _gpc_data()["rows"].items():
        parts = ref.split(".")
        rows[ref] = GPCRow(ref, parts[0], ".".join(parts[:2]), scope, basic, basic_plus)
    return rows


def gpc_sectors() -> dict[str, dict[str, str]]:
    return _gpc_data()["sectors"]


def gpc_subsectors() -> dict[str, dict[str, str]]:
    return _gpc_data()["subsectors"]


@cache
def activity_types() -> dict[str, ActivityType]:
    raw = tomllib.loads((DATA / "activity_types.toml").read_text(encoding="utf-8"))
    return {
        code: ActivityType(
            code=code,
            en=spec["en"],
            zh=spec["zh"],
            dimension=spec["dimension"],
            gpc=dict(spec.get("gpc", {})),
            emits=spec.get("emits", True),
            density_key=spec.get("density_key"),
        )
        for code, spec in raw.items()
    }
