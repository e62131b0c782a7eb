"""nearzero.core.engagement.recycling against the published figures (docs/algorithms/recycling.md).

No database: the module is pure Python.
"""

from __future__ import annotations

import math
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from nearzero.core.engagement import recycling
from nearzero.core.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
KG_PER_SHORT_TON = 907.18474  # 2,000 lb × 0.45359237 kg/lb

# U.S. EPA WARM v16, "Summary Data" [MTCO2E/short ton], as published (two decimals):
# code → (WARM material, landfilling national average, recycling of post-consumer material).
WARM_V16 = {
    "paper": ("Mixed Paper (primarily residential)", 0.02, -3.55),
    "cardboard": ("Corrugated Containers", 0.18, -3.14),
    "pet_bottles": ("PET", 0.02, -1.04),
    "other_plastics": ("Mixed Plastics", 0.02, -0.93),
    "glass": ("Glass", 0.02, -0.28),
    "aluminium_cans": ("Aluminum Cans", 0.02, -9.13),
    "steel_cans": ("Steel Cans", 0.02, -1.83),
    "e_waste": ("Mixed Electronics", 0.02, -0.90),
}
# 泸州市碳普惠「绿芽积分」: 1 kg of clothes recycled = 1,280 g CO2e.
LUZHOU_CLOTHES_G_PER_KG = 1280

# The TOML keeps 4 decimals; the largest rounding error relative to a factor is 2e-5 (glass).
REL = 1e-4


def warm_avoided_kg_per_kg(landfill: float, recycling_: float) -> float:
    return (landfill - recycling_) * 1000 / KG_PER_SHORT_TON


def test_the_shipped_materials_in_file_order():
    assert list(recycling.materials()) == [
        "paper",
        "cardboard",
        "pet_bottles",
        "other_plastics",
        "glass",
        "aluminium_cans",
        "steel_cans",
        "textiles",
        "e_waste",
    ]


def test_every_material_is_cited_and_labelled():
    for code, m in recycling.materials().items():
        assert m.code == code
        assert m.en.strip() and m.zh.strip() and m.note.strip()
        assert m.source.strip(), code
        assert m.url.startswith(("https://", "http://")), code
        assert m.kgco2e_per_kg > 0
    for code, (warm_name, _, _) in WARM_V16.items():
        m = recycling.materials()[code]
        assert "WARM" in m.source and "Version 16" in m.source
        assert f'"{warm_name}"' in m.source
        assert "907.18474" in m.note


@pytest.mark.parametrize("code", sorted(WARM_V16))
def test_warm_factors_equal_the_hand_conversion(code):
    _, landfill, recycled = WARM_V16[code]
    expected = warm_avoided_kg_per_kg(landfill, recycled)
    assert recycling.materials()[code].kgco2e_per_kg == pytest.approx(expected, rel=REL)


def test_hand_conversion_spot_values():
    # Written out once, so a mistake in the helper above cannot hide.
    assert warm_avoided_kg_per_kg(0.18, -3.14) == pytest.approx(3.32 / 0.90718474, rel=1e-12)
    assert warm_avoided_kg_per_kg(0.02, -9.13) == pytest.approx(10.08615, rel=1e-6)


def test_textiles_is_the_luzhou_value():
    assert recycling.materials()["textiles"].kgco2e_per_kg == pytest.approx(
        LUZHOU_CLOTHES_G_PER_KG / 1000, rel=1e-12
    )
    assert "泸州" in recycling.materials()["textiles"].source


def test_textiles_agrees_with_the_activity_catalogue():
    data = tomllib.loads(
        (ROOT / "nearzero/core/engagement/data/activities.toml").read_text(encoding="utf-8")
    )
    clothes = [a for a in data["activity"] if a["code"] == "clothes_recycling"]
    if not clothes:
        pytest.skip("activities.toml has no clothes_recycling activity")
    assert clothes[0]["label_g"] / 1000 == pytest.approx(
        recycling.materials()["textiles"].kgco2e_per_kg, rel=1e-12
    )


