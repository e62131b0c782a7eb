"""The reports (nearzero.reports): the acceptance self-evaluation report (PDF, DOCX), the
annual report (PDF) and the Excel workbooks, read back and checked against the selectors.

Rendering a report takes seconds, so each document is made once per module from the demo
data (read only) and shared by the tests that read it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT = REPO_ROOT / "test-output"
TODAY = dt.date(2025, 1, 15)
STANDARD = "nearzero-default"
PHONE = re.compile(r"1[3-9]\d{9}")
# Every test here reads the database (the shared documents too): marking them all keeps them
# with the database tests, before the browser tests whose Playwright loop would refuse the
# module fixture's queries.
pytestmark = pytest.mark.django_db


def _dongping():
    from nearzero.sites.models import Community

    return Community.objects.select_related("region__parent__parent").get(slug="dongping")


@pytest.fixture(scope="module")
def made(django_db_setup, django_db_blocker):
    """Every document once: {name: bytes}."""
    from nearzero.reports import documents

    with django_db_blocker.unblock():
        dongping = _dongping()
        return {
            "acceptance_zh": documents.acceptance_pdf(dongping, STANDARD, 2024, today=TODAY),
            "acceptance_en": documents.acceptance_pdf(
                dongping, STANDARD, 2024, language="en", today=TODAY
            ),
            "docx_zh": documents.acceptance_docx(dongping, STANDARD, 2024, today=TODAY),
            "annual_zh": documents.annual_pdf(dongping, 2024, today=TODAY),
            "inventory": documents.workbook("inventory", dongping, 2024),
            "events": documents.workbook("events", dongping, 2024),
            "points": documents.workbook("points", dongping, 2024),
        }


def pdf_text(data: bytes) -> str:
    """All pages' text (PDFium's text layer) with whitespace removed: table cells wrap
    lines anywhere."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    text = "".join(page.get_textpage().get_text_bounded() for page in document)
    return re.sub(r"\s+", "", text)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- the acceptance report -----------------------------------------------------------------


def test_acceptance_pdf_has_title_community_and_indicator_values(made, dongping):
    from nearzero.evaluation import selectors as ev

    text = pdf_text(made["acceptance_zh"])
    assert "验收自评报告" in text
    assert dongping.name_zh in text
    evaluation = ev.evaluation_for(dongping, STANDARD, 2024)
    waste = next(r for r in evaluation.indicators if r.id == "waste_sorting_rate")
    assert waste.value == pytest.approx(24.0)
    assert waste.name_zh in text
    assert "24.0%" in text
    # every indicator is listed, and the gap sentence of the failed one too
    for r in evaluation.indicators:
        assert squeeze(r.name_zh) in text, r.id
    assert "生活垃圾分类收集率24.0%<30.0%" in text
    # the score as the evaluation computed it
    assert f"{evaluation.score_pct:.1f}%" in text


def test_acceptance_pdf_embeds_every_font(made):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(made["acceptance_zh"]))
    seen = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            seen.add(str(font["/BaseFont"]))
            descendants = (
                [d.get_object() for d in font["/DescendantFonts"]]
                if font["/Subtype"] == "/Type0"
                else [font]
            )
            for descendant in descendants:
                descriptor = descendant["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                    f"{font['/BaseFont']} is not embedded"
                )
    assert any("NotoSansSC" in name for name in seen), seen


