"""Draw a report :class:`~nearzero.reports.layout.Document` as an A4 PDF (fpdf2).

Fonts are embedded subsets of Noto Sans SC (text), Noto Serif SC (titles and headings) and
DejaVu Sans (the fallback for signs Noto lacks), so the PDF reads the same on a machine
without Chinese fonts. Noto ships only a Regular weight: emphasis is size and colour.
Every page but the cover carries a running head (community · report) and a page number.
The creation date is the report date, so the same data on the same day gives the same file.
"""

from __future__ import annotations

import io
import struct

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from . import fonts
from .layout import (
    BAD,
    GOOD,
    MUTED,
    WARN,
    Bullets,
    Cover,
    Document,
    Facts,
    Heading,
    Image,
    Paragraph,
    Table,
)

SANS, SERIF, FALLBACK = "sans", "serif", "fallback"
INK = (31, 42, 36)
GREEN = (31, 122, 77)
GREY = (107, 117, 112)
RULE = (205, 214, 209)
HEAD_FILL = (31, 122, 77)
ZEBRA = (246, 248, 247)
TONE_TEXT = {BAD: (160, 35, 30), WARN: (128, 84, 0), MUTED: GREY, GOOD: GREEN}
TONE_FILL = {BAD: (253, 236, 234), WARN: (253, 244, 220), GOOD: (231, 244, 236)}
WHITE = (255, 255, 255)
#: A fact's value longer than this many characters gets a row of its own.
WIDE_FACT_CHARS = 22

BODY_PT = 9.5
TABLE_PT = 8.2
#: Line height per point of font size [mm]: 1.45 × the size, for CJK text.
LINE_MM_PER_PT = 0.3528 * 1.45


class ReportPDF(FPDF):
    def __init__(self, document: Document) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document = document
        self.set_margins(left=20, top=18, right=20)
        self.set_auto_page_break(auto=True, margin=18)
        sans, serif, fallback = fonts.check()
        self.add_font(SANS, "", sans)
        self.add_font(SERIF, "", serif)
        self.add_font(FALLBACK, "", fallback)
        self.set_fallback_fonts([FALLBACK])
        self.set_text_shaping(False)
        self.set_title(f"{document.title} · {document.community}")
        self.set_subject(document.subject)
        self.set_author(document.community)
        self.set_creator("nearzero")
        self.set_lang("en" if document.language.startswith("en") else "zh-CN")
        self.set_creation_date(document.created)
        self.alias_nb_pages()
        self.set_text_color(*INK)
        # Chinese breaks between any two characters; English between words.
        self.wrap = WrapMode.WORD if document.language.startswith("en") else WrapMode.CHAR

    # Running head and footer (not on the cover).
    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(SANS, size=7.5)
        self.set_text_color(*GREY)
        self.set_y(9)
        self.cell(0, 5, self.document.running_head, align="L")
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 14.5, self.w - self.r_margin, 14.5)
        self.set_y(self.t_margin)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, size=7.5)
        self.set_text_color(*GREY)
        text = _("Page %(n)s of %(total)s") % {
            "n": self.page_no(),
            "total": self.str_alias_nb_pages,
        }
        self.cell(0, 5, text, align="C")
        self.set_text_color(*INK)

    @property
    def text_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def lines(self, text: str, size: float = BODY_PT, *, colour=INK, family: str = SANS) -> None:
        self.set_font(family, size=size)
        self.set_text_color(*colour)
        self.multi_cell(
            0,
            size * LINE_MM_PER_PT,
            text,
            align="L",
            wrapmode=self.wrap,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(*INK)

    def room_for(self, height_mm: float) -> None:
        """Start a new page unless ``height_mm`` still fits on this one."""
        if self.get_y() + height_mm > self.page_break_trigger:
            self.add_page()


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _cover(pdf: ReportPDF, block: Cover) -> None:
    pdf.set_y(48)
    pdf.set_draw_color(*GREEN)
    pdf.set_line_width(1.2)
    pdf.line(pdf.l_margin, 44, pdf.l_margin + 30, 44)
    pdf.lines(block.title, 26, colour=GREEN, family=SERIF)
    pdf.ln(2)
    pdf.lines(block.community, 17)
    pdf.ln(14)
    label_w = 42
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    for label, value in block.items:
        y = pdf.get_y()
        pdf.set_font(SANS, size=9.5)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(label_w, 6.5, label, align="L", wrapmode=pdf.wrap)
        left_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_w, y)
        pdf.set_text_color(*INK)
        pdf.set_font(SANS, size=11)
        pdf.multi_cell(
            pdf.text_width - label_w,
            6.5,
            value,
            align="L",
            wrapmode=pdf.wrap,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_y(max(pdf.get_y(), left_bottom) + 1.2)
        pdf.line(pdf.l_margin, pdf.get_y() - 0.6, pdf.w - pdf.r_margin, pdf.get_y() - 0.6)
    if block.result:
        pdf.ln(10)
        pdf.set_font(SANS, size=14)
        fill = TONE_FILL.get(block.result_tone, ZEBRA)
        colour = TONE_TEXT.get(block.result_tone, INK)
        width = pdf.get_string_width(block.result) + 16
        pdf.set_fill_color(*fill)
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.5)
        pdf.set_text_color(*colour)
        pdf.cell(width, 12, block.result, border=1, align="C", fill=True)
        pdf.set_text_color(*INK)
        pdf.set_fill_color(*WHITE)
    pdf.set_y(pdf.h - 34)
    pdf.set_font(SANS, size=8)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(
        0,
        4.5,
        _(
            "Made with nearzero from the community's own records: every figure can be traced "
            "to its source in the platform."
        ),
        align="L",
        wrapmode=pdf.wrap,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*INK)