def test_worked_example_in_the_docs():
    # 12.5 kg of cardboard → 12.5 × 3.32 × 1000 / 907.18474 = 45.75 kg CO2e.
    expected = 12.5 * warm_avoided_kg_per_kg(0.18, -3.14)
    assert expected == pytest.approx(45.7459, abs=1e-4)
    assert recycling.co2e_kg("cardboard", 12.5) == pytest.approx(expected, rel=REL)
    assert round(recycling.co2e_kg("cardboard", 12.5), 2) == 45.75
    doc = (ROOT / "docs/algorithms/recycling.md").read_text(encoding="utf-8")
    assert "12.5 kg" in doc and "45.75 kg CO2e" in doc


@pytest.mark.parametrize("code", ["paper", "glass", "aluminium_cans", "textiles"])
def test_co2e_scales_linearly(code):
    factor = recycling.materials()[code].kgco2e_per_kg
    assert recycling.co2e_kg(code, 0) == 0.0
    assert recycling.co2e_kg(code, 1) == pytest.approx(factor, rel=1e-12)
    one = recycling.co2e_kg(code, 3.7)
    assert recycling.co2e_kg(code, 7.4) == pytest.approx(2 * one, rel=1e-12)
    assert recycling.co2e_kg(code, 3.7) + recycling.co2e_kg(code, 1.3) == pytest.approx(
        recycling.co2e_kg(code, 5.0), rel=1e-12
    )


def test_co2e_accepts_integers_and_decimals():
    assert recycling.co2e_kg("glass", 2) == pytest.approx(2 * 0.3307, rel=1e-12)
    assert recycling.co2e_kg("glass", Decimal("2.5")) == pytest.approx(2.5 * 0.3307, rel=1e-12)


def test_unknown_material():
    with pytest.raises(DomainError) as exc:
        recycling.co2e_kg("plutonium", 1.0)
    assert exc.value.code == "unknown_material"
    assert exc.value.field == "material"
    assert str(exc.value) == "unknown recyclable material: plutonium"


@pytest.mark.parametrize(
    "kg", [-0.001, -5, math.nan, math.inf, -math.inf, Decimal("NaN"), "3", None, True]
)
def test_bad_quantity(kg):
    with pytest.raises(DomainError) as exc:
        recycling.co2e_kg("paper", kg)
    assert exc.value.code == "bad_quantity"
    assert exc.value.field == "kg"


def test_materials_returns_a_fresh_dict():
    first = recycling.materials()
    first.pop("paper")
    assert "paper" in recycling.materials()
    assert recycling.co2e_kg("paper", 1) == pytest.approx(3.9353, rel=1e-12)


ROW = """
[[material]]
code = "{code}"
en = "X"
zh = "某"
kgco2e_per_kg = {factor}
source = "{source}"
url = "https://example.org"
note = "n"
"""


def write(tmp_path, *rows):
    path = tmp_path / "recycling.toml"
    path.write_text("".join(ROW.format(**r) for r in rows), encoding="utf-8")
    return path


def row(code="a", factor="1.0", source="S"):
    return {"code": code, "factor": factor, "source": source}


def test_reader_accepts_a_valid_table(tmp_path):
    table = recycling.read_materials(write(tmp_path, row("b", "2"), row("a", "0.5")))
    assert list(table) == ["b", "a"]
    assert table["b"].kgco2e_per_kg == 2.0 and isinstance(table["b"].kgco2e_per_kg, float)


@pytest.mark.parametrize(
    "rows",
    [
        [row("a"), row("a")],  # duplicate code
        [row(factor="0")],
        [row(factor="-1.2")],
        [row(factor="nan")],
        [row(factor='"1.0"')],
        [row(source="")],
        [row(source="  ")],
    ],
)
def test_reader_rejects_bad_tables(tmp_path, rows):
    with pytest.raises(ValueError):
        recycling.read_materials(write(tmp_path, *rows))


def test_reader_rejects_missing_and_unknown_fields(tmp_path):
    path = tmp_path / "recycling.toml"
    path.write_text('[[material]]\ncode = "a"\nkgco2e_per_kg = 1.0\n', encoding="utf-8")
    with pytest.raises(ValueError):
        recycling.read_materials(path)
    path.write_text(ROW.format(**row()) + 'colour = "red"\n', encoding="utf-8")
    with pytest.raises(ValueError):
        recycling.read_materials(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError):
        recycling.read_materials(path)


def test_the_data_file_ships_with_the_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert (
        "core/engagement/data/*.toml"
        in (pyproject["tool"]["setuptools"]["package-data"]["nearzero"])
    )
    assert recycling.DATA_FILE.is_file()