def test_acceptance_page_one_renders_with_a_dark_title(made):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(made["acceptance_zh"])
    picture = document[0].render(scale=2).to_pil()
    OUTPUT.mkdir(exist_ok=True)
    picture.save(OUTPUT / "acceptance-p1.png")
    image = picture.convert("L")
    width, height = image.size
    pixels = image.load()
    dark = sum(pixels[x, y] < 128 for x in range(0, width, 2) for y in range(0, height, 2))
    assert dark > 2000, "page 1 is blank"
    # the title is set 48 mm from the top of the 297 mm page, 26 pt high
    top, bottom = int(height * 44 / 297), int(height * 66 / 297)
    title_dark = sum(
        pixels[x, y] < 140 for x in range(0, width // 2, 2) for y in range(top, bottom, 2)
    )
    assert title_dark > 300, "no title on the cover"


def test_acceptance_pdf_in_english(made, dongping):
    text = pdf_text(made["acceptance_en"])
    assert "Acceptanceself-evaluationreport" in text
    assert squeeze(dongping.name_en) in text
    assert "Indicators" in text and "Submissionhistory" in text
    assert "验收自评报告" not in text


def test_same_data_same_day_same_pdf(made, dongping):
    from nearzero.reports import documents

    again = documents.acceptance_pdf(dongping, STANDARD, 2024, language="en", today=TODAY)
    assert again == made["acceptance_en"]


def test_acceptance_docx_has_title_and_one_row_per_indicator(made, dongping):
    import docx
    from django.utils import translation
    from django.utils.translation import gettext

    from nearzero.evaluation import selectors as ev

    document = docx.Document(io.BytesIO(made["docx_zh"]))
    paragraphs = [p.text for p in document.paragraphs]
    assert "验收自评报告" in paragraphs
    assert dongping.name_zh in paragraphs
    evaluation = ev.evaluation_for(dongping, STANDARD, 2024)
    with translation.override("zh-hans"):
        evidence_header = gettext("evidence files")
        gap_sentences = [ev.gap_sentence(r) for r in evaluation.gaps]
    tables = [t for t in document.tables if t.rows[0].cells[-1].text == evidence_header]
    assert len(tables) == 1
    table = tables[0]
    assert len(table.rows) - 1 == len(evaluation.indicators)
    names = [row.cells[0].text.split("\n")[0].rstrip("\u00a0*") for row in table.rows[1:]]
    assert names == [r.name_zh for r in evaluation.indicators]
    # the same gaps as the evaluation, as a list
    gaps = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert gaps == gap_sentences
    assert "生活垃圾分类收集率 24.0% < 30.0%" in gaps
    # one chart image, the same as in the PDF
    assert len(document.inline_shapes) == 1
    # East Asian font asked for on the Normal style
    rfonts = document.styles["Normal"].element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == (
        "Noto Sans SC"
    )


def test_acceptance_data_matches_the_selectors(dongping):
    from nearzero.evaluation.models import Task
    from nearzero.inventory import selectors as inv
    from nearzero.inventory.models import Inventory
    from nearzero.reports import data

    later = dt.date(2025, 7, 1)  # after two open tasks' due dates
    report = data.acceptance(dongping, STANDARD, 2024, today=later)
    computed = inv.compute(Inventory.objects.get(community=dongping, year=2024)).result
    assert report.inventory.gross_tco2e == pytest.approx(computed.gross_tco2e, abs=1e-9)
    assert sum(s.tco2e for s in report.inventory.by_sector) == pytest.approx(
        computed.gross_tco2e, abs=1e-6
    )
    assert report.inventory.base_year == 2023
    # 2024 against 2023: 7,169.27 against 7,422.44 tCO2e, −3.41 percent
    assert report.inventory.change_pct == pytest.approx(-3.41, abs=0.01)
    assert report.profile.sites_total == 20
    assert [n for _label, n in report.profile.sites_by_kind] == [1, 6, 10, 3]
    assert [s.number for s in report.submissions] == [1, 2]
    overdue = [t.title for t in report.plan.tasks if t.overdue]
    assert len(overdue) == 2
    assert sorted(overdue) == sorted(
        t.title for t in Task.objects.filter(community=dongping) if t.is_overdue_on(later)
    )


def test_unknown_standard_and_year_are_refused(dongping):
    from nearzero.reports import data, documents

    with pytest.raises(data.ReportError) as excinfo:
        documents.acceptance_pdf(dongping, "no-such-standard", 2024)
    assert excinfo.value.code == "unknown_standard"
    with pytest.raises(data.ReportError) as excinfo:
        documents.annual_pdf(dongping, 20244)
    assert excinfo.value.code == "unknown_year"
    with pytest.raises(data.ReportError):
        documents.workbook("inventory", dongping, 2019)
    with pytest.raises(data.ReportError):
        documents.acceptance_pdf(dongping, STANDARD, 2024, language="fr")


# --- the annual report ---------------------------------------------------------------------


def test_annual_pdf_prints_the_engagement_kpis(made, dongping):
    import pypdfium2 as pdfium

    from nearzero.engagement import selectors as engagement

    text = pdf_text(made["annual_zh"])
    assert "年度报告" in text and dongping.name_zh in text
    k = engagement.summary(dongping, 2024).total
    assert k.events == 48  # the demo's 48 events of 2024
    for figure in (
        f"{k.events:,}",
        f"{k.participations:,}",
        f"{k.distinct_participants:,}",
        f"{k.resident_services:,}",
        f"{k.volunteer_hours:,.1f}",
        f"{k.recycled_kg:,.1f}",
        f"{k.labelled_co2e_kg:,.1f}",
        f"{k.knowledge_rate_pct:.1f}%",
    ):
        assert figure in text, figure
    # a page with a chart renders; keep it for a person to look at
    document = pdfium.PdfDocument(made["annual_zh"])
    assert len(document) >= 4
    OUTPUT.mkdir(exist_ok=True)
    document[1].render(scale=1.5).to_pil().save(OUTPUT / "annual-p2.png")


def test_annual_points_and_circle_match_their_selectors(dongping):
    from django.db.models import Sum

    from nearzero.circle import selectors as circle
    from nearzero.engagement.selectors import year_bounds
    from nearzero.points import selectors as points
    from nearzero.points.models import Leg
    from nearzero.reports import data

    report = data.annual(dongping, 2024, today=TODAY)
    start, end = year_bounds(dongping, 2024)
    issued = Leg.objects.filter(
        account__community=dongping,
        account__kind="issued",
        posting__posted_at__gte=start,
        posting__posted_at__lt=end,
    ).aggregate(t=Sum("amount"))["t"]
    assert report.points.issued_year == -issued
    assert sum(m[1] for m in report.points.months) == -issued
    totals = points.totals(dongping)
    assert report.points.issued_total == totals["issued"]
    assert report.points.fund_balance_yuan == pytest.approx(totals["fund_fen"] / 100)
    assert report.circle.coverage_pct == circle.summary(dongping)["coverage_pct"]
    assert {e.standard_id for e in report.evaluations} == {"nearzero-default", "ndrc-2015"}
    assert report.energy.pv_kwp == pytest.approx(92.0)
    assert len(report.energy.months) == 12


# --- workbooks -----------------------------------------------------------------------------


def _book(data: bytes):
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(data))


