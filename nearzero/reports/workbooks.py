"""Excel workbooks (openpyxl) of the inventory, the events and the points of a year.

Every sheet has a bold, frozen header row with the unit in each header, column widths, and
numbers stored as numbers (dates as dates), so a district can add them up. Each workbook
draws a native Excel chart. No personal data: residents appear only by pseudonym, never by
name or phone number.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import data
from .data import ReportError

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F7A4D")
TOTAL_FONT = Font(bold=True)
#: Number formats: tonnes to three decimals, kilograms and hours to one, counts whole.
T3, ONE, INT, PCT1, YUAN, DATE = "#,##0.000", "#,##0.0", "#,##0", "0.0", "#,##0.00", "yyyy-mm-dd"
#: A fixed modification date keeps the file the same for the same data.
EPOCH = dt.datetime(2000, 1, 1)


#: Decimals kept in a cell: far below any unit's precision, and a float never shows 11
#: digits in a row (which a scan for mobile numbers would mistake for one).
DECIMALS = 9


def _cell(value):
    if isinstance(value, float):
        return round(value, DECIMALS)
    return value


def _title(text: str) -> str:
    """A valid sheet name (at most 31 characters, none of []:*?/\\)."""
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text[:31]


def _sheet(
    wb: Workbook,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence],
    *,
    formats: Sequence[str | None] = (),
    widths: Sequence[float] = (),
    total: Sequence | None = None,
) -> Worksheet:
    """A sheet with a styled, frozen header row, the rows and an optional total row."""
    ws = wb.create_sheet(_title(title))
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append([_cell(v) for v in row])
    if total is not None:
        ws.append([_cell(v) for v in total])
        for cell in ws[ws.max_row]:
            cell.font = TOTAL_FONT
    ws.freeze_panes = "A2"
    for i, fmt in enumerate(formats, start=1):
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
    for i, name in enumerate(header, start=1):
        width = widths[i - 1] if i - 1 < len(widths) else max(10, min(40, 2 + 1.6 * len(name)))
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.row_dimensions[1].height = 32
    return ws


def _facts_sheet(wb: Workbook, title: str, items: Sequence[tuple[str, object, str | None]]):
    """A two-column sheet of label → value (numbers stay numbers)."""
    ws = _sheet(
        wb,
        title,
        [_("item"), _("value")],
        [(label, value) for label, value, _f in items],
        widths=(44, 22),
    )
    for row, (_label, _value, fmt) in enumerate(items, start=2):
        if fmt:
            ws.cell(row=row, column=2).number_format = fmt
    return ws


def _save(wb: Workbook) -> bytes:
    if "Sheet" in wb.sheetnames and len(wb.sheetnames) > 1:
        del wb["Sheet"]
    wb.properties.creator = "nearzero"
    wb.properties.created = wb.properties.modified = EPOCH
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bar_chart(
    ws: Worksheet,
    *,
    title: str,
    y_title: str,
    first_col: int,
    last_col: int,
    rows: int,
    anchor: str,
    stacked: bool = False,
) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.height, chart.width = 8, 18
    if stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
    values = Reference(ws, min_col=first_col, max_col=last_col, min_row=1, max_row=rows + 1)
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    ws.add_chart(chart, anchor)
    return chart


# --- inventory -----------------------------------------------------------------------------


def inventory(community, year: int) -> bytes:
    """The year's inventory: summary, activity lines with factors, by sector, by month."""
    from nearzero.core.ghg import reference
    from nearzero.core.units import CANONICAL
    from nearzero.inventory import selectors
    from nearzero.inventory.choices import Category
    from nearzero.inventory.models import Inventory

    row = (
        Inventory.objects.filter(community=community, year=year)
        .select_related("community", "factor_set")
        .first()
    )
    if row is None:
        raise ReportError("unknown_year", f"{community.slug} has no inventory for {year}")
    language = data.active_language()
    summary = data.inventory_summary(community, year, language)
    result = selectors.compute(row).result
    types = reference.activity_types()
    wb = Workbook()
    _facts_sheet(
        wb,
        _("Summary"),
        [
            (_("community"), community.name, None),
            (_("year"), year, "0"),
            (_("factor set"), row.factor_set.code, None),
            (_("GWP set"), row.gwp_set, None),
            (_("reporting level"), str(row.get_level_display()), None),
            (_("gross (tCO2e)"), result.gross_tco2e, T3),
            (_("sinks (tCO2e)"), result.sinks_tco2e, T3),
            (_("offsets (tCO2e)"), result.offsets_tco2e, T3),
            (_("net (tCO2e)"), result.net_tco2e, T3),
            (_("per resident (tCO2e)"), result.intensity_tco2e_per_resident, "0.000"),
            (_("base year"), summary.base_year, "0"),
            (
                _("change against the base year ({unit})").format(unit="%"),
                summary.change_pct,
                "0.00",
            ),
        ],
    )
    lines = sorted(result.lines, key=lambda ln: -ln.tco2e)
    _sheet(
        wb,
        _("Activity lines"),
        [
            _("activity"),
            _("activity type"),
            _("quantity"),
            _("unit"),
            _("factor (kgCO2e per unit)"),
            _("emission factors (source)"),
            _("emissions (tCO2e)"),
        ],
        [
            (
                selectors.activity_label(ln.activity_type),
                ln.activity_type,
                ln.quantity,
                CANONICAL.get(ln.dimension, ln.dimension),
                ln.kgco2e_per_unit,
                "; ".join(
                    f"{f['id']} = {f['value']} {f['unit']} ({f['source']})" for f in ln.factors
                ),
                ln.tco2e,
            )
            for ln in lines
            if ln.activity_type in types
        ],
        formats=(None, None, ONE, None, "0.000000", None, T3),
        widths=(30, 24, 16, 8, 16, 60, 16),
        total=(_("gross total"), "", None, "", None, "", sum(ln.tco2e for ln in lines)),
    )
    sectors = _sheet(
        wb,
        _("By GPC sector"),
        [_("GPC sector"), _("code"), _("emissions (tCO2e)"), _("share ({unit})").format(unit="%")],
        [(s.label, s.code, s.tco2e, s.share_pct) for s in summary.by_sector],
        formats=(None, None, T3, PCT1),
        widths=(40, 8, 18, 12),
    )
    if summary.by_sector:
        _bar_chart(
            sectors,
            title=_("Emissions by GPC sector (tCO2e)"),
            y_title="tCO2e",
            first_col=3,
            last_col=3,
            rows=len(summary.by_sector),
            anchor="F2",
        )
    categories = [(code, str(label)) for code, label in Category.choices]
    used = [
        (code, label)
        for code, label in categories
        if any(result.by_category_month.get(code, {}).values())
    ]
    month_keys = [f"{m:02d}" for m in range(1, 13)]
    month_rows = [
        [
            m,
            *(result.by_category_month.get(code, {}).get(key, 0.0) for code, _l in used),
            result.by_month.get(key, 0.0),
        ]
        for m, key in enumerate(month_keys, start=1)
    ]
    annual_only = result.by_month.get("year", 0.0)
    total_row = [
        _("total"),
        *(sum(result.by_category_month.get(code, {}).values()) for code, _l in used),
        sum(result.by_month.values()),
    ]
    rows = list(month_rows)
    if annual_only:
        rows.append(
            [
                _("whole year"),
                *(result.by_category_month.get(code, {}).get("year", 0.0) for code, _l in used),
                annual_only,
            ]
        )
    header = [
        _("month"),
        *(_("{category} (tCO2e)").format(category=label) for _c, label in used),
        _("total (tCO2e)"),
    ]
    months = _sheet(
        wb,
        _("By month"),
        header,
        rows,
        formats=("0", *([T3] * (len(used) + 1))),
        widths=(12, *([16] * (len(used) + 1))),
        total=total_row,
    )
    if used:
        _bar_chart(
            months,
            title=_("Emissions by category and month (tCO2e)"),
            y_title="tCO2e",
            first_col=2,
            last_col=1 + len(used),
            rows=12,
            anchor=f"{get_column_letter(len(header) + 2)}2",
            stacked=True,
        )
    return _save(wb)


