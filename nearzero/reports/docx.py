"""Draw a report :class:`~nearzero.reports.layout.Document` as a Word file (python-docx).

The same blocks as the PDF: cover, headings, facts, tables with a repeated header row,
charts (the same PNG images), lists. Word uses the fonts installed where the file is
opened: the text asks for Noto Sans SC (East Asian and Latin), and the font table names
SimSun (宋体, on every Chinese Windows) as its substitute when Noto is missing.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

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

INK = RGBColor(0x1F, 0x2A, 0x24)
GREEN = RGBColor(0x1F, 0x7A, 0x4D)
GREY = RGBColor(0x6B, 0x75, 0x70)
TONE_TEXT = {
    BAD: RGBColor(0xA0, 0x23, 0x1E),
    WARN: RGBColor(0x80, 0x54, 0x00),
    MUTED: GREY,
    GOOD: GREEN,
}
TONE_FILL = {BAD: "FDECEA", WARN: "FDF4DC", GOOD: "E7F4EC"}
HEAD_FILL = "1F7A4D"
TEXT_WIDTH_CM = 17.0  # A4 (21 cm) less 2 cm margins
ALIGN = {
    "L": WD_ALIGN_PARAGRAPH.LEFT,
    "R": WD_ALIGN_PARAGRAPH.RIGHT,
    "C": WD_ALIGN_PARAGRAPH.CENTER,
}


def _fonts(rpr_owner, family: str = fonts.DOCX_EAST_ASIA) -> None:
    """Ask for ``family`` for Latin and East Asian text of a style or run."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), family)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)


def _font_table_fallback(word) -> None:
    """Declare Noto Sans SC in the font table with SimSun as its alternative name, the
    font Word substitutes when Noto Sans SC is not installed."""
    for part in word.part.package.iter_parts():
        if str(part.partname) != "/word/fontTable.xml":
            continue
        xml = part.blob.decode("utf-8")
        if fonts.DOCX_EAST_ASIA in xml:
            return
        entry = (
            f'<w:font w:name="{fonts.DOCX_EAST_ASIA}">'
            f'<w:altName w:val="{fonts.DOCX_EAST_ASIA_FALLBACK}"/>'
            '<w:charset w:val="86"/><w:family w:val="swiss"/><w:pitch w:val="variable"/>'
            "</w:font>"
        )
        head = re.search(r"<w:fonts\b[^>]*>", xml)
        if head is None:
            return
        xml = xml[: head.end()] + entry + xml[head.end() :]
        part._blob = xml.encode("utf-8")
        return


def _styles(word) -> None:
    normal = word.styles["Normal"]
    normal.font.size = Pt(10)
    normal.font.color.rgb = INK
    _fonts(normal.element)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    for name, size, colour in (
        ("Title", 26, GREEN),
        ("Subtitle", 16, INK),
        ("Heading 1", 15, GREEN),
        ("Heading 2", 12, INK),
        ("List Bullet", 10, INK),
        ("Caption", 8, GREY),
    ):
        style = word.styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = colour
        style.font.bold = False
        style.font.italic = False
        _fonts(style.element)
    word.styles["Heading 1"].paragraph_format.space_before = Pt(14)
    word.styles["Heading 1"].paragraph_format.keep_with_next = True
    word.styles["Heading 2"].paragraph_format.keep_with_next = True


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _cell_text(cell, text: str, *, size: float, colour=INK, align: str = "L") -> None:
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.alignment = ALIGN[align]
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.font.size = Pt(size)
        run.font.color.rgb = colour
        if i < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)


def _widths(table, relative) -> None:
    total = sum(relative)
    for row in table.rows:
        for cell, w in zip(row.cells, relative, strict=False):
            cell.width = Cm(TEXT_WIDTH_CM * w / total)


