"""Demo inventories. Dongping: 2023 (baseline, pinned to the 2022 grid factors) and 2024
(rooftop PV on the centre from January 2024, pinned to the 2023 factors). Qiyang: 2022 and
2023 (BASIC+, hydro self-supply, sinks from green space and farmland, offsets bought), about
5% lower in 2023. Quantities are plausible, not measured; the generator is seeded."""

from __future__ import annotations

import datetime as dt
import json
import random

from nearzero.sites.choices import SiteKind

from . import services
from .models import EmissionFactor, FactorSet

SEED = 20230101
#: Relative monthly electricity use of Yangtze-delta households (summer cooling, winter heating).
ELECTRICITY_SEASON = [1.15, 1.05, 0.85, 0.80, 0.85, 0.95, 1.30, 1.35, 1.00, 0.85, 0.85, 1.05]
GAS_SEASON = [1.35, 1.25, 1.10, 0.95, 0.85, 0.75, 0.70, 0.70, 0.80, 0.90, 1.05, 1.30]


def _monthly(total: float, season: list[float], rng: random.Random) -> list[float]:
    weights = [w * rng.uniform(0.97, 1.03) for w in season]
    scale = total / sum(weights)
    return [round(w * scale, 1) for w in weights]


def _row(
    month,
    activity_type,
    category,
    quantity,
    unit,
    label="",
    method="measured",
    rating="high",
    gpc_ref="",
):
    return {
        "month": month,
        "activity_type": activity_type,
        "category": category,
        "quantity": quantity,
        "unit": unit,
        "label": label,
        "quality_method": method,
        "quality_rating": rating,
        "gpc_ref": gpc_ref,
    }


def _load(inventory, rows: list[dict]) -> None:
    numbered = list(enumerate(rows, start=2))
    services.import_activity_rows(
        inventory,
        numbered,
        actor=None,
        origin="demo",
        content=json.dumps(rows, ensure_ascii=False, sort_keys=True).encode(),
        filename=f"demo-{inventory.community.slug}-{inventory.year}",
    )


def _dongping_rows(year: int, sites, rng: random.Random) -> list[dict]:
    later = year >= 2024
    rows = []
    residential = 6_120 * (1_010 if later else 1_000)
    for m, q in enumerate(_monthly(residential, ELECTRICITY_SEASON, rng), start=1):
        rows.append(_row(m, "electricity_grid", "residential", q, "kWh", "全体居民 residents"))
    for m, q in enumerate(_monthly(268_800 * (0.98 if later else 1.0), GAS_SEASON, rng), start=1):
        rows.append(_row(m, "natural_gas", "residential", q, "m3", "管道燃气 piped gas"))
    for m in range(1, 13):
        rows.append(
            _row(
                m,
                "lpg",
                "residential",
                round(5_400 * rng.uniform(0.9, 1.1), 1),
                "kg",
                "瓶装液化气 bottled LPG",
                method="estimated",
                rating="medium",
            )
        )
        rows.append(
            _row(
                m,
                "tap_water",
                "residential",
                round(24_000 * rng.uniform(0.92, 1.08)),
                "m3",
                "全体居民 residents",
            )
        )
        residual_t = 84 * (0.92 if later else 1.0) * rng.uniform(0.95, 1.05)
        rows.append(
            _row(m, "waste_landfill", "waste", round(residual_t, 2), "t", "其他垃圾 residual waste")
        )
    base_kwh = {
        SiteKind.CENTRE: 160_000,
        SiteKind.STATION: 30_000,
        SiteKind.POST: 6_000,
        SiteKind.PARTNER: 40_000,
    }
    for site in sites:
        annual = base_kwh[site.kind]
        if later and site.kind == SiteKind.CENTRE:
            continue  # from 2024 the centre's meters report it (nearzero.energy.demo)
        for m, q in enumerate(_monthly(annual, ELECTRICITY_SEASON, rng), start=1):
            rows.append(_row(m, "electricity_grid", "public", q, "kWh", site.name_zh))
    if later:
        for m, q in enumerate(_monthly(38_000, [1.0] * 12, rng), start=1):
            rows.append(
                _row(m, "electricity_grid", "transport", q, "kWh", "充电哨兵 charging sentinels")
            )
    cars_l = 1_150 * 8_000 * 0.07 * (0.96 if later else 1.0)
    rows.append(
        _row(
            0,
            "gasoline",
            "transport",
            round(cars_l),
            "L",
            "居民私家车 private cars",
            method="downscaled",
            rating="low",
        )
    )
    rows.append(
        _row(
            0,
            "diesel",
            "agriculture",
            18_000,
            "L",
            "农机 farm machinery",
            method="estimated",
            rating="medium",
        )
    )
    return rows