def _heading(pdf: ReportPDF, block: Heading) -> None:
    if block.level == 1:
        pdf.room_for(32)
        pdf.ln(4)
        pdf.lines(block.text, 14, colour=GREEN)
        pdf.set_draw_color(*GREEN)
        pdf.set_line_width(0.4)
        y = pdf.get_y() + 0.6
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.ln(3)
    else:
        pdf.room_for(24)
        pdf.ln(2.5)
        pdf.lines(block.text, 11, colour=INK)
        pdf.ln(1)


def _facts(pdf: ReportPDF, block: Facts) -> None:
    """Two label/value pairs per row (label in grey, value in ink); a long value takes a
    row of its own."""
    pdf.set_font(SANS, size=BODY_PT)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.15)
    label_style = FontFace(family=SANS, emphasis="", size_pt=8.2, color=GREY, fill_color=WHITE)
    value_style = FontFace(family=SANS, emphasis="", size_pt=BODY_PT, color=INK, fill_color=WHITE)
    with pdf.table(
        col_widths=(1.35, 1.15, 1.35, 1.15),
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=BODY_PT * LINE_MM_PER_PT,
        text_align="LEFT",
        wrapmode=pdf.wrap,
        padding=(1.2, 1.5),
        align="LEFT",
        width=pdf.text_width,
    ) as table:
        pending: list[tuple[str, str]] = []

        def flush() -> None:
            if not pending:
                return
            row = table.row()
            for label, value in pending:
                row.cell(label, style=label_style)
                row.cell(value, style=value_style)
            if len(pending) == 1:
                row.cell("", colspan=2, style=value_style)
            pending.clear()

        for label, value in block.items:
            if len(value) > WIDE_FACT_CHARS:
                flush()
                row = table.row()
                row.cell(label, style=label_style)
                row.cell(value, colspan=3, style=value_style)
                continue
            pending.append((label, value))
            if len(pending) == 2:
                flush()
        flush()
    pdf.ln(2)


def _table(pdf: ReportPDF, block: Table) -> None:
    pdf.set_font(SANS, size=TABLE_PT)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.15)
    pdf.room_for(20)
    aligns = tuple({"L": "LEFT", "R": "RIGHT", "C": "CENTER"}[a] for a in block.align)
    head = FontFace(
        family=SANS, emphasis="", size_pt=TABLE_PT, color=(255, 255, 255), fill_color=HEAD_FILL
    )
    with pdf.table(
        col_widths=tuple(block.widths),
        headings_style=head,
        line_height=TABLE_PT * LINE_MM_PER_PT,
        text_align=aligns,
        wrapmode=pdf.wrap,
        padding=(1.0, 1.2),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        align="LEFT",
        width=pdf.text_width,
        repeat_headings=1,
    ) as table:
        header = table.row()
        for text in block.header:
            header.cell(text)
        for i, cells in enumerate(block.rows):
            tone = block.tones[i] if i < len(block.tones) else ""
            style = FontFace(
                family=SANS,
                emphasis="",
                size_pt=TABLE_PT,
                color=TONE_TEXT.get(tone, INK),
                fill_color=TONE_FILL.get(tone, ZEBRA if i % 2 else WHITE),
            )
            row = table.row()
            for text in cells:
                row.cell(text, style=style)
    if block.caption:
        pdf.ln(0.5)
        pdf.lines(block.caption, 7.5, colour=GREY)
    pdf.ln(2.5)


def _image(pdf: ReportPDF, block: Image) -> None:
    width_px, height_px = _png_size(block.png)
    w = pdf.text_width * block.width_frac
    h = w * height_px / width_px
    pdf.room_for(h + (6 if block.caption else 0))
    pdf.image(io.BytesIO(block.png), x=pdf.l_margin, w=w, h=h)
    if block.caption:
        pdf.lines(block.caption, 7.5, colour=GREY)
    pdf.ln(2.5)


def _bullets(pdf: ReportPDF, block: Bullets) -> None:
    colour = TONE_TEXT.get(block.tone, INK)
    height = BODY_PT * LINE_MM_PER_PT
    for item in block.items:
        pdf.room_for(height)
        y = pdf.get_y()
        pdf.set_font(SANS, size=BODY_PT)
        pdf.set_text_color(*colour)
        pdf.set_xy(pdf.l_margin + 1, y)
        pdf.cell(4, height, "•")
        pdf.set_xy(pdf.l_margin + 5, y)
        pdf.multi_cell(
            pdf.text_width - 5,
            height,
            item,
            align="L",
            wrapmode=pdf.wrap,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(0.8)
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _paragraph(pdf: ReportPDF, block: Paragraph) -> None:
    pdf.lines(block.text, 8 if block.small else BODY_PT, colour=TONE_TEXT.get(block.tone, INK))
    pdf.ln(1.5)


WRITERS = {
    Cover: _cover,
    Heading: _heading,
    Facts: _facts,
    Table: _table,
    Image: _image,
    Bullets: _bullets,
    Paragraph: _paragraph,
}


def render(document: Document) -> bytes:
    """The document as PDF bytes."""
    pdf = ReportPDF(document)
    pdf.add_page()
    first = True
    for block in document.blocks:
        if not first and isinstance(block, Heading) and block.level == 1 and pdf.page_no() == 1:
            pdf.add_page()  # the cover stands alone
        first = False
        WRITERS[type(block)](pdf, block)
    return bytes(pdf.output())