# --- events --------------------------------------------------------------------------------


def events(community, year: int) -> bytes:
    """One row per held event, and the monthly KPIs with a chart."""
    from nearzero.engagement import selectors as engagement

    tz = zoneinfo.ZoneInfo(community.time_zone)
    rows = engagement.held_events(community, year)
    wb = Workbook()
    _sheet(
        wb,
        _("Events"),
        [
            _("date"),
            _("title"),
            _("site"),
            _("activity type"),
            _("carbon label (g CO2e)"),
            _("label basis"),
            _("registrations"),
            _("check-ins"),
            _("labelled CO2e (kg)"),
        ],
        [
            (
                r["event"].starts_at.astimezone(tz).date(),
                r["event"].title,
                r["event"].site.name,
                r["event"].activity_type.name,
                float(r["event"].carbon_label_g) if r["event"].carbon_label_g is not None else None,
                str(r["event"].get_label_basis_display()),
                r["registrations"],
                r["checkins"],
                r["labelled_co2e_kg"],
            )
            for r in rows
        ],
        formats=(DATE, None, None, None, ONE, None, INT, INT, "#,##0.000"),
        widths=(12, 36, 24, 20, 14, 18, 12, 12, 16),
        total=(
            _("total"),
            "",
            "",
            "",
            None,
            "",
            sum(r["registrations"] for r in rows),
            sum(r["checkins"] for r in rows),
            sum(r["labelled_co2e_kg"] for r in rows),
        ),
    )
    summary = engagement.summary(community, year)
    k = summary.total
    kpi_rows = [
        (
            day.month,
            m.events,
            m.participations,
            m.distinct_participants,
            m.resident_services,
            m.volunteer_hours,
            m.recycled_kg,
            m.labelled_co2e_kg,
        )
        for day, m in summary.months
    ]
    monthly = _sheet(
        wb,
        _("Monthly KPIs"),
        [
            _("month"),
            _("events held"),
            _("participations"),
            _("distinct participants"),
            _("resident services"),
            _("verified volunteer hours"),
            _("recyclables (kg)"),
            _("labelled CO2e (kg)"),
        ],
        kpi_rows,
        formats=("0", INT, INT, INT, INT, ONE, ONE, "#,##0.000"),
        widths=(10, 12, 14, 16, 16, 16, 16, 18),
        total=(
            _("year"),
            k.events,
            k.participations,
            k.distinct_participants,
            k.resident_services,
            k.volunteer_hours,
            k.recycled_kg,
            k.labelled_co2e_kg,
        ),
    )
    monthly.cell(
        row=len(kpi_rows) + 3,
        column=1,
        value=_("low-carbon knowledge rate ({unit})").format(unit="%"),
    )
    rate = monthly.cell(row=len(kpi_rows) + 3, column=2, value=_cell(k.knowledge_rate_pct))
    rate.number_format = PCT1
    chart = _bar_chart(
        monthly,
        title=_("Participations and events by month"),
        y_title=_("participations"),
        first_col=3,
        last_col=3,
        rows=12,
        anchor="J2",
    )
    line = LineChart()
    line.add_data(Reference(monthly, min_col=2, min_row=1, max_row=13), titles_from_data=True)
    line.y_axis.axId = 200
    line.y_axis.title = _("events held")
    line.y_axis.crosses = "max"
    chart += line
    return _save(wb)


