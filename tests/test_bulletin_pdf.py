"""The bulletin-board PDF (nearzero.engagement.bulletin): no database, read back with pypdf.

pypdf decodes the ``STSong-Light`` text (encoding UniGB-UCS2-H, UTF-16BE codes), so the
Chinese is checked through plain text extraction.
"""

from __future__ import annotations

import datetime
import io
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from nearzero.engagement.bulletin import (
    Bulletin,
    BulletinEvent,
    BulletinFigure,
    fit_events,
    render_pdf,
)

PAGE_SIZES = {"A4": (595.28, 841.89), "A3": (841.89, 1190.55)}
FIRST_TITLE = "绿色阅读角：低碳生活分享会"
FIGURES = [
    BulletinFigure("参与人次", "1,024"),
    BulletinFigure("活动场次", "38"),
    BulletinFigure("减排量", "2,345.6", "kg CO₂e"),
    BulletinFigure("参与居民", "412", "人"),
    BulletinFigure("低碳知识知晓率", "87.5", "%"),
    BulletinFigure("积分发放", "15,230", "分"),
]


def make_bulletin(n_events: int = 5, **changes) -> Bulletin:
    events = [
        BulletinEvent(
            date=datetime.date(2026, 10, 1 + i % 31),
            title=FIRST_TITLE if i == 0 else f"低碳活动第{i:03d}场",
            site="东平镇党群服务站（一）",
            participations=10 + i,
            co2e_kg=2.5 * i,
        )
        for i in range(n_events)
    ]
    fields = {
        "community": "东平镇近零碳社区",
        "period": "2026年10月",
        "heading": "低碳社区月度成果",
        "figures": FIGURES,
        "events": events,
        "notes": ["本月共收到居民反馈 30 条，已答复 27 条。", "知晓率 = 答对人数 ÷ 答题人数。"],
        "footer": "数据由 nearzero 统计，2026-11-01 生成",
        **changes,
    }
    return Bulletin(**fields)


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    reader = read(pdf)
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("size", ["A4", "A3"])
def test_one_portrait_page_of_the_right_size(size):
    reader = read(render_pdf(make_bulletin(), size=size))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    width, height = PAGE_SIZES[size]
    assert float(box.width) == pytest.approx(width, abs=1)
    assert float(box.height) == pytest.approx(height, abs=1)


def test_default_size_is_a4():
    box = read(render_pdf(make_bulletin())).pages[0].mediabox
    assert float(box.width) == pytest.approx(595.28, abs=1)


@pytest.mark.parametrize("size", ["A4", "A3"])
def test_text_holds_title_figures_and_events(size):
    bulletin = make_bulletin()
    text = text_of(render_pdf(bulletin, size=size))
    for expected in ("东平镇近零碳社区", "低碳社区月度成果", "2026年10月", FIRST_TITLE):
        assert expected in text
    for figure in bulletin.figures:
        assert figure.value in text
        assert figure.label in text
    assert "参与人次" in text  # a column header
    assert "知晓率 = 答对人数 ÷ 答题人数。" in text
    assert "数据由 nearzero 统计" in text
    assert "kg CO2e" in text  # "₂" is outside the CID font: drawn as a lowered small 2
    assert "另有" not in text  # everything fits


def test_metadata_title():
    reader = read(render_pdf(make_bulletin()))
    assert reader.metadata.title == "东平镇近零碳社区 低碳社区月度成果 2026年10月"


