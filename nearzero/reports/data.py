"""What each report says, gathered once from the domains' selectors as plain dataclasses.

The PDF and the DOCX of a report are drawn from the same dataclass, so they cannot disagree.
Numbers stay numbers here (formatting is the layout's job); names and labels are read in the
language the caller activated (:func:`django.utils.translation.override`).

Nothing here writes. Every figure comes from a selector of the domain that owns it
(inventory, energy, engagement, points, circle, evaluation, sites); the few facts no selector
offers (the years with data, an assessment's state, the ledger's monthly totals) are
read-only queries.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from nearzero.core.ghg import reference

#: Years a report may be asked for (a typo such as 20244 is refused, not rendered empty).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class ReportError(ValueError):
    """A report that cannot be made; ``code`` is stable (views answer 404, the CLI exits 2)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


# --- shared pieces -------------------------------------------------------------------------


@dataclass
class Profile:
    name: str
    name_zh: str
    slug: str
    region: str  # "上海市 崇明区 东平镇"
    population: int
    households: int
    floor_area_m2: float
    pilot_type: str
    pilot_type_label: str
    province_label: str
    grid_region_label: str
    sites_by_kind: list[tuple[str, int]]  # (label, count) in kind order
    sites_total: int
    buildings: int
    households_registered: int
    residents_registered: int


@dataclass
class SectorRow:
    code: str  # GPC sector "I" … "VI"
    label: str
    tco2e: float
    share_pct: float


@dataclass
class InventorySummary:
    year: int
    is_baseline: bool
    factor_set: str
    gwp_set: str
    level: str
    gross_tco2e: float
    sinks_tco2e: float
    offsets_tco2e: float
    net_tco2e: float
    per_resident_tco2e: float | None
    base_year: int | None
    change_pct: float | None  # gross against the previous inventory [%]
    change_sentence: str
    by_sector: list[SectorRow]
    by_scope: dict[str, float]
    #: category label → 12 monthly values [tCO2e]; the "year" records go to ``annual_only``.
    by_category_month: list[tuple[str, list[float]]]
    annual_only_tco2e: float
    by_category: list[tuple[str, float]]


@dataclass
class EvaluationSummary:
    standard_id: str
    standard_name: str
    reference: str
    status: str
    status_label: str
    result: str
    result_label: str
    score_pct: float | None
    pass_score_pct: float
    counts: dict[str, int]
    gaps: list[str]


# --- the acceptance report -----------------------------------------------------------------


@dataclass
class IndicatorRow:
    id: str
    name: str
    group: str
    reference: str
    required: bool
    threshold_text: str
    value: float | bool | None
    value_text: str
    unit: str
    detail: str
    source: str  # "circle.coverage_pct" or "manual"
    source_label: str
    status: str
    status_label: str
    evidence_required: bool
    evidence_count: int
    weight: float
    points: float


@dataclass
class TaskRow:
    title: str
    owner: str
    due_date: dt.date | None
    status_label: str
    overdue: bool
    indicator_ref: str


@dataclass
class ProjectRow:
    name: str
    owner: str
    status_label: str
    budget_yuan: float
    progress_pct: int
    expected_tco2e_yr: float
    achieved_tco2e_yr: float
    due_date: dt.date | None
    overdue: bool


@dataclass
class MinutesRow:
    meeting_date: dt.date
    kind_label: str
    title: str
    attendees: str
    summary: str


@dataclass
class SubmissionRow:
    number: int
    stage_label: str
    submitted_on: dt.date
    submitted_by: str
    result_label: str
    score_pct: float | None
    note: str


@dataclass
class ActionPlan:
    tasks: list[TaskRow]
    projects: list[ProjectRow]
    minutes: list[MinutesRow]
    open_tasks: int
    overdue_tasks: int
    budget_yuan: float
    progress_pct: float | None
    expected_tco2e_yr: float
    achieved_tco2e_yr: float


@dataclass
class AcceptanceData:
    language: str
    today: dt.date
    year: int
    profile: Profile
    standard_id: str
    standard_name: str
    standard_reference: str
    standard_issuer: str
    standard_version: str
    evaluation: EvaluationSummary
    points: float
    max_points: float
    indicators: list[IndicatorRow]
    inventory: InventorySummary | None
    plan: ActionPlan
    submissions: list[SubmissionRow]


# --- the annual report ---------------------------------------------------------------------


@dataclass
class RenewableRow:
    name: str
    kind_label: str
    capacity_kw: float | None
    annual_kwh: float | None
    used_kwh: float | None