def _qiyang_rows(year: int, rng: random.Random) -> list[dict]:
    f = 0.955 if year >= 2023 else 1.0  # the 2023 programme's effect on activity
    rows = []
    for m, q in enumerate(_monthly(2_250_000 * f, ELECTRICITY_SEASON, rng), start=1):
        rows.append(_row(m, "electricity_grid", "residential", q, "kWh", "全体居民 residents"))
    for m, q in enumerate(_monthly(600_000, [1.0] * 12, rng), start=1):
        rows.append(
            _row(
                m,
                "renewable_self_consumed",
                "residential",
                q,
                "kWh",
                "岐阳水电站自供 hydro self-supply",
            )
        )
    for m, q in enumerate(
        _monthly(3_400_000, [0.6, 0.6, 0.8, 1.0, 1.2, 1.4, 1.5, 1.4, 1.2, 0.9, 0.7, 0.6], rng),
        start=1,
    ):
        rows.append(_row(m, "renewable_exported", "other", q, "kWh", "岐阳水电站上网 hydro export"))
    for m, q in enumerate(_monthly(150_000 * f, ELECTRICITY_SEASON, rng), start=1):
        rows.append(_row(m, "electricity_grid", "public", q, "kWh", "党群服务中心及站点 centre"))
    for m, q in enumerate(_monthly(126_000 * f, GAS_SEASON, rng), start=1):
        rows.append(
            _row(
                m,
                "lpg",
                "residential",
                q,
                "kg",
                "瓶装液化气 bottled LPG",
                method="estimated",
                rating="medium",
            )
        )
    rows.append(
        _row(
            0,
            "coal",
            "residential",
            round(20_000 * (0.8 if year >= 2023 else 1.0)),
            "kg",
            "散煤 loose coal",
            method="estimated",
            rating="low",
        )
    )
    rows.append(
        _row(
            0,
            "gasoline",
            "transport",
            round(126_000 * f),
            "L",
            "居民车辆 residents' cars",
            method="downscaled",
            rating="low",
        )
    )
    rows.append(
        _row(
            0,
            "diesel",
            "agriculture",
            round(25_000 * f),
            "L",
            "农机 farm machinery",
            method="estimated",
            rating="medium",
        )
    )
    rows.append(
        _row(
            0,
            "fertilizer_n",
            "agriculture",
            round(12_000 * f),
            "kg",
            "800亩复耕农田 re-cultivated farmland",
            method="estimated",
            rating="medium",
        )
    )
    for m in range(1, 13):
        rows.append(
            _row(
                m,
                "waste_landfill",
                "waste",
                round(54 * (0.948 if year >= 2023 else 1.0) * rng.uniform(0.95, 1.05), 2),
                "t",
                "其他垃圾 residual waste",
            )
        )
    return rows


#: Why a GPC row has no data in the demo communities (GPC v1.1 notation keys).
NOTATIONS = {
    "I.1.3": ("NE", "输配电损耗未估算 Transmission and distribution losses not estimated"),
    "I.2.1": ("NO", "公共建筑仅用电 Public buildings use electricity only"),
    "I.2.3": ("NE", "输配电损耗未估算 Transmission and distribution losses not estimated"),
    "I.3.1": ("NO", "社区内无制造业 No manufacturing in the community"),
    "I.3.2": ("NO", "社区内无制造业 No manufacturing in the community"),
    "I.3.3": ("NO", "社区内无制造业 No manufacturing in the community"),
    "I.4.1": ("NO", "社区内无发电厂 No power plant in the community"),
    "I.4.2": ("NO", "社区内无发电厂 No power plant in the community"),
    "I.4.3": ("NO", "社区内无发电厂 No power plant in the community"),
    "I.5.1": ("IE", "农机燃油计入 II.5.1 Farm machinery fuel is reported in II.5.1"),
    "I.5.2": ("IE", "农业用电计入居民电表 Farm electricity is metered with households"),
    "I.5.3": ("NE", "输配电损耗未估算 Transmission and distribution losses not estimated"),
    "I.6.1": ("NO", "排放源均已归入具体部门 All sources are allocated to sub-sectors"),
    "I.6.2": ("NO", "排放源均已归入具体部门 All sources are allocated to sub-sectors"),
    "I.6.3": ("NO", "排放源均已归入具体部门 All sources are allocated to sub-sectors"),
    "I.7.1": ("NO", "无煤炭开采 No coal mining"),
    "I.8.1": ("NE", "燃气管网逸散未估算 Gas network leaks not estimated"),
    "II.1.2": ("NO", "当年无公共充电设施 No public charging that year"),
    "II.1.3": ("NE", "跨边界交通未估算 Transboundary trips not estimated"),
    "II.2.1": ("NO", "无铁路 No railway"),
    "II.2.2": ("NO", "无铁路 No railway"),
    "II.2.3": ("NE", "跨边界交通未估算 Transboundary trips not estimated"),
    "II.3.1": ("NO", "无水运 No waterborne transport"),
    "II.3.2": ("NO", "无电动船舶 No electric vessels"),
    "II.3.3": ("NE", "跨边界交通未估算 Transboundary trips not estimated"),
    "II.4.1": ("NO", "无机场 No airport"),
    "II.4.2": ("NO", "无机场 No airport"),
    "II.4.3": ("NE", "居民航空出行未估算 Residents' flights not estimated"),
    "II.5.2": ("NO", "无电动非道路机械 No electric off-road machinery"),
    "III.1.1": ("NO", "社区内无填埋场，垃圾外运（见 III.1.2） No landfill in the community"),
    "III.2.1": ("NE", "湿垃圾就地堆肥未估算 On-site composting of wet waste not estimated"),
    "III.2.2": ("NE", "湿垃圾外运处理未估算 Wet waste treated elsewhere not estimated"),
    "III.3.1": ("NO", "社区内无焚烧 No incineration in the community"),
    "III.3.2": ("NO", "其他垃圾全部填埋 Residual waste goes to landfill"),
    "III.4.1": ("NO", "社区内无污水处理厂 No wastewater plant in the community"),
    "III.4.2": ("NE", "镇污水厂处理排放未估算 Treatment at the town plant not estimated"),
    "IV.1": ("NO", "无工业过程 No industrial processes"),
    "IV.2": ("NE", "产品使用（制冷剂等）未估算 Product use (refrigerants) not estimated"),
    "V.1": ("NE", "散养畜禽未估算 Backyard livestock not estimated"),
    "V.2": (
        "NE",
        "土地利用变化未估算，碳汇单列 Land-use change not estimated; sinks listed separately",
    ),
}