def test_chinese_font_is_the_builtin_cid_font_not_embedded():
    page = read(render_pdf(make_bulletin())).pages[0]
    fonts = {
        f.get_object()["/BaseFont"]: f.get_object() for f in page["/Resources"]["/Font"].values()
    }
    song = fonts["/STSong-Light"]
    assert song["/Encoding"] == "/UniGB-UCS2-H"
    descriptor = song["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)


@pytest.mark.parametrize("size", ["A4", "A3"])
def test_many_events_stay_on_one_page_with_a_more_line(size):
    bulletin = make_bulletin(200)
    fit = fit_events(bulletin, size)
    assert 5 <= fit < 200
    reader = read(render_pdf(bulletin, size=size))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    n = len(bulletin.events) - fit
    assert f"……另有 {n} 场活动" in text
    assert f"低碳活动第{fit - 1:03d}场" in text  # the last row printed
    assert f"低碳活动第{fit:03d}场" not in text  # the first row left out


def test_a3_holds_the_same_rows_as_a4():
    bulletin = make_bulletin(200)
    assert fit_events(bulletin, "A3") == fit_events(bulletin, "A4")


def test_fewer_rows_when_there_are_more_figures_and_notes():
    small = make_bulletin(200, figures=FIGURES[:4], notes=[])
    large = make_bulletin(200, figures=[*FIGURES, *FIGURES[:3]], notes=["说明"] * 8)
    assert fit_events(large, "A4") < fit_events(small, "A4")


def test_events_that_fit_are_all_printed():
    bulletin = make_bulletin(3)
    assert fit_events(bulletin, "A4") == 3
    text = text_of(render_pdf(bulletin))
    assert "低碳活动第002场" in text


def test_custom_more_text_and_columns():
    bulletin = make_bulletin(
        200, more_events_text="…and {n} more", columns=("Date", "Event", "Venue", "People")
    )
    text = text_of(render_pdf(bulletin))
    assert f"…and {200 - fit_events(bulletin, 'A4')} more" in text
    assert "Venue" in text


def test_no_events_no_notes_no_figures():
    bulletin = make_bulletin(0, figures=[], notes=[], footer="")
    assert fit_events(bulletin, "A4") == 0
    text = text_of(render_pdf(bulletin))
    assert "低碳社区月度成果" in text
    assert "另有" not in text


def test_long_texts_are_cut_to_their_cell():
    long_title = "社区光伏屋顶开放参观暨家庭节能改造咨询与补贴政策解读专场活动" * 3
    event = BulletinEvent(datetime.date(2026, 10, 9), long_title, "站" * 60, 7, 0.0)
    bulletin = make_bulletin(0, events=[event])
    text = text_of(render_pdf(bulletin))
    assert long_title not in text
    assert "社区光伏屋顶开放参观" in text
    assert "…" in text


def test_same_input_same_bytes():
    assert render_pdf(make_bulletin(200)) == render_pdf(make_bulletin(200))
    assert render_pdf(make_bulletin(), size="A3") == render_pdf(make_bulletin(), size="A3")
    assert render_pdf(make_bulletin(), size="A4") != render_pdf(make_bulletin(), size="A3")


@pytest.mark.parametrize("size", ["A5", "a4", "Letter", "", None])
def test_bad_size_raises(size):
    with pytest.raises(ValueError):
        render_pdf(make_bulletin(), size=size)
    with pytest.raises(ValueError):
        fit_events(make_bulletin(), size)


def test_too_many_figures_raises():
    with pytest.raises(ValueError):
        render_pdf(make_bulletin(figures=[BulletinFigure("指标", "1")] * 13))


def test_module_does_not_import_django():
    code = (
        "import sys, nearzero.engagement.bulletin as b; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_latin_text_and_signs_use_the_latin_font():
    """The CID font is not embedded: a viewer's substitute measures Latin letters its own
    way, so ASCII and Latin-1 signs ("·", "°") go to Helvetica and keep their spacing; the
    middle dot of "红梅驿站·梅园" is drawn, never the missing-glyph box."""
    from nearzero.engagement.bulletin import _MISSING, CJK_FONT, LATIN_FONT, _runs

    runs = _runs("红梅驿站·梅园 Post 5°", LATIN_FONT)
    assert [(text, font) for text, font, _, _ in runs] == [
        ("红梅驿站", CJK_FONT),
        ("·", LATIN_FONT),
        ("梅园", CJK_FONT),
        (" Post 5°", LATIN_FONT),
    ]
    assert all(_MISSING not in text for text, *_ in runs)


def test_table_columns_fit_their_headers_and_counts():
    """Date and count columns take what their widest cell needs, so no header or count is
    cut; the event and site columns share the rest."""
    from nearzero.engagement.bulletin import _column_widths, _width

    sheet = Bulletin(
        community="东平镇社区",
        period="2024年6月",
        heading="低碳社区：本月成效",
        figures=FIGURES,
        events=[
            BulletinEvent(
                datetime.date(2024, 6, 6), "环保手工：旧物改造", "红梅驿站·梅园", 268, 0.0
            )
        ],
        notes=[],
        footer="",
    )
    widths = _column_widths(sheet, 1, 12, 6, 500)
    assert sum(widths) == pytest.approx(500)
    assert widths[3] >= _width("参与人次", 12) + 12 and widths[0] >= _width("6月6日", 12) + 12
    assert (
        widths[1] > widths[2] >= _width("红梅驿站·梅园", 12) + 12
    )  # both fit: the title gets the rest