@dataclass
class EnergySummary:
    pv_kwp: float
    pv: list[RenewableRow]
    others: list[RenewableRow]
    #: (month 1–12, {direction: kWh}) for months with readings; directions "import",
    #: "export", "generation".
    months: list[tuple[int, dict[str, float]]]


@dataclass
class EngagementMonth:
    month: int
    events: int
    participations: int
    resident_services: int
    volunteer_hours: float
    recycled_kg: float
    labelled_co2e_kg: float


@dataclass
class EngagementSummary:
    events: int
    participations: int
    distinct_participants: int
    resident_services: int
    sites_with_events: int
    quiz_takers: int
    knowledge_rate_pct: float | None
    volunteer_hours: float
    recycled_kg: float
    labelled_co2e_kg: float
    months: list[EngagementMonth]


@dataclass
class PointsSummary:
    accounts: int
    outstanding: int
    issued_total: int  # since the ledger began
    redeemed_total: int
    expired_total: int
    issued_year: int
    redeemed_year: int
    expired_year: int
    #: (month 1–12, issued, redeemed, expired) of the year.
    months: list[tuple[int, int, int, int]]
    fund_in_yuan: list[tuple[str, float]]  # (source label, yuan)
    fund_out_yuan: list[tuple[str, float]]
    fund_total_in_yuan: float
    fund_total_out_yuan: float
    fund_balance_yuan: float


@dataclass
class CircleSummary:
    coverage_pct: float
    covered_residents: int
    total_residents: int
    uncovered_residents: int
    median_walk_min: float | None
    max_walk_m: float
    sites_count: int


@dataclass
class AnnualData:
    language: str
    today: dt.date
    year: int
    profile: Profile
    inventory: InventorySummary | None
    energy: EnergySummary
    engagement: EngagementSummary
    points: PointsSummary
    circle: CircleSummary | None
    evaluations: list[EvaluationSummary] = field(default_factory=list)


# --- gathering -----------------------------------------------------------------------------


def local_today(community) -> dt.date:
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(community.time_zone)).date()


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ReportError("unknown_year", f"year {year} is outside {FIRST_YEAR}–{LAST_YEAR}")


def years(community) -> list[int]:
    """Years a report can be made for, newest first: years with an inventory, an assessment,
    held events or meter readings."""
    from nearzero.energy import selectors as energy
    from nearzero.engagement import selectors as engagement
    from nearzero.evaluation.models import Assessment
    from nearzero.inventory.models import Inventory

    found = set(Inventory.objects.filter(community=community).values_list("year", flat=True))
    found.update(Assessment.objects.filter(community=community).values_list("year", flat=True))
    for latest in (engagement.latest_year(community), energy.latest_year(community)):
        if latest:
            found.add(latest)
    return sorted(found, reverse=True)


def inventory_years(community) -> list[int]:
    from nearzero.inventory.models import Inventory

    return sorted(
        Inventory.objects.filter(community=community).values_list("year", flat=True), reverse=True
    )


def _region_path(region) -> str:
    names = []
    while region is not None:
        names.append(region.name)
        region = region.parent
    return " ".join(reversed(names))


def profile(community) -> Profile:
    from nearzero.sites import selectors as sites
    from nearzero.sites.choices import SiteKind

    summary = sites.community_summary(community)
    labels = dict(SiteKind.choices)
    return Profile(
        name=community.name,
        name_zh=community.name_zh,
        slug=community.slug,
        region=_region_path(community.region),
        population=community.population,
        households=community.households,
        floor_area_m2=float(community.floor_area_m2 or 0),
        pilot_type=community.pilot_type,
        pilot_type_label=str(community.get_pilot_type_display()),
        province_label=str(community.get_province_display()),
        grid_region_label=str(community.get_grid_region_display()),
        sites_by_kind=[(str(labels[k]), n) for k, n in summary.sites_by_kind.items()],
        sites_total=summary.sites_total,
        buildings=summary.buildings,
        households_registered=summary.households_registered,
        residents_registered=summary.residents_registered,
    )


def _sector_label(code: str, language: str) -> str:
    names = reference.gpc_sectors().get(code, {})
    return names.get("en" if language.startswith("en") else "zh", code)


