"""nearzero.core.ghg against hand computation (docs/algorithms/ghg-inventory.md)."""

from __future__ import annotations

import math

import pytest

from nearzero.core import units
from nearzero.core.ghg import calc, registry, yoy
from nearzero.core.ghg.calc import ActivityTable, SinkLine

FACTORS = {f["id"]: f for f in registry.shipped_factors()}


def resolution(set_code="cn-2022", province="310000", grid_region="east"):
    ids = registry.shipped_factor_sets()[set_code]["factors"]
    return calc.resolve_factors(
        [registry.to_factor(FACTORS[i]) for i in ids], province=province, grid_region=grid_region
    )


def worked_example(**kwargs):
    gasoline_kg = units.to_canonical(
        10_000, "L", "mass", density_kg_per_l=units.FUEL_DENSITY_KG_PER_L["gasoline"]
    )
    table = ActivityTable.from_rows(
        [
            ("electricity_grid", "I.1.2", "residential", 1, 600_000.0),
            ("electricity_grid", "I.1.2", "residential", 7, 600_000.0),
            ("electricity_grid", "I.2.2", "public", 0, units.to_canonical(300, "MWh", "energy")),
            ("natural_gas", "I.1.1", "residential", 0, 100_000.0),
            ("gasoline", "II.1.1", "transport", 0, gasoline_kg),
            ("waste_landfill", "III.1.2", "waste", 0, units.to_canonical(500, "t", "mass")),
            ("tap_water", "VI.1", "residential", 0, 200_000.0),
            ("renewable_self_consumed", "", "public", 0, 50_000.0),
        ]
    )
    canopy = registry.to_factor(FACTORS["ipcc2006.sink.tree_canopy"])
    return calc.compute_inventory(
        table,
        resolution(),
        gwp_set="AR5",
        level="basic",
        sinks=[SinkLine("tree_canopy", units.to_canonical(12, "ha", "area"), canopy)],
        offsets_tco2e=100.0,
        contractual_kwh=200_000.0,
        population=5_000,
        floor_area_m2=250_000,
        **kwargs,
    )


def test_worked_example_matches_the_hand_computation():
    result = worked_example()
    assert result.gross_tco2e == pytest.approx(1781.888, abs=0.01)
    assert result.by_scope == pytest.approx({"1": 239.338, "2": 842.550, "3": 700.000}, abs=0.01)
    assert result.sinks_tco2e == pytest.approx(127.596, abs=0.01)
    assert result.net_tco2e == pytest.approx(1554.292, abs=0.01)
    assert result.scope2_market_tco2e == pytest.approx(761.280, abs=0.01)
    assert result.not_in_total_tco2e == pytest.approx({"VI.1": 32.2}, abs=0.01)
    assert result.renewable_self_consumed_avoided_tco2e == pytest.approx(28.085, abs=0.01)
    assert result.intensity_tco2e_per_resident == pytest.approx(0.35638, abs=1e-5)
    assert result.by_category["residential"] == pytest.approx(674.040 + 216.886, abs=0.01)
    assert result.by_month["01"] == pytest.approx(337.02, abs=0.01)
    assert result.by_month["year"] == pytest.approx(1781.888 - 674.04, abs=0.01)
    assert result.by_category_month["residential"] == pytest.approx(
        {"01": 337.02, "07": 337.02, "year": 216.886}, abs=0.01
    )
    assert result.by_gpc_sector == pytest.approx(
        {"I": 1059.436, "II": 22.452, "III": 700.0}, abs=0.01
    )
    line = {ln.activity_type: ln for ln in result.lines}["electricity_grid"]
    assert line.geography == "grid_region"
    assert [f["id"] for f in line.factors] == ["cn.grid.2022.average.east"]


def test_provincial_factor_wins_and_falls_back_to_national():
    sichuan = resolution(province="510000", grid_region="southwest")
    assert sichuan.by_type["electricity_grid"][0].id == "cn.grid.2022.average.510000"
    assert sichuan.geography["electricity_grid"] == "province"
    unknown_region = resolution(set_code="cn-2021", province="510000", grid_region="southwest")
    assert unknown_region.by_type["electricity_grid"][0].id == "cn.grid.2021.average.cn"
    assert unknown_region.geography["electricity_grid"] == "national"


def test_gwp_set_changes_non_co2_only():
    table = ActivityTable.from_rows([("waste_landfill", "III.1.2", "waste", 0, 1000.0)])
    ar5 = calc.compute_inventory(table, resolution(), gwp_set="AR5", level="basic")
    ar6 = calc.compute_inventory(table, resolution(), gwp_set="AR6", level="basic")
    assert ar5.gross_tco2e == pytest.approx(0.05 * 28)  # 1 t × 50 kg CH4/t × 28
    assert ar6.gross_tco2e == pytest.approx(0.05 * 27.9)
    assert ar6.by_gas_t["CH4"] == pytest.approx(0.05)


def test_basic_plus_counts_transboundary_and_afolu():
    table = ActivityTable.from_rows([("fertilizer_n", "V.3", "agriculture", 0, 1000.0)])
    basic = calc.compute_inventory(table, resolution(), gwp_set="AR5", level="basic")
    plus = calc.compute_inventory(table, resolution(), gwp_set="AR5", level="basic_plus")
    assert basic.gross_tco2e == 0 and basic.not_in_total_tco2e["V.3"] > 0
    # 1,000 kg N × 0.01 × 44/28 kg N2O/kg N × 265 = 4,164.3 kgCO2e
    assert plus.gross_tco2e == pytest.approx(1000 * 0.015714 * 265 / 1000, rel=1e-9)