# --- points --------------------------------------------------------------------------------


def points(community, year: int) -> bytes:
    """The year's points: summary, monthly issued/redeemed with a chart, the fund statement
    and the residents' accounts by pseudonym."""
    from nearzero.points import selectors as points_selectors

    summary = data.points_summary(community, year)
    wb = Workbook()
    _facts_sheet(
        wb,
        _("Summary"),
        [
            (_("community"), community.name, None),
            (_("year"), year, "0"),
            (_("points issued in {year}").format(year=year), summary.issued_year, INT),
            (_("points redeemed in {year}").format(year=year), summary.redeemed_year, INT),
            (_("points expired in {year}").format(year=year), summary.expired_year, INT),
            (_("residents' accounts"), summary.accounts, INT),
            (_("points outstanding"), summary.outstanding, INT),
            (_("points issued to date"), summary.issued_total, INT),
            (_("points redeemed to date"), summary.redeemed_total, INT),
            (_("fund pool balance (yuan)"), summary.fund_balance_yuan, YUAN),
        ],
    )
    monthly = _sheet(
        wb,
        _("By month"),
        [_("month"), _("points issued"), _("points redeemed"), _("points expired")],
        [list(m) for m in summary.months],
        formats=("0", INT, INT, INT),
        widths=(10, 16, 16, 16),
        total=(
            _("year"),
            summary.issued_year,
            summary.redeemed_year,
            summary.expired_year,
        ),
    )
    _bar_chart(
        monthly,
        title=_("Points issued and redeemed by month"),
        y_title=_("points"),
        first_col=2,
        last_col=3,
        rows=12,
        anchor="F2",
    )
    fund_rows = [
        (_("paid in: {source}").format(source=s), v, None) for s, v in summary.fund_in_yuan
    ]
    fund_rows += [(_("paid out: {use}").format(use=s), None, v) for s, v in summary.fund_out_yuan]
    fund = _sheet(
        wb,
        _("Fund statement"),
        [_("source or purpose"), _("in (yuan)"), _("out (yuan)")],
        fund_rows,
        formats=(None, YUAN, YUAN),
        widths=(36, 16, 16),
        total=(_("total"), summary.fund_total_in_yuan, summary.fund_total_out_yuan),
    )
    fund.append([_("fund pool balance (yuan)"), _cell(summary.fund_balance_yuan), None])
    fund.cell(row=fund.max_row, column=1).font = TOTAL_FONT
    fund.cell(row=fund.max_row, column=2).font = TOTAL_FONT
    fund.cell(row=fund.max_row, column=2).number_format = YUAN
    _sheet(
        wb,
        _("Accounts"),
        [
            _("pseudonym"),
            _("balance (points)"),
            _("points earned in {year}").format(year=year),
            _("points redeemed in {year}").format(year=year),
            _("carbon saved (kg CO2e)"),
        ],
        points_selectors.resident_year_rows(community, year),
        formats=(None, INT, INT, INT, "#,##0.000"),
        widths=(14, 16, 18, 18, 18),
    )
    return _save(wb)


BUILDERS: dict[str, Callable[[object, int], bytes]] = {
    "inventory": inventory,
    "events": events,
    "points": points,
}