def inventory_summary(community, year: int, language: str) -> InventorySummary | None:
    """The year's inventory: totals, change against the previous one, sectors, months."""
    from nearzero.inventory import selectors as inventory
    from nearzero.inventory.choices import Category
    from nearzero.inventory.models import Inventory

    row = (
        Inventory.objects.filter(community=community, year=year)
        .select_related("community", "factor_set")
        .first()
    )
    if row is None:
        return None
    earlier = inventory.previous_inventory(row)
    computed = inventory.compute_many([row, earlier] if earlier else [row])
    current = computed[row.pk]
    base, decomposition = inventory.year_on_year(current, computed[earlier.pk] if earlier else None)
    result = current.result
    gross = result.gross_tco2e
    sectors = [
        SectorRow(
            code,
            _sector_label(code, language),
            value,
            100.0 * value / gross if gross else 0.0,
        )
        for code, value in result.by_gpc_sector.items()
    ]
    months = [f"{m:02d}" for m in range(1, 13)]
    by_category_month = []
    annual_only = 0.0
    for code, label in Category.choices:
        monthly = result.by_category_month.get(code, {})
        annual_only += monthly.get("year", 0.0)
        values = [monthly.get(m, 0.0) for m in months]
        if any(values):
            by_category_month.append((str(label), values))
    categories = dict(Category.choices)
    return InventorySummary(
        year=row.year,
        is_baseline=row.is_baseline,
        factor_set=row.factor_set.code,
        gwp_set=row.gwp_set,
        level=str(row.get_level_display()),
        gross_tco2e=gross,
        sinks_tco2e=result.sinks_tco2e,
        offsets_tco2e=result.offsets_tco2e,
        net_tco2e=result.net_tco2e,
        per_resident_tco2e=result.intensity_tco2e_per_resident,
        base_year=base.year if base is not None and not decomposition.no_base else None,
        change_pct=None if base is None or decomposition.no_base else decomposition.change_pct,
        change_sentence=inventory.yoy_sentence(base, decomposition),
        by_sector=sectors,
        by_scope=dict(result.by_scope),
        by_category_month=by_category_month,
        annual_only_tco2e=annual_only,
        by_category=[
            (str(categories.get(code, code)), value)
            for code, value in result.by_category.items()
            if value
        ],
    )


def status_label(status: str) -> str:
    """The words of the evaluation pages (evaluation/_status.html)."""
    labels = {
        "pass": _("met"),
        "fail": _("not met"),
        "missing": _("no value"),
        "no_evidence": _("evidence required"),
        "not_applicable": _("not applicable"),
    }
    return labels.get(status, status)


def result_label(result: str) -> str:
    labels = {
        "pass": _("meets the standard"),
        "fail": _("does not meet the standard"),
        "incomplete": _("incomplete"),
    }
    return labels.get(result, result)


def source_label(source: str) -> str:
    domain = source.split(".", 1)[0]
    labels = {
        "inventory": _("Carbon inventory"),
        "energy": _("Energy"),
        "engagement": _("Engagement"),
        "points": _("Carbon points"),
        "circle": _("15-minute low-carbon circle"),
        "manual": _("entered with evidence"),
    }
    return labels.get(domain, source)


def _assessment_status_label(status: str) -> str:
    labels = {
        "not_started": _("not started"),
        "draft": pgettext("assessment status", "draft"),
        "submitted": pgettext("assessment status", "submitted"),
    }
    return labels.get(status, status)


def evaluation_summary(standard, evaluation, status: str) -> EvaluationSummary:
    from nearzero.evaluation import selectors as ev

    return EvaluationSummary(
        standard_id=standard.id,
        standard_name=standard.name.get(active_language()),
        reference=standard.reference,
        status=status,
        status_label=_assessment_status_label(status),
        result=evaluation.result,
        result_label=result_label(evaluation.result),
        score_pct=evaluation.score_pct,
        pass_score_pct=evaluation.pass_score_pct,
        counts=evaluation.counts(),
        gaps=[ev.gap_sentence(r) for r in evaluation.gaps],
    )


def active_language() -> str:
    from django.utils.translation import get_language

    return get_language() or "zh-hans"


def _local_date(value, community) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, zoneinfo.ZoneInfo(community.time_zone)).date()
    return value


