"""Demo assessments, action plans and minutes, written through the services.

- Dongping (existing urban, Shanghai), period 2024: the nearzero default standard, submitted,
  sent back by the district and submitted again (two submissions in its history); the NDRC
  2015 guide as a draft. Realistic gaps: a 3.4% reduction against the 2023 baseline (10%
  needed), 83% of residents within a 15-minute walk (90%), a waste-sorting rate of 24% (30%).
- Qiyang (rural, Chengdu), period 2023: the Chengdu 2022 rules submitted (intensity and total
  down 5.3%, 120 tCO2e of 碳惠天府 offsets), the default standard and NDRC as drafts; the
  checklist of tasks, the 7 key construction projects and the tripartite meeting minutes.

Manual values carry their evidence: small CSV ledgers whose figures give the value entered.
"""

from __future__ import annotations

import datetime as dt

from nearzero.sites.choices import SiteKind

from . import services
from .choices import MeetingKind, ProjectStatus, Stage, TaskStatus

#: Sichuan's 2022 provincial grid factor, kgCO2/kWh (MEE/NBS 2024-12), used to turn the
#: Qiyang projects' electricity into expected reductions.
SICHUAN_2022_KG_PER_KWH = 0.1404


def _ledger(title: str, rows: list[tuple[str, float, float]], unit: str) -> tuple[bytes, float]:
    """A monthly ledger CSV (month, part, whole) and the share it gives [%]."""
    lines = [f"# {title}", f"month,sorted_{unit},total_{unit}"]
    lines += [f"{m},{a:.1f},{b:.1f}" for m, a, b in rows]
    part, whole = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines.append(f"total,{part:.1f},{whole:.1f}")
    return ("\n".join(lines) + "\n").encode("utf-8"), round(100.0 * part / whole, 1)


def _monthly(year: int, shares: list[float], total_per_month: float):
    return [
        (f"{year}-{m:02d}", total_per_month * s, total_per_month) for m, s in enumerate(shares, 1)
    ]


def _enter(assessment, indicator: str, value, note: str = "", evidence=None) -> None:
    services.set_manual_value(
        actor=None, assessment=assessment, indicator_id=indicator, value=value, note=note
    )
    if evidence is not None:
        title, data, filename = evidence
        services.add_evidence(
            actor=None,
            assessment=assessment,
            indicator_id=indicator,
            title=title,
            data=data,
            filename=filename,
        )


def _dongping(community) -> None:
    sorting, sorting_pct = _ledger(
        "东平镇社区 2024 年生活垃圾分类收集台账 (t)",
        _monthly(
            2024, [0.21, 0.22, 0.22, 0.23, 0.24, 0.24, 0.25, 0.25, 0.25, 0.26, 0.26, 0.25], 86
        ),
        "t",
    )
    assert sorting_pct == 24.0, sorting_pct
    minutes_text = "东平镇近零碳社区三方联席会议纪要 2024-02-27\n".encode()
    minutes = services.add_minutes(
        actor=None,
        community=community,
        title="东平镇近零碳社区三方联席会议（第一次）",
        kind=MeetingKind.TRIPARTITE,
        meeting_date=dt.date(2024, 2, 27),
        attendees="东平镇人民政府、东平镇社区居委会、崇明区光伏运维企业、上海电力崇明供电公司",
        summary=(
            "确定“1+6+10+X”阵地分工；党群服务中心及6个服务站屋顶光伏由企业运维；"
            "红梅驿站承担垃圾分类督导与绿植认养；每月第一周发布低碳成果公告。"
        ),
        data=minutes_text,
        filename="tripartite-2024-02-27.txt",
    )
    default = services.start_assessment(
        actor=None, community=community, standard_id="nearzero-default", year=2024
    )
    _enter(
        default,
        "waste_sorting_rate",
        22.0,
        "按收运单位季度报表估算",
    )
    services.add_evidence(
        actor=None,
        assessment=default,
        indicator_id="waste_sorting_rate",
        title="2024 年第四季度收运报表",
        data=b"quarter,sorted_t,total_t\n2024Q4,56.8,258.0\n",
        filename="sorting-2024q4.csv",
    )
    _enter(
        default,
        "tripartite_mechanism",
        True,
        minutes.title,
        ("三方联席会议纪要", minutes_text, "tripartite.txt"),
    )
    services.submit(actor=None, assessment=default, stage=Stage.SELF, note="社区自评")
    services.reopen(
        actor=None, assessment=default, reason="区级预验收退回：垃圾分类收集率须以全年台账为据"
    )
    _enter(
        default,
        "waste_sorting_rate",
        sorting_pct,
        "全年台账：分类收集量 / 生活垃圾总量",
        ("2024 年生活垃圾分类收集台账", sorting, "sorting-ledger-2024.csv"),
    )
    services.submit(
        actor=None, assessment=default, stage=Stage.SELF, note="按区级意见补充台账后重报"
    )

    ndrc = services.start_assessment(
        actor=None, community=community, standard_id="ndrc-2015", year=2024
    )
    transit, transit_pct = _ledger(
        "东平镇 2024 年居民出行抽样调查（人次）",
        [("2024-05", 412, 1084)],
        "trips",
    )
    _enter(
        ndrc,
        "public_transport_share",
        transit_pct,
        "5 月入户出行抽样调查",
        ("居民出行抽样调查", transit, "trips-2024-05.csv"),
    )
    _enter(
        ndrc,
        "waste_sorting_rate",
        sorting_pct,
        "全年台账",
        ("2024 年生活垃圾分类收集台账", sorting, "sorting-ledger-2024.csv"),
    )
    water, water_pct = _ledger(
        "东平镇社区 2024 年非传统水源利用 (m³)",
        _monthly(
            2024, [0.10, 0.10, 0.12, 0.12, 0.14, 0.14, 0.13, 0.13, 0.12, 0.11, 0.10, 0.11], 9200
        ),
        "m3",
    )
    _enter(
        ndrc,
        "non_traditional_water",
        water_pct,
        "雨水回用 / 用水总量",
        ("非传统水源利用台账", water, "water-2024.csv"),
    )
    _enter(ndrc, "resource_recovery_rate", 35.0, "再生资源回收站估算，台账待补")

    stations = {s.name_zh: s for s in community.sites.filter(kind=SiteKind.STATION)}
    station = next(iter(stations.values()), None)
    for title, status, due, ref, owner_site in (
        (
            "在覆盖缺口处增设红梅驿站（选址见15分钟低碳圈）",
            TaskStatus.DOING,
            dt.date(2025, 6, 30),
            "nearzero-default:circle_coverage",
            None,
        ),
        (
            "垃圾分类收集台账按月报送街道",
            TaskStatus.DONE,
            dt.date(2024, 12, 31),
            "nearzero-default:waste_sorting_rate",
            station,
        ),
        (
            "编制 2025 年度减排措施清单，补足基准年下降差距",
            TaskStatus.TODO,
            dt.date(2025, 3, 31),
            "nearzero-default:carbon_reduction",
            None,
        ),
        (
            "开展居民出行抽样调查（每年 5 月）",
            TaskStatus.DONE,
            dt.date(2024, 5, 31),
            "ndrc-2015:public_transport_share",
            None,
        ),
    ):
        services.save_task(
            actor=None,
            community=community,
            title=title,
            status=status,
            due_date=due,
            indicator_ref=ref,
            owner_site=owner_site,
            done_at=due if status == TaskStatus.DONE else None,
            owner="" if owner_site else "东平镇社区居委会",
        )