def _explain_missing_rows(inventory, overrides: dict[str, tuple[str, str]]) -> None:
    from .selectors import completeness, compute

    missing = completeness(inventory, compute(inventory).result)["missing"]
    for ref in missing:
        key, why = overrides.get(ref) or NOTATIONS[ref]
        services.set_notation(inventory, actor=None, gpc_ref=ref, key=key, explanation=why)


def load(tree) -> None:
    rng = random.Random(SEED)
    sets = {s.code: s for s in FactorSet.objects.filter(code__in=["cn-2022", "cn-2023"])}
    dongping_sites = list(tree.dongping_sites)
    for year, code, baseline in ((2023, "cn-2022", True), (2024, "cn-2023", False)):
        inventory = services.create_inventory(
            actor=None,
            community=tree.dongping,
            year=year,
            factor_set=sets[code],
            is_baseline=baseline,
        )
        _load(inventory, _dongping_rows(year, dongping_sites, rng))
        _explain_missing_rows(
            inventory, {"II.3.1": ("NE", "崇明岛渡轮未估算 Island ferries not estimated")}
        )

    canopy = EmissionFactor.objects.get(code="ipcc2006.sink.tree_canopy")
    trees = EmissionFactor.objects.get(code="derived.sink.tree_count")
    farmland = services.add_local_factor(
        actor=None,
        community=tree.qiyang,
        code="local.qiyang.sink.farmland_straw_return",
        activity_type="sink_farmland",
        gas="CO2",
        value="1.1",
        unit="tCO2/ha/yr",
        mass="t",
        per="ha",
        series="default",
        geography_level="local",
        geography_code="qiyang",
        published="2023",
        source="岐阳社区农田秸秆还田固碳测算（示例）",
        reference="demo",
        verified=False,
        note="Illustrative demo value for straw return on re-cultivated farmland; replace with "
        "a measured or published local rate.",
    )
    cn2022 = sets["cn-2022"]
    for year in (2022, 2023):
        inventory = services.create_inventory(
            actor=None,
            community=tree.qiyang,
            year=year,
            level="basic_plus",
            factor_set=cn2022,
            is_baseline=year == 2022,
        )
        _load(inventory, _qiyang_rows(year, rng))
        services.add_sink(
            inventory,
            actor=None,
            kind="tree_canopy",
            quantity=18,
            unit="ha",
            rate=canopy,
            label="湿地公园与微绿地 wetland park and pocket parks",
        )
        services.add_sink(
            inventory,
            actor=None,
            kind="tree_count",
            quantity=2_400,
            unit="item",
            rate=trees,
            label="道路行道树 street trees",
        )
        services.add_sink(
            inventory,
            actor=None,
            kind="farmland",
            quantity=800,
            unit="mu",
            rate=farmland,
            label="800亩复耕农田 re-cultivated farmland",
        )
        if year == 2023:
            services.retire_unit(
                inventory,
                actor=None,
                use="offset",
                scheme="chengdu_tanhui",
                serial="THTF-2023-SL-000417",
                quantity=120,
                unit="tCO2e",
                retired_on=dt.date(2023, 12, 20),
                note="碳惠天府 reductions bought for the pilot",
            )
        _explain_missing_rows(
            inventory,
            {
                "I.4.1": ("NO", "水电站不燃烧燃料 The hydro station burns no fuel"),
                "I.4.2": ("IE", "水电站自用电为自发水电 The station uses its own hydro power"),
                "III.4.1": (
                    "NE",
                    "离网污水处理设施排放未估算 Off-grid sewage treatment not estimated",
                ),
                "V.1": ("NO", "无规模化养殖 No livestock farming"),
            },
        )