def _every_cell(book):
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            yield from (v for v in row if v is not None)


@pytest.mark.parametrize("kind", ["inventory", "events", "points"])
def test_workbooks_have_styled_headers_numbers_charts_and_no_phones(made, kind):
    book = _book(made[kind])
    assert sum(len(ws._charts) for ws in book.worksheets) >= 1, "no chart"
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(cell.font.bold for cell in ws[1] if cell.value is not None), ws.title
        assert ws.column_dimensions["A"].width >= 8
    for value in _every_cell(book):
        assert not PHONE.search(str(value)), value


def test_inventory_workbook_totals_equal_the_inventory(made, dongping):
    from nearzero.inventory import selectors as inv
    from nearzero.inventory.models import Inventory

    gross = inv.compute(Inventory.objects.get(community=dongping, year=2024)).result.gross_tco2e
    book = _book(made["inventory"])
    lines = book.worksheets[1]
    header = [c.value for c in lines[1]]
    assert "tCO2e" in header[-1] and "kgCO2e" in header[4]  # units in the headers
    rows = list(lines.iter_rows(min_row=2, values_only=True))
    body, total = rows[:-1], rows[-1]
    assert all(isinstance(r[2], int | float) and isinstance(r[-1], int | float) for r in body)
    assert sum(r[-1] for r in body) == pytest.approx(gross, abs=1e-6)
    assert total[-1] == pytest.approx(gross, abs=1e-6)
    months = book.worksheets[3]
    assert "tCO2e" in months.cell(row=1, column=months.max_column).value
    month_rows = list(months.iter_rows(min_row=2, values_only=True))
    assert month_rows[-1][-1] == pytest.approx(gross, abs=1e-6)
    assert [r[0] for r in month_rows[:12]] == list(range(1, 13))


def test_events_workbook_counts_what_the_kpis_count(made, dongping):
    from nearzero.engagement import selectors as engagement

    summary = engagement.summary(dongping, 2024)
    book = _book(made["events"])
    events = book.worksheets[0]
    rows = list(events.iter_rows(min_row=2, values_only=True))
    body, total = rows[:-1], rows[-1]
    assert len(body) == summary.total.events
    assert all(isinstance(r[0], dt.datetime) for r in body)  # dates are dates
    assert sum(r[7] for r in body) == summary.total.participations == total[7]
    monthly = list(book.worksheets[1].iter_rows(min_row=2, max_row=13, values_only=True))
    assert [r[2] for r in monthly] == [m.participations for _d, m in summary.months]
    assert [r[1] for r in monthly] == [m.events for _d, m in summary.months]


def test_points_workbook_without_personal_data(made, dongping):
    from nearzero.engagement.models import Resident
    from nearzero.points import selectors as points

    book = _book(made["points"])
    totals = points.totals(dongping)
    fund = points.fund_statement(dongping)
    statement = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert statement[-2][1] == pytest.approx(fund["total_in"] / 100)
    assert statement[-2][2] == pytest.approx(fund["total_out"] / 100)
    assert statement[-1][1] == pytest.approx(fund["balance"] / 100)
    accounts = book.worksheets[3]
    rows = list(accounts.iter_rows(min_row=2, values_only=True))
    assert len(rows) == totals["accounts"]
    assert sum(r[1] for r in rows) == totals["outstanding"]
    pseudonyms = set(
        Resident.objects.filter(community=dongping).values_list("pseudonym", flat=True)
    )
    assert {r[0] for r in rows} <= pseudonyms
    names = set(Resident.objects.filter(community=dongping).values_list("name", flat=True)[:200])
    cells = {str(v) for v in _every_cell(book)}
    assert not names & cells