def _field(paragraph, instruction: str, *, size: float = 8) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the pages out."""

    def run_with(*elements):
        run = paragraph.add_run()
        run.font.size = Pt(size)
        run.font.color.rgb = GREY
        for element in elements:
            run._r.append(element)
        return run

    def char(kind: str):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    run_with(char("begin"))
    run_with(code)
    run_with(char("separate"))
    shown = run_with()
    shown.text = "1"
    run_with(char("end"))


def _header_footer(word, document: Document) -> None:
    section = word.sections[0]
    section.different_first_page_header_footer = True
    head = section.header.paragraphs[0]
    run = head.add_run(document.running_head)
    run.font.size = Pt(8)
    run.font.color.rgb = GREY
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marker = "\x00"
    text = _("Page %(n)s of %(total)s") % {
        "n": f"{marker}PAGE{marker}",
        "total": f"{marker}NUMPAGES{marker}",
    }
    for i, piece in enumerate(text.split(marker)):
        if i % 2:
            _field(foot, piece)
        elif piece:
            run = foot.add_run(piece)
            run.font.size = Pt(8)
            run.font.color.rgb = GREY


def _cover(word, block: Cover) -> None:
    for _i in range(3):
        word.add_paragraph()
    word.add_paragraph(block.title, style="Title")
    word.add_paragraph(block.community, style="Subtitle")
    word.add_paragraph()
    _facts_table(word, [(label, value) for label, value in block.items], columns=1)
    if block.result:
        word.add_paragraph()
        paragraph = word.add_paragraph()
        run = paragraph.add_run(block.result)
        run.font.size = Pt(16)
        run.font.color.rgb = TONE_TEXT.get(block.result_tone, INK)
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _facts_table(word, items: list[tuple[str, str]], *, columns: int = 2) -> None:
    rows = [items[i : i + columns] for i in range(0, len(items), columns)]
    table = word.add_table(rows=0, cols=2 * columns)
    table.style = word.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for pairs in rows:
        cells = table.add_row().cells
        for j, (label, value) in enumerate(pairs):
            _cell_text(cells[2 * j], label, size=8.5, colour=GREY)
            _cell_text(cells[2 * j + 1], value, size=10)
            _shade(cells[2 * j], "F3F6F4")
    _widths(table, [1.1, 1.4] * columns if columns > 1 else [1, 3])
    word.add_paragraph()


def _table(word, block: Table) -> None:
    table = word.add_table(rows=1, cols=len(block.header))
    table.style = word.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    head = table.rows[0]
    _repeat_header(head)
    for cell, text, align in zip(head.cells, block.header, block.align, strict=True):
        _cell_text(cell, text, size=8.5, colour=RGBColor(0xFF, 0xFF, 0xFF), align=align)
        _shade(cell, HEAD_FILL)
    for i, values in enumerate(block.rows):
        tone = block.tones[i] if i < len(block.tones) else ""
        cells = table.add_row().cells
        for cell, text, align in zip(cells, values, block.align, strict=True):
            _cell_text(cell, text, size=8.5, colour=TONE_TEXT.get(tone, INK), align=align)
            if tone in TONE_FILL:
                _shade(cell, TONE_FILL[tone])
    _widths(table, block.widths)
    if block.caption:
        word.add_paragraph(block.caption, style="Caption")
    else:
        word.add_paragraph()


def _image(word, block: Image) -> None:
    word.add_picture(io.BytesIO(block.png), width=Cm(TEXT_WIDTH_CM * block.width_frac))
    if block.caption:
        word.add_paragraph(block.caption, style="Caption")


def _paragraph(word, block: Paragraph) -> None:
    paragraph = word.add_paragraph()
    run = paragraph.add_run(block.text)
    run.font.color.rgb = TONE_TEXT.get(block.tone, INK)
    if block.small:
        run.font.size = Pt(8.5)


def _bullets(word, block: Bullets) -> None:
    for item in block.items:
        paragraph = word.add_paragraph(style="List Bullet")
        run = paragraph.add_run(item)
        run.font.color.rgb = TONE_TEXT.get(block.tone, INK)


def _heading(word, block: Heading) -> None:
    word.add_heading(block.text, level=block.level)


WRITERS = {
    Cover: _cover,
    Heading: _heading,
    Facts: lambda word, block: _facts_table(word, list(block.items)),
    Table: _table,
    Image: _image,
    Bullets: _bullets,
    Paragraph: _paragraph,
}


def render(document: Document) -> bytes:
    """The document as DOCX bytes."""
    word = WordDocument()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    _styles(word)
    _font_table_fallback(word)
    _header_footer(word, document)
    props = word.core_properties
    props.title = f"{document.title} · {document.community}"
    props.subject = document.subject
    props.author = document.community
    props.last_modified_by = "nearzero"
    props.language = "en" if document.language.startswith("en") else "zh-CN"
    props.created = props.modified = document.created.replace(tzinfo=None)
    props.revision = 1
    props.comments = "nearzero"
    for block in document.blocks:
        WRITERS[type(block)](word, block)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