def _qiyang(community) -> None:
    services.add_minutes(
        actor=None,
        community=community,
        title="岐阳社区近零碳试点街道—社区—企业三方会议",
        kind=MeetingKind.TRIPARTITE,
        meeting_date=dt.date(2023, 3, 15),
        attendees="彭镇人民政府、岐阳社区两委、小水电站运营企业、农业合作社",
        summary=(
            "通过碳盘查结果（摸清碳家底）；确定7个重点建设项目及责任单位；"
            "设立低碳基金池，购买碳惠天府减排量抵消部分排放；建立清单化管理台账。"
        ),
    )
    services.add_minutes(
        actor=None,
        community=community,
        title="清单化管理季度推进会",
        kind=MeetingKind.WORKING,
        meeting_date=dt.date(2023, 9, 20),
        attendees="岐阳社区两委、志愿者队伍代表",
        summary="检查重点项目进度；充电桩项目因电力增容延期；秸秆还田扩至 800 亩。",
    )
    chengdu = services.start_assessment(
        actor=None, community=community, standard_id="chengdu-2022", year=2023
    )
    services.submit(actor=None, assessment=chengdu, stage=Stage.SELF, note="试点自评")

    default = services.start_assessment(
        actor=None, community=community, standard_id="nearzero-default", year=2023
    )
    sorting, sorting_pct = _ledger(
        "岐阳社区 2023 年生活垃圾分类收集台账 (t)",
        _monthly(
            2023, [0.38, 0.39, 0.40, 0.40, 0.41, 0.41, 0.42, 0.42, 0.43, 0.43, 0.44, 0.43], 31
        ),
        "t",
    )
    _enter(
        default,
        "waste_sorting_rate",
        sorting_pct,
        "全年台账",
        ("2023 年生活垃圾分类收集台账", sorting, "sorting-ledger-2023.csv"),
    )
    _enter(
        default,
        "tripartite_mechanism",
        True,
        "2023-03-15 三方会议",
        ("三方会议纪要", "岐阳社区三方会议纪要 2023-03-15\n".encode(), "tripartite-2023.txt"),
    )
    ndrc = services.start_assessment(
        actor=None, community=community, standard_id="ndrc-2015", year=2023
    )
    _enter(
        ndrc,
        "waste_sorting_rate",
        sorting_pct,
        "全年台账",
        ("2023 年生活垃圾分类收集台账", sorting, "sorting-ledger-2023.csv"),
    )
    _enter(ndrc, "non_traditional_water", 45.0, "雨水收集与离网污水处理回用，水务台账待上传")

    def kwh_t(kwh: float) -> float:
        return round(kwh * SICHUAN_2022_KG_PER_KWH / 1000, 1)

    projects = (
        (
            "小水电站就地消纳（60 万 kWh/年供社区）",
            "Hydro station: 600,000 kWh/yr used locally",
            ProjectStatus.DONE,
            1_200_000,
            100,
            kwh_t(600_000),
            kwh_t(600_000),
            dt.date(2022, 3, 1),
            dt.date(2023, 6, 30),
            "彭镇水电站运营企业",
        ),
        (
            "二星级绿色建筑改造（党群服务中心及 3 栋住宅）",
            "Two-star green building retrofit (centre and 3 blocks)",
            ProjectStatus.BUILDING,
            2_800_000,
            65,
            120.0,
            60.0,
            dt.date(2023, 3, 1),
            dt.date(2027, 6, 30),
            "岐阳社区两委",
        ),
        (
            "雨水收集与离网污水处理",
            "Rainwater collection and off-grid sewage treatment",
            ProjectStatus.BUILDING,
            900_000,
            80,
            8.0,
            5.0,
            dt.date(2023, 4, 1),
            dt.date(2027, 12, 31),
            "彭镇水务站",
        ),
        (
            "生态湿地（碳汇）",
            "Ecological wetland (carbon sink)",
            ProjectStatus.DONE,
            1_500_000,
            100,
            30.0,
            30.0,
            dt.date(2022, 10, 1),
            dt.date(2023, 10, 31),
            "岐阳社区两委",
        ),
        (
            "光伏座椅与新能源路灯",
            "PV benches and new-energy street lamps",
            ProjectStatus.BUILDING,
            450_000,
            40,
            kwh_t(18_000),
            kwh_t(7_200),
            dt.date(2023, 5, 1),
            dt.date(2024, 12, 31),
            "光伏座椅休憩点",
        ),
        (
            "新能源汽车充电桩",
            "Electric-vehicle chargers",
            ProjectStatus.BUILDING,
            600_000,
            30,
            12.0,
            3.0,
            dt.date(2023, 6, 1),
            dt.date(2024, 6, 30),
            "便民充电站",
        ),
        (
            "800 亩农田复耕与秸秆还田循环",
            "800 mu of re-cultivated farmland, crop–straw–field cycle",
            ProjectStatus.BUILDING,
            2_000_000,
            55,
            150.0,
            80.0,
            dt.date(2023, 2, 1),
            dt.date(2027, 10, 31),
            "岐阳农业合作社",
        ),
    )
    sites = {s.name_zh: s for s in community.sites.all()}
    for zh, en, status, budget, progress, expected, achieved, start, due, owner in projects:
        services.save_project(
            actor=None,
            community=community,
            name_zh=zh,
            name_en=en,
            status=status,
            budget_yuan=budget,
            progress_pct=progress,
            expected_reduction_tco2e_yr=expected,
            achieved_reduction_tco2e_yr=achieved,
            start_date=start,
            due_date=due,
            owner_site=sites.get(owner),
            owner="" if owner in sites else owner,
        )
    for title, status, due, ref in (
        (
            "完成 2022 年碳盘查，摸清碳家底",
            TaskStatus.DONE,
            dt.date(2023, 3, 31),
            "nearzero-default:carbon_reduction",
        ),
        (
            "购买碳惠天府减排量 120 tCO2e 抵消部分排放",
            TaskStatus.DONE,
            dt.date(2023, 12, 31),
            "chengdu-2022:offsets_purchased",
        ),
        ("编制社区低碳运营管理手册", TaskStatus.DONE, dt.date(2023, 6, 30), ""),
        ("建立社区碳排放数据库（月度录入）", TaskStatus.DONE, dt.date(2023, 6, 30), ""),
        (
            "志愿者队伍低碳知识培训（每季度）",
            TaskStatus.DOING,
            dt.date(2026, 12, 31),
            "nearzero-default:knowledge_rate",
        ),
        (
            "社区活动加贴碳标签",
            TaskStatus.TODO,
            dt.date(2024, 3, 31),
            "nearzero-default:events_held",
        ),
        (
            "设立低碳基金池并公示收支",
            TaskStatus.DONE,
            dt.date(2023, 9, 30),
            "nearzero-default:fund_pool",
        ),
        ("充电桩电力增容申请", TaskStatus.BLOCKED, dt.date(2024, 3, 31), ""),
        (
            "上传水务台账，佐证非传统水源利用率",
            TaskStatus.TODO,
            dt.date(2024, 1, 31),
            "ndrc-2015:non_traditional_water",
        ),
    ):
        services.save_task(
            actor=None,
            community=community,
            title=title,
            status=status,
            due_date=due,
            indicator_ref=ref,
            owner="岐阳社区两委",
            done_at=due if status == TaskStatus.DONE else None,
        )


def load(tree) -> None:
    _dongping(tree.dongping)
    _qiyang(tree.qiyang)