def test_missing_factor_is_reported_not_zeroed_silently():
    table = ActivityTable.from_rows([("waste_incineration", "III.3.2", "waste", 0, 1000.0)])
    result = calc.compute_inventory(table, resolution(), gwp_set="AR5", level="basic")
    assert result.missing_factors == ["waste_incineration"]


@pytest.mark.parametrize(
    ("quantity", "unit", "dimension", "expected"),
    [
        (1, "MWh", "energy", 1000.0),
        (2.5, "万kWh", "energy", 25_000.0),
        (3, "万m3", "volume", 30_000.0),
        (1.2, "t", "mass", 1200.0),
        (500, "MJ", "heat", 0.5),
        (1, "MWh_th", "heat", 3.6),
        (15, "亩", "area", 10_000.0),
        (2, "ha", "area", 20_000.0),
        (100, "度", "energy", 100.0),
    ],
)
def test_unit_conversions(quantity, unit, dimension, expected):
    assert units.to_canonical(quantity, unit, dimension) == pytest.approx(expected, rel=1e-12)


def test_published_factor_conversions():
    # 1,000 m³ of natural gas at 2.1622 kgCO2/m³ → 2.1622 t.
    ng = registry.to_factor(FACTORS["cn.fuel.natural_gas.co2"])
    assert 1000 * ng.kg_per_unit / 1000 == pytest.approx(2.1622, abs=1e-12)
    # 0.5703 tCO2/MWh is 0.5703 kgCO2/kWh.
    assert registry.to_factor(FACTORS["cn.grid.compliance.2023-2025"]).kg_per_unit == (
        pytest.approx(0.5703)
    )
    # 0.11 tCO2/GJ of heat: 1 MWh of heat (3.6 GJ) → 0.396 t.
    heat = registry.to_factor(FACTORS["cn.heat.purchased.co2"])
    assert units.to_canonical(1, "MWh_th", "heat") * heat.kg_per_unit == pytest.approx(396.0)
    # 100 L of diesel at 0.830 kg/L × 3.0959 kgCO2/kg = 256.96 kg.
    diesel = registry.to_factor(FACTORS["cn.fuel.diesel.co2"])
    kg = units.to_canonical(100, "L", "mass", density_kg_per_l=0.830)
    assert kg * diesel.kg_per_unit == pytest.approx(256.9597, abs=1e-4)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: units.to_canonical(1, "furlong", "energy"), "unknown_unit"),
        (lambda: units.to_canonical(1, "kWh", "mass"), "wrong_dimension"),
        (lambda: units.to_canonical(1, "L", "mass"), "no_density"),
    ],
)
def test_unit_errors_have_codes(call, code):
    with pytest.raises(units.UnitError) as info:
        call()
    assert info.value.code == code


def test_registry_sources_are_complete():
    for spec in registry.shipped_factors():
        assert spec["source"] and spec["reference"], spec["id"]
        assert spec["series"] in (
            "average",
            "excl_market_nonfossil",
            "fossil",
            "compliance",
            "default",
        ), spec["id"]
        if not spec["verified"]:
            assert spec.get("note"), f"{spec['id']}: an unverified factor must say why"


def test_yoy_worked_example_is_exact():
    base = {"electricity_grid": (1_600_000, 898.72), "natural_gas": (100_000, 216.886)}
    current = {"electricity_grid": (1_500_000, 825.0), "natural_gas": (95_000, 206.0417)}
    d = yoy.decompose(base, current)
    assert d.change_pct == pytest.approx(-7.580, abs=0.001)
    assert d.activity_effect_tco2e == pytest.approx(-66.434, abs=0.001)
    assert d.factor_effect_tco2e == pytest.approx(-18.131, abs=0.001)
    assert d.activity_effect_pct == pytest.approx(-5.955, abs=0.001)
    assert d.factor_effect_pct == pytest.approx(-1.625, abs=0.001)
    assert d.activity_effect_tco2e + d.factor_effect_tco2e == pytest.approx(
        d.change_tco2e, abs=1e-9
    )
    assert d.largest("factor").key == "electricity_grid"
    assert yoy.log_mean(825.0, 898.72) == pytest.approx(861.334, abs=0.001)


def test_yoy_parts_sum_with_lines_appearing_and_disappearing():
    base = {"a": (10.0, 5.0), "b": (4.0, 2.0)}
    current = {"a": (12.0, 4.0), "c": (7.0, 3.0)}
    d = yoy.decompose(base, current)
    assert d.activity_effect_tco2e + d.factor_effect_tco2e == pytest.approx(d.change_tco2e)
    lines = {ln.key: ln for ln in d.lines}
    assert lines["b"].activity_effect == -2.0 and lines["c"].activity_effect == 3.0


@pytest.mark.parametrize("base", [None, {}, {"a": (0.0, 0.0)}])
def test_no_base_never_divides_by_zero(base):
    d = yoy.decompose(base, {"a": (10.0, 5.0)})
    assert d.no_base is True
    assert d.change_pct is None and d.activity_effect_pct is None
    assert not any(isinstance(v, float) and math.isinf(v) for v in d.to_dict().values())


def test_charging_co2_by_hand():
    from nearzero.core.energy.charging import charging_co2

    # 30 kWh / 0.15 kWh/km = 200 km; × 0.07 L/km = 14 L; × 0.7475 kg/L × 2.9251 = 30.611 kg;
    # grid 30 × 0.5617 = 16.851 kg; net 13.760 kg.
    result = charging_co2(30, "ev", gasoline_kgco2_per_kg=2.9251, grid_kgco2_per_kwh=0.5617)
    assert result.km == pytest.approx(200)
    assert result.petrol_kgco2_avoided == pytest.approx(30.611, abs=1e-3)
    assert result.net_avoided_kgco2 == pytest.approx(13.760, abs=1e-3)
