"""The reports as a list of blocks (headings, facts, tables, charts …) that the PDF and the
DOCX writers draw the same way.

A builder turns a report's dataclass (:mod:`nearzero.reports.data`) into a
:class:`Document` in the active language: every number is formatted here, once, and every
chart is drawn here, once, so the PDF and the DOCX show the same words, numbers and images.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from nearzero.core import numbers

from . import charts
from .data import AcceptanceData, AnnualData, InventorySummary, Profile

# --- blocks --------------------------------------------------------------------------------

#: A table cell keeps at most this many characters (minutes' summaries can be long; a row
#: must fit on one page), the rest is cut with an ellipsis.
MAX_CELL_CHARS = 600

#: Row and paragraph tones: how the writers colour a status.
GOOD, BAD, WARN, MUTED = "good", "bad", "warn", "muted"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 section, 2 sub-section


@dataclass(frozen=True)
class Paragraph:
    text: str
    tone: str = ""
    small: bool = False


@dataclass(frozen=True)
class Facts:
    """Label → value pairs, drawn as a two-column grid."""

    items: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]
    tone: str = ""


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]  # relative column widths
    align: Sequence[str]  # "L" | "R" | "C" per column
    tones: Sequence[str] = ()  # per row; "" for none
    caption: str = ""


@dataclass(frozen=True)
class Image:
    png: bytes
    caption: str = ""
    width_frac: float = 1.0  # of the text width


@dataclass(frozen=True)
class Cover:
    title: str
    community: str
    items: Sequence[tuple[str, str]]
    result: str = ""
    result_tone: str = ""


@dataclass
class Document:
    title: str  # the report's name, e.g. 验收自评报告
    community: str
    language: str
    created: dt.datetime  # the PDF/DOCX creation date (the report date, for identical files)
    subject: str
    blocks: list = field(default_factory=list)

    @property
    def running_head(self) -> str:
        return _("{community} · {report}").format(community=self.community, report=self.title)


# --- formatting ----------------------------------------------------------------------------


def num(value: float | int | None, digits: int = 0) -> str:
    """Rounded half up and grouped, as the pages show it (83.35 → "83.4")."""
    if value is None:
        return "—"
    return numbers.grouped(value, digits)


def pct(value: float | None, digits: int = 1) -> str:
    """A percentage with its sign outside any translated text ("24.0%")."""
    if value is None:
        return "—"
    return numbers.grouped(value, digits) + "%"


def signed_pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f}%"


def clip(text: str, limit: int = MAX_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def _created(today: dt.date) -> dt.datetime:
    return dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)


def result_tone(result: str) -> str:
    return {"pass": GOOD, "fail": BAD}.get(result, WARN)


STATUS_TONES = {"pass": "", "fail": BAD, "missing": WARN, "no_evidence": WARN}


def _month_axis() -> list[str]:
    return [str(m) for m in range(1, 13)]


# --- shared sections -----------------------------------------------------------------------


def profile_blocks(p: Profile, *, compact: bool = False) -> list:
    items = [
        (_("community"), p.name),
        (_("region"), p.region),
        (_("NDRC pilot type"), p.pilot_type_label),
        (_("population (persons)"), num(p.population)),
        (_("households"), num(p.households)),
    ]
    if not compact:
        items += [
            (_("province"), p.province_label),
            (_("grid region"), p.grid_region_label),
            (_("floor area (m²)"), num(p.floor_area_m2) if p.floor_area_m2 else "—"),
            (_("buildings"), num(p.buildings)),
            (_("registered households"), num(p.households_registered)),
            (_("registered residents"), num(p.residents_registered)),
        ]
    sites = " · ".join(f"{label} {n}" for label, n in p.sites_by_kind)
    items.append(
        (_("sites"), _("{total} in all: {kinds}").format(total=p.sites_total, kinds=sites))
    )
    return [Heading(_("Community profile")), Facts(items)]


def inventory_blocks(inv: InventorySummary | None, year: int, *, monthly_chart: bool) -> list:
    blocks: list = [Heading(_("Carbon inventory {year}").format(year=year))]
    if inv is None:
        blocks.append(
            Paragraph(_("There is no carbon inventory for {year} yet.").format(year=year), WARN)
        )
        return blocks
    change = "—"
    if inv.base_year is not None:
        change = _("{change} against {year}").format(
            change=signed_pct(inv.change_pct), year=inv.base_year
        )
    blocks.append(
        Facts(
            [
                (_("gross (tCO2e)"), num(inv.gross_tco2e, 1)),
                (_("net (tCO2e)"), num(inv.net_tco2e, 1)),
                (_("sinks (tCO2e)"), num(inv.sinks_tco2e, 1)),
                (_("offsets (tCO2e)"), num(inv.offsets_tco2e, 1)),
                (
                    _("per resident (tCO2e)"),
                    num(inv.per_resident_tco2e, 2) if inv.per_resident_tco2e else "—",
                ),
                (_("change against the previous inventory"), change),
                (_("factor set"), inv.factor_set),
                (_("GWP set · reporting level"), f"{inv.gwp_set} · {inv.level}"),
            ]
        )
    )
    blocks.append(Paragraph(inv.change_sentence))
    if inv.by_sector:
        blocks.append(Heading(_("By GPC sector"), 2))
        blocks.append(
            Table(
                header=[
                    _("GPC sector"),
                    _("emissions (tCO2e)"),
                    _("share ({unit})").format(unit="%"),
                ],
                rows=[
                    [f"{s.code} {s.label}", num(s.tco2e, 1), num(s.share_pct, 1)]
                    for s in inv.by_sector
                ]
                + [[_("gross total"), num(inv.gross_tco2e, 1), num(100.0, 1)]],
                widths=[3, 1.3, 1],
                align=["L", "R", "R"],
                tones=[""] * len(inv.by_sector) + [MUTED],
            )
        )
    if monthly_chart and inv.by_category_month:
        blocks.append(
            Image(
                charts.stacked_bars(
                    _month_axis(),
                    inv.by_category_month,
                    unit="tCO2e",
                    title=_("Emissions by category and month (tCO2e)"),
                ),
                caption=_("Months on the horizontal axis.")
                if not inv.annual_only_tco2e
                else _(
                    "Months on the horizontal axis; {t} tCO2e recorded for the whole year "
                    "are not shown by month."
                ).format(t=num(inv.annual_only_tco2e, 1)),
            )
        )
    if inv.by_sector:
        blocks.append(
            Image(
                charts.horizontal_bars(
                    [f"{s.code} {s.label}" for s in inv.by_sector],
                    [s.tco2e for s in inv.by_sector],
                    unit="tCO2e",
                    title=_("Emissions by GPC sector (tCO2e)"),
                ),
                width_frac=0.9,
            )
        )
    return blocks


def _counts_text(counts: dict[str, int]) -> str:
    return _(
        "{passed} met, {failed} not met, {missing} without a value, "
        "{no_evidence} without evidence, {na} not applicable"
    ).format(
        passed=counts.get("pass", 0),
        failed=counts.get("fail", 0),
        missing=counts.get("missing", 0),
        no_evidence=counts.get("no_evidence", 0),
        na=counts.get("not_applicable", 0),
    )


# --- the acceptance report -----------------------------------------------------------------


def acceptance(data: AcceptanceData) -> Document:
    title = _("Acceptance self-evaluation report")
    e = data.evaluation
    score = _("{score} (pass mark {mark})").format(
        score=pct(e.score_pct), mark=pct(e.pass_score_pct)
    )
    doc = Document(
        title=title,
        community=data.profile.name,
        language=data.language,
        created=_created(data.today),
        subject=_("{standard}, {year}").format(standard=data.standard_name, year=data.year),
    )
    standard_ref = " · ".join(x for x in (data.standard_issuer, data.standard_reference) if x)
    doc.blocks.append(
        Cover(
            title=title,
            community=data.profile.name,
            items=[
                (_("community"), data.profile.name),
                (_("region"), data.profile.region),
                (_("standard"), data.standard_name),
                (_("issued by · reference"), standard_ref or "—"),
                (_("version"), data.standard_version),
                (_("period (year)"), str(data.year)),
                (_("assessment state"), e.status_label),
                (_("report date"), day(data.today)),
                (_("score ({unit})").format(unit="%"), score),
            ],
            result=e.result_label,
            result_tone=result_tone(e.result),
        )
    )
    doc.blocks += profile_blocks(data.profile)

    doc.blocks.append(Heading(_("Indicators")))
    rows, tones = [], []
    for r in data.indicators:
        name = r.name + ("\u00a0*" if r.required else "")
        if r.group:
            name = f"{name}\n{r.group}"
        source = r.source_label + (f"\n{r.detail}" if r.detail else "")
        evidence = str(r.evidence_count) if (r.evidence_required or r.source == "manual") else "—"
        rows.append([name, r.threshold_text, r.value_text, source, r.status_label, evidence])
        tones.append(MUTED if r.status == "not_applicable" else STATUS_TONES.get(r.status, ""))
    doc.blocks.append(
        Table(
            header=[
                _("indicator"),
                _("threshold"),
                _("value"),
                _("source"),
                _("status"),
                _("evidence files"),
            ],
            rows=rows,
            widths=[3.0, 1.3, 1.4, 2.6, 1.3, 0.9],
            align=["L", "L", "R", "L", "L", "R"],
            tones=tones,
        )
    )
    doc.blocks.append(
        Paragraph(_("* a required indicator: failing it fails the standard."), MUTED, small=True)
    )

    doc.blocks.append(Heading(_("Gaps")))
    if e.gaps:
        doc.blocks.append(Bullets(e.gaps, BAD))
    else:
        doc.blocks.append(Paragraph(_("No gaps: every applicable indicator is met."), GOOD))

    doc.blocks.append(Heading(_("Score and overall result")))
    doc.blocks.append(
        Facts(
            [
                (_("score ({unit})").format(unit="%"), score),
                (_("points scored"), f"{num(data.points, 1)} / {num(data.max_points, 1)}"),
                (_("indicators"), _counts_text(e.counts)),
                (_("evaluation result"), e.result_label),
            ]
        )
    )
    doc.blocks.append(Paragraph(_overall_sentence(e.result), result_tone(e.result)))

    doc.blocks += inventory_blocks(data.inventory, data.year, monthly_chart=False)
    doc.blocks += plan_blocks(data)
    doc.blocks.append(Heading(_("Submission history")))
    if data.submissions:
        doc.blocks.append(
            Table(
                header=[
                    "#",
                    _("stage"),
                    _("date"),
                    _("submitted by"),
                    _("result"),
                    _("score ({unit})").format(unit="%"),
                    _("note"),
                ],
                rows=[
                    [
                        str(s.number),
                        s.stage_label,
                        day(s.submitted_on),
                        s.submitted_by or "—",
                        s.result_label,
                        num(s.score_pct, 1),
                        s.note or "",
                    ]
                    for s in data.submissions
                ],
                widths=[0.8, 1.5, 1.3, 1.3, 1.7, 1.0, 2.8],
                align=["R", "L", "L", "L", "L", "R", "L"],
            )
        )
    else:
        doc.blocks.append(Paragraph(_("Not submitted yet."), MUTED))
    return doc


def _overall_sentence(result: str) -> str:
    if result == "pass":
        return _("The community meets the standard for this period.")
    if result == "fail":
        return _("The community does not meet the standard for this period yet; see the gaps.")
    return _("The evaluation is incomplete: a required indicator lacks a value or evidence.")


def plan_blocks(data: AcceptanceData) -> list:
    plan = data.plan
    blocks: list = [Heading(_("Action plan"))]
    blocks.append(
        Paragraph(
            _(
                "{open} open tasks, {overdue} overdue; {projects} key construction projects "
                "with a budget of {budget} yuan."
            ).format(
                open=plan.open_tasks,
                overdue=plan.overdue_tasks,
                projects=len(plan.projects),
                budget=num(plan.budget_yuan),
            )
        )
    )
    blocks.append(Heading(_("Tasks"), 2))
    if plan.tasks:
        blocks.append(
            Table(
                header=[_("task"), _("owner"), _("due date"), _("status")],
                rows=[
                    [
                        t.title,
                        t.owner or "—",
                        day(t.due_date) + ("\n" + _("overdue") if t.overdue else ""),
                        t.status_label,
                    ]
                    for t in plan.tasks
                ],
                widths=[4.2, 2.2, 1.3, 1.2],
                align=["L", "L", "L", "L"],
                tones=[BAD if t.overdue else "" for t in plan.tasks],
            )
        )
    else:
        blocks.append(Paragraph(_("No tasks yet."), MUTED))
    blocks.append(Heading(_("Key construction projects"), 2))
    if plan.projects:
        rows = [
            [
                p.name,
                p.owner or "—",
                p.status_label + ("\n" + _("overdue") if p.overdue else ""),
                num(p.budget_yuan),
                num(p.progress_pct),
                num(p.expected_tco2e_yr, 1),
                num(p.achieved_tco2e_yr, 1),
            ]
            for p in plan.projects
        ]
        rows.append(
            [
                _("total"),
                "",
                "",
                num(plan.budget_yuan),
                num(plan.progress_pct) if plan.progress_pct is not None else "—",
                num(plan.expected_tco2e_yr, 1),
                num(plan.achieved_tco2e_yr, 1),
            ]
        )
        blocks.append(
            Table(
                header=[
                    _("project"),
                    _("owner"),
                    _("status"),
                    _("budget (yuan)"),
                    _("progress ({unit})").format(unit="%"),
                    _("expected reduction (tCO2e/yr)"),
                    _("achieved reduction (tCO2e/yr)"),
                ],
                rows=rows,
                widths=[2.8, 1.7, 1.3, 1.3, 1.0, 1.3, 1.3],
                align=["L", "L", "L", "R", "R", "R", "R"],
                tones=[BAD if p.overdue else "" for p in plan.projects] + [MUTED],
                caption=_("Total progress is weighted by budget."),
            )
        )
    else:
        blocks.append(Paragraph(_("No key construction projects yet."), MUTED))
    blocks.append(Heading(_("Meeting minutes"), 2))
    if plan.minutes:
        blocks.append(
            Table(
                header=[_("date"), _("meeting"), _("title"), _("decisions and summary")],
                rows=[
                    [
                        day(m.meeting_date),
                        m.kind_label,
                        m.title + (f"\n{m.attendees}" if m.attendees else ""),
                        clip(m.summary),
                    ]
                    for m in plan.minutes
                ],
                widths=[1.2, 2.0, 2.6, 3.6],
                align=["L", "L", "L", "L"],
            )
        )
    else:
        blocks.append(Paragraph(_("No meeting minutes yet."), MUTED))
    return blocks


# --- the annual report ---------------------------------------------------------------------


def annual(data: AnnualData) -> Document:
    title = _("Annual report")
    doc = Document(
        title=title,
        community=data.profile.name,
        language=data.language,
        created=_created(data.today),
        subject=_("year {year}").format(year=data.year),
    )
    results = "; ".join(f"{e.standard_name}: {e.result_label}" for e in data.evaluations)
    doc.blocks.append(
        Cover(
            title=title,
            community=data.profile.name,
            items=[
                (_("community"), data.profile.name),
                (_("region"), data.profile.region),
                (_("period (year)"), str(data.year)),
                (_("report date"), day(data.today)),
                (_("evaluation result"), results or _("no assessment for this year")),
            ],
        )
    )
    doc.blocks += profile_blocks(data.profile, compact=True)
    doc.blocks += inventory_blocks(data.inventory, data.year, monthly_chart=True)
    doc.blocks += energy_blocks(data)
    doc.blocks += engagement_blocks(data)
    doc.blocks += points_blocks(data)
    doc.blocks += circle_blocks(data)
    doc.blocks += evaluation_blocks(data)
    return doc


def energy_blocks(data: AnnualData) -> list:
    e = data.energy
    blocks: list = [Heading(_("Energy"))]
    other_kw = sum(o.capacity_kw or 0 for o in e.others)
    other_kwh = sum(o.annual_kwh or 0 for o in e.others)
    blocks.append(
        Facts(
            [
                (_("rooftop PV capacity (kWp)"), num(e.pv_kwp, 1)),
                (_("PV systems"), num(len(e.pv))),
                (_("other renewables (kW)"), num(other_kw, 1)),
                (_("other renewables' generation (kWh/yr)"), num(other_kwh)),
            ]
        )
    )
    rows = [[r.name, r.kind_label, num(r.capacity_kw, 1), "—", "—"] for r in e.pv]
    rows += [
        [r.name, r.kind_label, num(r.capacity_kw, 1), num(r.annual_kwh), num(r.used_kwh)]
        for r in e.others
    ]
    if rows:
        blocks.append(
            Table(
                header=[
                    _("name"),
                    _("kind"),
                    _("capacity (kW or kWp)"),
                    _("generation (kWh/yr)"),
                    _("used in the community (kWh/yr)"),
                ],
                rows=rows,
                widths=[3, 1.5, 1.3, 1.4, 1.6],
                align=["L", "L", "R", "R", "R"],
            )
        )
    if e.months:
        labels = {
            "import": _("imported from the grid"),
            "export": _("exported to the grid"),
            "generation": _("generated on site"),
        }
        by_month = dict(e.months)
        series = [
            (labels[key], [by_month.get(m, {}).get(key, 0.0) for m in range(1, 13)])
            for key in ("import", "generation", "export")
            if any(values.get(key) for _m, values in e.months)
        ]
        blocks.append(
            Image(
                charts.grouped_bars(
                    _month_axis(),
                    series,
                    unit="kWh",
                    title=_("Community electricity by month, %(year)s (kWh)") % {"year": data.year},
                )
            )
        )
        blocks.append(
            Table(
                header=[_("month"), *(label for label, _v in series)],
                rows=[
                    [f"{data.year}-{m:02d}", *(num(values[m - 1]) for _l, values in series)]
                    for m in range(1, 13)
                    if m in by_month
                ]
                + [[_("total"), *(num(sum(values)) for _l, values in series)]],
                widths=[1.2] + [1.6] * len(series),
                align=["L"] + ["R"] * len(series),
                tones=[""] * len(by_month) + [MUTED],
            )
        )
    else:
        blocks.append(Paragraph(_("No meter readings for {year}.").format(year=data.year), MUTED))
    return blocks


def engagement_blocks(data: AnnualData) -> list:
    k = data.engagement
    blocks: list = [Heading(_("Engagement"))]
    blocks.append(
        Facts(
            [
                (_("events held"), num(k.events)),
                (_("participations"), num(k.participations)),
                (_("distinct participants"), num(k.distinct_participants)),
                (_("resident services"), num(k.resident_services)),
                (
                    _("low-carbon knowledge rate"),
                    pct(k.knowledge_rate_pct) if k.knowledge_rate_pct is not None else "—",
                ),
                (_("verified volunteer hours"), num(k.volunteer_hours, 1)),
                (_("recyclables (kg)"), num(k.recycled_kg, 1)),
                (_("labelled CO2e (kg)"), num(k.labelled_co2e_kg, 1)),
            ]
        )
    )
    if not k.events and not k.resident_services:
        blocks.append(
            Paragraph(_("No events or services recorded in {year}.").format(year=data.year), MUTED)
        )
        return blocks
    blocks.append(
        Image(
            charts.bars_and_line(
                _month_axis(),
                (_("participations"), [m.participations for m in k.months]),
                (_("events held"), [m.events for m in k.months]),
                title=_("Participations and events by month"),
            )
        )
    )
    blocks.append(
        Table(
            header=[
                _("month"),
                _("events held"),
                _("participations"),
                _("resident services"),
                _("verified volunteer hours"),
                _("recyclables (kg)"),
                _("labelled CO2e (kg)"),
            ],
            rows=[
                [
                    f"{data.year}-{m.month:02d}",
                    num(m.events),
                    num(m.participations),
                    num(m.resident_services),
                    num(m.volunteer_hours, 1),
                    num(m.recycled_kg, 1),
                    num(m.labelled_co2e_kg, 1),
                ]
                for m in k.months
            ]
            + [
                [
                    _("total"),
                    num(k.events),
                    num(k.participations),
                    num(k.resident_services),
                    num(k.volunteer_hours, 1),
                    num(k.recycled_kg, 1),
                    num(k.labelled_co2e_kg, 1),
                ]
            ],
            widths=[1.1, 1, 1.2, 1.2, 1.3, 1.3, 1.3],
            align=["L", "R", "R", "R", "R", "R", "R"],
            tones=[""] * len(k.months) + [MUTED],
        )
    )
    return blocks


def points_blocks(data: AnnualData) -> list:
    p = data.points
    blocks: list = [Heading(_("Carbon points"))]
    blocks.append(
        Paragraph(
            _(
                "Points are credited only for verified facts and measure engagement; they are "
                "never deducted from the carbon inventory."
            ),
            MUTED,
            small=True,
        )
    )
    blocks.append(
        Facts(
            [
                (_("points issued in {year}").format(year=data.year), num(p.issued_year)),
                (_("points redeemed in {year}").format(year=data.year), num(p.redeemed_year)),
                (_("points expired in {year}").format(year=data.year), num(p.expired_year)),
                (_("residents' accounts"), num(p.accounts)),
                (_("points issued to date"), num(p.issued_total)),
                (_("points redeemed to date"), num(p.redeemed_total)),
                (_("points outstanding"), num(p.outstanding)),
                (_("fund pool balance (yuan)"), num(p.fund_balance_yuan, 2)),
            ]
        )
    )
    rows = [[_("paid in: {source}").format(source=s), num(v, 2), ""] for s, v in p.fund_in_yuan]
    rows += [[_("paid out: {use}").format(use=s), "", num(v, 2)] for s, v in p.fund_out_yuan]
    rows.append([_("total"), num(p.fund_total_in_yuan, 2), num(p.fund_total_out_yuan, 2)])
    rows.append([_("fund pool balance (yuan)"), num(p.fund_balance_yuan, 2), ""])
    blocks.append(Heading(_("Low-carbon fund pool to date"), 2))
    blocks.append(
        Table(
            header=[_("source or purpose"), _("in (yuan)"), _("out (yuan)")],
            rows=rows,
            widths=[3, 1.4, 1.4],
            align=["L", "R", "R"],
            tones=[""] * (len(rows) - 2) + [MUTED, MUTED],
        )
    )
    return blocks


def circle_blocks(data: AnnualData) -> list:
    c = data.circle
    blocks: list = [Heading(_("15-minute low-carbon circle"))]
    if c is None:
        blocks.append(
            Paragraph(_("No street network or homes yet: coverage cannot be computed."), MUTED)
        )
        return blocks
    blocks.append(
        Facts(
            [
                (_("residents within reach"), pct(c.coverage_pct)),
                (
                    _("residents covered"),
                    _("{covered} of {total}").format(
                        covered=num(c.covered_residents), total=num(c.total_residents)
                    ),
                ),
                (_("residents beyond reach"), num(c.uncovered_residents)),
                (
                    _("median walk to the nearest site (min)"),
                    num(c.median_walk_min, 1) if c.median_walk_min is not None else "—",
                ),
                (_("walking threshold (m)"), num(c.max_walk_m)),
                (_("sites"), num(c.sites_count)),
            ]
        )
    )
    blocks.append(
        Paragraph(_("Coverage is computed on the current street network and sites."), MUTED, True)
    )
    return blocks


def evaluation_blocks(data: AnnualData) -> list:
    blocks: list = [Heading(_("Evaluation against the standards"))]
    if not data.evaluations:
        blocks.append(
            Paragraph(_("No standard was assessed for {year}.").format(year=data.year), MUTED)
        )
        return blocks
    blocks.append(
        Table(
            header=[
                _("standard"),
                _("assessment state"),
                _("score ({unit})").format(unit="%"),
                _("pass mark ({unit})").format(unit="%"),
                _("evaluation result"),
            ],
            rows=[
                [
                    e.standard_name + (f"\n{e.reference}" if e.reference else ""),
                    e.status_label,
                    num(e.score_pct, 1),
                    num(e.pass_score_pct, 1),
                    e.result_label,
                ]
                for e in data.evaluations
            ],
            widths=[3.4, 1.2, 1, 1, 1.6],
            align=["L", "L", "R", "R", "L"],
            tones=[result_tone(e.result) if e.result != "pass" else GOOD for e in data.evaluations],
        )
    )
    for e in data.evaluations:
        blocks.append(Heading(e.standard_name, 2))
        blocks.append(Paragraph(_counts_text(e.counts), small=True))
        if e.gaps:
            blocks.append(Bullets(e.gaps, BAD))
        else:
            blocks.append(Paragraph(_("No gaps: every applicable indicator is met."), GOOD))
    return blocks