def action_plan(community, today: dt.date) -> ActionPlan:
    from nearzero.evaluation import selectors as ev

    plan = ev.action_plan(community)
    tasks = [
        TaskRow(
            title=t.title,
            owner=t.owner_label,
            due_date=t.due_date,
            status_label=str(t.get_status_display()),
            overdue=t.is_overdue_on(today),
            indicator_ref=t.indicator_ref,
        )
        for t in plan["tasks"]
    ]
    projects = [
        ProjectRow(
            name=p.name,
            owner=p.owner_label,
            status_label=str(p.get_status_display()),
            budget_yuan=float(p.budget_yuan),
            progress_pct=p.progress_pct,
            expected_tco2e_yr=p.expected_reduction_tco2e_yr,
            achieved_tco2e_yr=p.achieved_reduction_tco2e_yr,
            due_date=p.due_date,
            overdue=p.is_overdue_on(today),
        )
        for p in plan["projects"]
    ]
    minutes = [
        MinutesRow(
            meeting_date=m.meeting_date,
            kind_label=str(m.get_kind_display()),
            title=m.title,
            attendees=m.attendees,
            summary=m.summary,
        )
        for m in sorted(plan["minutes"], key=lambda m: (m.meeting_date, m.pk))
    ]
    return ActionPlan(
        tasks=tasks,
        projects=projects,
        minutes=minutes,
        open_tasks=plan["open_tasks"],
        overdue_tasks=sum(t.overdue for t in tasks),
        budget_yuan=plan["budget_yuan"],
        progress_pct=plan["progress_pct"],
        expected_tco2e_yr=plan["expected_tco2e_yr"],
        achieved_tco2e_yr=plan["achieved_tco2e_yr"],
    )


def get_standard(standard_id: str):
    from nearzero.evaluation import selectors as ev

    try:
        return ev.get_standard(standard_id)
    except LookupError:
        raise ReportError("unknown_standard", f"no standard {standard_id!r}") from None


def default_standard(community, year: int) -> str:
    """The first standard assessed for the year (in id order), or nearzero's default."""
    from nearzero.evaluation.models import Assessment

    first = (
        Assessment.objects.filter(community=community, year=year)
        .order_by("standard")
        .values_list("standard", flat=True)
        .first()
    )
    return first or "nearzero-default"


def acceptance(
    community, standard_id: str, year: int, *, today: dt.date | None = None
) -> AcceptanceData:
    """Everything the acceptance self-evaluation report prints, in the active language."""
    from nearzero.evaluation import selectors as ev
    from nearzero.evaluation.models import Assessment

    check_year(year)
    standard = get_standard(standard_id)
    language = active_language()
    today = today or local_today(community)
    evaluation = ev.evaluation_for(community, standard_id, year)
    status = (
        Assessment.objects.filter(community=community, standard=standard_id, year=year)
        .values_list("status", flat=True)
        .first()
    ) or "not_started"
    indicators = []
    for r in evaluation.indicators:
        indicators.append(
            IndicatorRow(
                id=r.id,
                name=ev.indicator_name(r),
                group=(r.group_en if language.startswith("en") and r.group_en else r.group_zh),
                reference=r.reference,
                required=r.required,
                threshold_text=ev.threshold_text(r) if r.status != "not_applicable" else "—",
                value=r.value,
                value_text=ev.format_value(r.value, r.unit, r.kind),
                unit=r.unit,
                detail=r.detail,
                source=r.source,
                source_label=source_label(r.source),
                status=r.status,
                status_label=status_label(r.status),
                evidence_required=r.evidence_required,
                evidence_count=r.evidence_count,
                weight=r.weight,
                points=r.points,
            )
        )
    submissions = [
        SubmissionRow(
            number=s["number"],
            stage_label=str(s.get("stage_label", "")),
            submitted_on=_local_date(s["submitted_at"], community),
            submitted_by=s["submitted_by"],
            result_label=result_label(s["result"]),
            score_pct=s["score_pct"],
            note=s.get("note", ""),
        )
        for s in sorted(ev.submissions(community, standard_id, year), key=lambda s: s["number"])
    ]
    return AcceptanceData(
        language=language,
        today=today,
        year=year,
        profile=profile(community),
        standard_id=standard.id,
        standard_name=standard.name.get(language),
        standard_reference=standard.reference,
        standard_issuer=standard.issuer.get(language),
        standard_version=standard.version,
        evaluation=evaluation_summary(standard, evaluation, status),
        points=evaluation.points,
        max_points=evaluation.max_points,
        indicators=indicators,
        inventory=inventory_summary(community, year, language),
        plan=action_plan(community, today),
        submissions=submissions,
    )


