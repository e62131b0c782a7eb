"""Activity-data files: the Excel template, reading .xlsx and .csv, and exports.

Columns (the first row; English codes or the Chinese headers of the template):
month, activity_type, category, gpc_ref, label, quantity, unit, quality_method,
quality_rating, notation_key, explanation, note. Row numbers in error reports are the
spreadsheet's own (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from nearzero.core import units
from nearzero.core.ghg import reference

from .choices import Category, NotationKey, QualityMethod, QualityRating

COLUMNS = [
    ("month", "月份"),
    ("activity_type", "活动类型"),
    ("category", "类别"),
    ("gpc_ref", "GPC编号"),
    ("label", "标签"),
    ("quantity", "数量"),
    ("unit", "单位"),
    ("quality_method", "数据来源"),
    ("quality_rating", "数据质量"),
    ("notation_key", "标注符号"),
    ("explanation", "说明"),
    ("note", "备注"),
]
HEADER_ALIASES = {zh: code for code, zh in COLUMNS} | {code: code for code, _zh in COLUMNS}
MAX_ROWS = 200_000


class FileError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _header(cells: list[Any]) -> list[str | None]:
    header = []
    for cell in cells:
        text = str(cell or "").strip().split("\n")[0].split(" (")[0].split("（")[0].strip()
        header.append(HEADER_ALIASES.get(text, HEADER_ALIASES.get(text.lower())))
    missing = {"activity_type", "category", "quantity", "unit"} - set(header)
    if missing:
        raise FileError(
            "missing_columns", f"the first row lacks the columns: {', '.join(sorted(missing))}"
        )
    return header


def _rows(header: list[str | None], body) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for number, cells in body:
        values = {name: cells[i] for i, name in enumerate(header) if name and i < len(cells)}
        if all(v in (None, "") for v in values.values()):
            continue  # blank lines are not rows
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise FileError("too_many_rows", f"more than {MAX_ROWS} rows")
    return rows


def read_rows(content: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """Rows of an .xlsx (first sheet named 'activity' if present) or .csv file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise FileError("bad_xlsx", f"not a readable .xlsx file: {exc}") from None
        sheet = (
            workbook["activity"] if "activity" in workbook.sheetnames else workbook.worksheets[0]
        )
        iterator = sheet.iter_rows(values_only=True)
        try:
            header = _header(list(next(iterator)))
        except StopIteration:
            raise FileError("empty", "the sheet is empty") from None
        return _rows(header, ((i, list(r)) for i, r in enumerate(iterator, start=2)))
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GB18030
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FileError("bad_encoding", "the CSV is neither UTF-8 nor GB18030")
        reader = csv.reader(io.StringIO(text))
        try:
            header = _header(next(reader))
        except StopIteration:
            raise FileError("empty", "the file is empty") from None
        return _rows(header, ((i, r) for i, r in enumerate(reader, start=2)))
    raise FileError("bad_format", "upload an .xlsx or .csv file")


def template(inventory=None) -> bytes:
    """The Excel template: an 'activity' sheet with drop-downs and a 'reference' sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "activity"
    ws.append([f"{code} ({zh})" for code, zh in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E6F3EC")
    ws.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKL", (12, 26, 16, 14, 22, 14, 10, 18, 16, 16, 30, 24), strict=True
    ):
        ws.column_dimensions[letter].width = width
    types = reference.activity_types()
    ref = wb.create_sheet("reference")
    ref.append(["activity_type", "中文", "English", "unit (canonical)", "categories → GPC"])
    for code, spec in types.items():
        ref.append(
            [
                code,
                spec.zh,
                spec.en,
                units.CANONICAL[spec.dimension],
                ", ".join(f"{c} → {g}" for c, g in spec.gpc.items()),
            ]
        )
    ref.append([])
    ref.append(["category", "中文", "English"])
    for code, (en, zh) in reference.CATEGORIES.items():
        ref.append([code, zh, en])
    ref.append([])
    ref.append(["unit", "dimension"])
    for code, unit in units.UNITS.items():
        ref.append([code, unit.dimension])
    ref.append([])
    ref.append(["notation_key", "meaning"])
    for code, (en, zh) in reference.NOTATION_KEYS.items():
        ref.append([code, f"{zh} / {en}"])

    def listing(values) -> str:
        return '"' + ",".join(values) + '"'

    validations = [
        ("B", list(types)),
        ("C", Category.values),
        ("H", QualityMethod.values),
        ("I", QualityRating.values),
        ("J", NotationKey.values),
    ]
    for column, values in validations:
        if len(listing(values)) <= 255:  # Excel's limit for an inline list
            dv = DataValidation(type="list", formula1=listing(values), allow_blank=True)
        else:
            start = {"B": 2}.get(column, 2)
            dv = DataValidation(
                type="list",
                allow_blank=True,
                formula1=f"reference!$A${start}:$A${start + len(values) - 1}",
            )
        dv.add(f"{column}2:{column}{MAX_ROWS}")
        ws.add_data_validation(dv)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_xlsx(inventory, report: dict[str, Any]) -> bytes:
    """The inventory's records and results as a workbook."""
    wb = Workbook()
    summary = wb.active
    summary.title = "summary"
    summary.append(["community", inventory.community.slug])
    summary.append(["year", inventory.year])
    summary.append(["factor_set", inventory.factor_set.code])
    summary.append(["gwp_set", inventory.gwp_set])
    summary.append(["level", inventory.level])
    for key in (
        "gross_tco2e",
        "sinks_tco2e",
        "offsets_tco2e",
        "net_tco2e",
        "scope2_location_tco2e",
        "scope2_market_tco2e",
        "intensity_tco2e_per_resident",
    ):
        summary.append([key, report.get(key)])
    summary.append([])
    summary.append(["scope", "tCO2e"])
    for key, value in report["by_scope"].items():
        summary.append([key, value])
    summary.append([])
    summary.append(["category", "tCO2e"])
    for key, value in report["by_category"].items():
        summary.append([key, value])
    lines = wb.create_sheet("lines")
    lines.append(
        [
            "activity_type",
            "quantity",
            "dimension",
            "kgCO2e_per_unit",
            "tCO2e",
            "geography",
            "factors",
        ]
    )
    for line in report["lines"]:
        lines.append(
            [
                line["activity_type"],
                line["quantity"],
                line["dimension"],
                line["kgco2e_per_unit"],
                line["tco2e"],
                line["geography"],
                "; ".join(f"{f['id']}={f['value']} {f['unit']}" for f in line["factors"]),
            ]
        )
    factors = wb.create_sheet("factors_used")
    factors.append(["id", "gas", "value", "unit", "source"])
    for f in report["factors_used"]:
        factors.append([f["id"], f["gas"], f["value"], f["unit"], f["source"]])
    activity = wb.create_sheet("activity")
    activity.append([code for code, _zh in COLUMNS])
    for r in inventory.activities.order_by("month", "activity_type", "label").iterator():
        activity.append(
            [
                r.month,
                r.activity_type,
                r.category,
                r.gpc_ref,
                r.label,
                float(r.quantity),
                r.unit,
                r.quality_method,
                r.quality_rating,
                "",
                "",
                r.note,
            ]
        )
    for n in inventory.notations.all():
        activity.append(["", "", "", n.gpc_ref, "", "", "", "", "", n.key, n.explanation, ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2, default=str).encode("utf-8")