# --- web -----------------------------------------------------------------------------------


def test_reports_page_lists_the_downloads(client_for):
    response = client_for("admin").get("/reports/c/dongping/?year=2024&lang=en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/reports/c/dongping/acceptance/nearzero-default/2024.pdf?lang=en" in page
    assert "/reports/c/dongping/acceptance/nearzero-default/2024.docx?lang=en" in page
    assert "/reports/c/dongping/annual/2024.pdf?lang=en" in page
    for kind in ("inventory", "events", "points"):
        assert f"/reports/c/dongping/workbook/{kind}/2024.xlsx?lang=en" in page


@pytest.mark.parametrize(
    ("url", "content_type", "filename"),
    [
        (
            "/reports/c/dongping/acceptance/nearzero-default/2024.docx?lang=en",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "dongping-acceptance-nearzero-default-2024-en.docx",
        ),
        (
            "/reports/c/dongping/workbook/points/2024.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "dongping-points-2024.xlsx",
        ),
        (
            "/reports/c/dongping/acceptance/ndrc-2015/2024.pdf?lang=zh",
            "application/pdf",
            "dongping-acceptance-ndrc-2015-2024.pdf",
        ),
    ],
)
def test_downloads_for_staff_and_404_for_outsiders(client_for, url, content_type, filename):
    response = client_for("station").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert len(response.content) > 1000
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("resident").get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/reports/c/dongping/acceptance/no-such-standard/2024.pdf",
        "/reports/c/dongping/acceptance/nearzero-default/2024.txt",
        "/reports/c/dongping/acceptance/nearzero-default/2019.pdf",
        "/reports/c/dongping/annual/2019.pdf",
        "/reports/c/dongping/workbook/residents/2024.xlsx",
        "/reports/c/dongping/workbook/inventory/2019.xlsx",
        "/reports/c/dongping/annual/2024.pdf?lang=fr",
        "/reports/c/nowhere/annual/2024.pdf",
    ],
)
def test_bad_downloads_are_404(client_for, url):
    assert client_for("admin").get(url).status_code == 404


# --- CLI -----------------------------------------------------------------------------------


def test_cli_writes_the_documents(db, tmp_path, capsys):
    import docx
    from pypdf import PdfReader

    from nearzero.cli import main

    out = tmp_path / "qiyang.docx"
    assert (
        main(
            [
                "report",
                "acceptance",
                "--community",
                "qiyang",
                "--year",
                "2023",
                "--out",
                str(out),
                "--language",
                "en",
            ]
        )
        == 0
    )
    document = docx.Document(str(out))
    # the default standard: the first assessed for 2023 (Chengdu's 2022 rules)
    assert "Chengdu near-zero-carbon emission zone pilot programme" in [
        p.text for p in document.paragraphs
    ] + [c.text for t in document.tables for row in t.rows for c in row.cells]
    out = tmp_path / "events.xlsx"
    assert (
        main(
            [
                "report",
                "workbook",
                "events",
                "--community",
                "dongping",
                "--year",
                "2024",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert _book(out.read_bytes()).worksheets[0].max_row == 48 + 2
    out = tmp_path / "annual.pdf"
    assert (
        main(
            [
                "report",
                "annual",
                "--community",
                "qiyang",
                "--year",
                "2023",
                "--out",
                str(out),
                "--language",
                "en",
            ]
        )
        == 0
    )
    assert "Annualreport" in pdf_text(out.read_bytes())
    assert len(PdfReader(str(out)).pages) >= 3
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["annual", "--community", "nowhere", "--year", "2024"], "no community"),
        (["annual", "--community", "dongping", "--year", "2019"], "nothing to report for 2019"),
        (
            ["acceptance", "--community", "dongping", "--year", "2024", "--standard", "nope"],
            "no standard 'nope'",
        ),
        (["workbook", "inventory", "--community", "qiyang", "--year", "2024"], "no inventory"),
        (["annual", "--community", "dongping", "--year", "2024", "--language", "fr"], "fr"),
    ],
)
def test_cli_bad_input_exits_2(db, tmp_path, capsys, args, message):
    from nearzero.cli import main

    suffix = {"annual": ".pdf", "acceptance": ".pdf", "workbook": ".xlsx"}[args[0]]
    out = tmp_path / f"out{suffix}"
    assert main(["report", *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_unsupported_suffix_exits_2(db, tmp_path, capsys):
    from nearzero.cli import main

    out = tmp_path / "report.txt"
    code = main(
        ["report", "acceptance", "--community", "dongping", "--year", "2024", "--out", str(out)]
    )
    assert code == 2
    assert "unsupported file suffix" in capsys.readouterr().err
    assert not out.exists()