def energy_summary(community, year: int) -> EnergySummary:
    from nearzero.energy import selectors as energy

    found = energy.renewables(community)
    pv = [
        RenewableRow(s.name, _("rooftop PV"), s.kwp, None, None)
        for s in sorted(found["pv"], key=lambda s: (s.name, s.pk))
    ]
    others = [
        RenewableRow(
            o.name,
            str(o.get_kind_display()),
            o.capacity_kw,
            o.annual_kwh,
            o.annual_kwh_used_on_site,
        )
        for o in sorted(found["other"], key=lambda o: (o.name, o.pk))
    ]
    months = []
    for row in energy.community_months(community, year):
        values = {key: float(row.get(key) or 0.0) for key in ("import", "export", "generation")}
        if any(values.values()):
            months.append((int(row["month"][5:7]), values))
    return EnergySummary(
        pv_kwp=sum(s.kwp for s in found["pv"]), pv=pv, others=others, months=months
    )


def engagement_summary(community, year: int) -> EngagementSummary:
    from nearzero.engagement import selectors as engagement

    summary = engagement.summary(community, year)
    k = summary.total
    return EngagementSummary(
        events=k.events,
        participations=k.participations,
        distinct_participants=k.distinct_participants,
        resident_services=k.resident_services,
        sites_with_events=k.sites_with_events,
        quiz_takers=k.quiz_takers,
        knowledge_rate_pct=k.knowledge_rate_pct,
        volunteer_hours=k.volunteer_hours,
        recycled_kg=k.recycled_kg,
        labelled_co2e_kg=k.labelled_co2e_kg,
        months=[
            EngagementMonth(
                month=day.month,
                events=m.events,
                participations=m.participations,
                resident_services=m.resident_services,
                volunteer_hours=m.volunteer_hours,
                recycled_kg=m.recycled_kg,
                labelled_co2e_kg=m.labelled_co2e_kg,
            )
            for day, m in summary.months
        ],
    )


FEN_PER_YUAN = 100


def points_summary(community, year: int) -> PointsSummary:
    from nearzero.points import selectors as points
    from nearzero.points.choices import FundSource

    totals = points.totals(community)
    fund = points.fund_statement(community)
    months = points.monthly_totals(community, year)
    sources = dict(FundSource.choices)

    def yuan(rows: dict) -> list[tuple[str, float]]:
        return [
            (str(sources.get(k, k or _("other"))), v / FEN_PER_YUAN)
            for k, v in sorted(rows.items(), key=lambda kv: str(kv[0]))
        ]

    return PointsSummary(
        accounts=totals["accounts"],
        outstanding=totals["outstanding"],
        issued_total=totals["issued"],
        redeemed_total=totals["redeemed"],
        expired_total=totals["expired"],
        issued_year=sum(m[1] for m in months),
        redeemed_year=sum(m[2] for m in months),
        expired_year=sum(m[3] for m in months),
        months=months,
        fund_in_yuan=yuan(fund["inflows"]),
        fund_out_yuan=yuan(fund["outflows"]),
        fund_total_in_yuan=fund["total_in"] / FEN_PER_YUAN,
        fund_total_out_yuan=fund["total_out"] / FEN_PER_YUAN,
        fund_balance_yuan=fund["balance"] / FEN_PER_YUAN,
    )


def circle_summary(community) -> CircleSummary | None:
    from nearzero.circle import selectors as circle

    found = circle.summary(community)
    if found is None:
        return None
    return CircleSummary(
        coverage_pct=found["coverage_pct"],
        covered_residents=found["covered_residents"],
        total_residents=found["total_residents"],
        uncovered_residents=found["uncovered_residents"],
        median_walk_min=found["median_walk_min"],
        max_walk_m=found["max_walk_m"],
        sites_count=found["sites_count"],
    )


def annual(community, year: int, *, today: dt.date | None = None) -> AnnualData:
    """Everything the annual report prints, in the active language."""
    from nearzero.evaluation import selectors as ev

    check_year(year)
    language = active_language()
    evaluations = []
    for a in sorted(ev.assessments(community, year), key=lambda a: a["standard_id"]):
        try:
            standard = ev.get_standard(a["standard_id"])
        except LookupError:  # a user standard removed since
            continue
        evaluations.append(evaluation_summary(standard, a["evaluation"], a["status"]))
    return AnnualData(
        language=language,
        today=today or local_today(community),
        year=year,
        profile=profile(community),
        inventory=inventory_summary(community, year, language),
        energy=energy_summary(community, year),
        engagement=engagement_summary(community, year),
        points=points_summary(community, year),
        circle=circle_summary(community),
        evaluations=evaluations,
    )
