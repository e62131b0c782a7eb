"""A community's month of low-carbon engagement as a printable bulletin-board sheet (公告栏).

Plain data in, PDF bytes out: no Django here, so the sheet is testable on its own. One page,
A4 or A3 portrait, read from 1-2 m away: a big title (community, heading, period), a grid of
headline figures, a table of the month's events cut to what fits on the page (with a
"……另有 N 场活动" line), notes as bullet lines and a small footer.

Chinese text uses reportlab's built-in Adobe CID font ``STSong-Light`` (encoding
``UniGB-UCS2-H``). It is referenced, not embedded: the PDF carries no font file and the viewer
or printer substitutes its own Song (or other Chinese) face. The glyph set is Adobe-GB1, which
we approximate with the GBK repertoire: characters outside it are drawn another way
(subscript/superscript digits such as the "₂" of "CO₂e" as small raised or lowered digits,
Latin-1 letters in Helvetica) or replaced with "□".

Every size is a multiple of ``u`` = page width / A4 width, so the A3 sheet is the A4 sheet
scaled by √2 and holds exactly the same rows. The canvas is ``invariant``: the same input
gives byte-for-byte the same PDF.
"""

from __future__ import annotations

import datetime
import io
import math
from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A3, A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

__all__ = ["Bulletin", "BulletinEvent", "BulletinFigure", "fit_events", "render_pdf"]


@dataclass(frozen=True)
class BulletinEvent:
    date: datetime.date
    title: str  # e.g. "绿色阅读角：低碳生活分享会"
    site: str  # e.g. "东平镇党群服务站（一）"
    participations: int
    co2e_kg: float  # CO2e of the event's carbon label x check-ins, may be 0 (not printed)


@dataclass(frozen=True)
class BulletinFigure:
    label: str  # e.g. "参与人次"
    value: str  # already formatted, e.g. "1,024"
    unit: str = ""  # e.g. "kg CO₂e" ("" if none)


@dataclass(frozen=True)
class Bulletin:
    community: str  # "东平镇近零碳社区"
    period: str  # "2026年10月"
    heading: str  # "低碳社区月度成果"
    figures: list[BulletinFigure]  # 4-9 headline numbers (0-12 accepted)
    events: list[BulletinEvent]  # in the order to print; cut to what fits on the page
    notes: list[str]  # short lines; each wraps to at most 2 lines, 8 lines in all
    footer: str  # e.g. "数据由 nearzero 统计，2026-11-01 生成"
    more_events_text: str = "……另有 {n} 场活动"
    columns: tuple[str, str, str, str] = ("日期", "活动", "地点", "参与人次")
    date_format: str = "{month}月{day}日"  # str.format with year, month, day (ints)


# --- fonts and text ----------------------------------------------------------------------------

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"

_SIZES = {"A4": A4, "A3": A3}
_A4_WIDTH = A4[0]

DARK_GREEN = HexColor("#1b5e20")
GREEN = HexColor("#2e7d32")
LIGHT_GREEN = HexColor("#e8f5e9")
BORDER_GREEN = HexColor("#c8e6c9")
TEXT = HexColor("#212121")
DARK_GREY = HexColor("#424242")
GREY = HexColor("#616161")
LINE_GREY = HexColor("#bdbdbd")
LIGHT_LINE = HexColor("#e0e0e0")
ROW_ALT = HexColor("#f5f5f5")

_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋", "0123456789+-", strict=True))
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-", strict=True))
_SCRIPT_SCALE = 0.65
_ELLIPSIS = "…"
_MISSING = "□"
# Characters a line must not start with (Chinese line-breaking rules, simplified).
_NO_LINE_START = frozenset("，。、；：？！）》」』】〉”’,.;:?!)%")


def _register_fonts() -> None:
    try:
        pdfmetrics.getFont(CJK_FONT)
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _in_cjk_font(ch: str) -> bool:
    if ord(ch) > 0xFFFF:  # UCS-2 encoding: the BMP only
        return False
    try:
        ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def _in_latin1(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


# A run: (text, font, size factor, rise factor), factors relative to the nominal font size.
_Run = tuple[str, str, float, float]


def _runs(text: str, latin: str | None) -> list[_Run]:
    """Split text into runs of one font. ``latin``: font for ASCII and Latin-1 signs such as
    "·" and "°" (None: the CJK font). The CID font is not embedded, so a viewer substitutes
    its own CJK font, whose Latin letters have other widths than reportlab measures: Latin
    text in a Latin font keeps its spacing."""
    script_font = latin or CJK_FONT
    runs: list[_Run] = []
    for ch in text:
        if latin and (" " <= ch <= "~" or "\u00a0" <= ch <= "\u00ff"):
            run: _Run = (ch, latin, 1.0, 0.0)
        elif ch in _SUBSCRIPTS:
            run = (_SUBSCRIPTS[ch], script_font, _SCRIPT_SCALE, -0.12)
        elif ch in _SUPERSCRIPTS:
            run = (_SUPERSCRIPTS[ch], script_font, _SCRIPT_SCALE, 0.38)
        elif _in_cjk_font(ch):
            run = (ch, CJK_FONT, 1.0, 0.0)
        elif _in_latin1(ch):
            run = (ch, latin or LATIN_FONT, 1.0, 0.0)
        else:
            run = (_MISSING, CJK_FONT, 1.0, 0.0)
        if runs and runs[-1][1:] == run[1:]:
            runs[-1] = (runs[-1][0] + run[0], *run[1:])
        else:
            runs.append(run)
    return runs


def _char_widths(text: str, size: float, latin: str | None) -> list[float]:
    """Advance of each character of ``text`` (widths are additive: no kerning)."""
    widths = []
    for ch in text:
        (run,) = _runs(ch, latin)
        widths.append(pdfmetrics.stringWidth(run[0], run[1], size * run[2]))
    return widths


def _width(text: str, size: float, latin: str | None = LATIN_FONT) -> float:
    return sum(pdfmetrics.stringWidth(t, f, size * k) for t, f, k, _ in _runs(text, latin))


def _clean(text: str) -> str:
    """One line: newlines, tabs and repeated spaces become single spaces."""
    return " ".join(str(text).split())


def _ellipsize(text: str, size: float, width: float, latin: str | None = LATIN_FONT) -> str:
    """``text`` if it fits in ``width``, else its longest prefix that fits followed by "…"."""
    if _width(text, size, latin) <= width:
        return text
    room = width - _width(_ELLIPSIS, size, latin)
    used = 0.0
    n = 0
    for w in _char_widths(text, size, latin):
        if used + w > room:
            break
        used += w
        n += 1
    return text[:n].rstrip() + _ELLIPSIS


def _wrap(text: str, size: float, width: float, max_lines: int, latin: str | None = LATIN_FONT):
    """Greedy line breaking by character (Chinese), keeping ASCII words whole when possible;
    a line does not start with closing punctuation. Text beyond ``max_lines`` is ellipsized."""
    rest = _clean(text)
    lines: list[str] = []
    while rest and len(lines) < max_lines:
        widths = _char_widths(rest, size, latin)
        if sum(widths) <= width:
            lines.append(rest)
            rest = ""
            break
        cut, used = 0, 0.0
        while cut < len(rest) and used + widths[cut] <= width:
            used += widths[cut]
            cut += 1
        cut = min(max(cut, 1), len(rest) - 1) if len(rest) > 1 else 1
        word = rest[cut - 1 : cut + 1]
        if len(word) == 2 and word.isascii() and word.isalnum():
            space = rest.rfind(" ", 0, cut)
            if space > 0:
                cut = space + 1
        while 1 < cut < len(rest) and rest[cut] in _NO_LINE_START:
            cut -= 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        lines[-1] = _ellipsize(lines[-1] + rest, size, width, latin)
    return lines


def _draw(
    c: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    color: Color,
    *,
    latin: str | None = LATIN_FONT,
    align: str = "left",
    bold: bool = False,
) -> None:
    """Draw one line with its baseline at ``y``; ``align`` is left, center or right of ``x``."""
    if not text:
        return
    if align != "left":
        w = _width(text, size, latin)
        x -= w / 2 if align == "center" else w
    c.saveState()
    c.setFillColor(color)
    t = c.beginText(x, y)
    if bold:  # the CID font has no bold face: fill and stroke the outlines
        c.setStrokeColor(color)
        c.setLineWidth(size * 0.035)
        t.setTextRenderMode(2)
    for run_text, font, factor, rise in _runs(text, latin):
        t.setFont(font, size * factor)
        t.setRise(size * rise)
        t.textOut(run_text)
    c.drawText(t)
    c.restoreState()


# --- layout ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    x: float
    y: float  # bottom
    w: float
    h: float
    figure: BulletinFigure


@dataclass(frozen=True)
class _Layout:
    width: float
    height: float
    u: float  # one A4 point, scaled to the page
    margin: float
    content_width: float
    title_baseline: float  # community line
    heading_baseline: float
    rule_y: float
    cells: tuple[_Cell, ...]
    table_top: float
    fit: int  # events printed
    more: int  # events left out
    notes: tuple[tuple[str, ...], ...]  # wrapped lines of each note
    footer_rule_y: float
    footer_baseline: float


# Sizes in A4 points (multiplied by u).
MARGIN = 36
COMMUNITY_SIZE = 22
HEADING_SIZE = 40
HEADING_MIN_SIZE = 20
PERIOD_SIZE = 20
FIG_GAP = 10
FIG_HEIGHT = 80
FIG_VALUE_SIZE = 32
FIG_VALUE_MIN_SIZE = 16
FIG_VALUE_SHRINK = 0.8  # smallest scale of a value before its unit moves to the label line
FIG_UNIT_SIZE = 14
FIG_LABEL_SIZE = 14
FIG_LABEL_MIN_SIZE = 11
TABLE_FONT = 13
TABLE_HEADER_HEIGHT = 27
TABLE_ROW_HEIGHT = 24
TABLE_PAD = 7
NOTE_SIZE = 13
NOTE_LEADING = 20
NOTE_LINES_EACH = 2
NOTE_LINES_ALL = 8
FOOTER_SIZE = 9
SECTION_GAP = 18
MAX_FIGURES = 12


def _page_size(size: str) -> tuple[float, float]:
    if not isinstance(size, str) or size not in _SIZES:
        raise ValueError(f"size must be 'A4' or 'A3', not {size!r}")
    return _SIZES[size]


def _grid(n: int) -> int:
    """Columns of the figure grid for ``n`` figures."""
    if n <= 4:
        return max(n, 1)
    return 3 if n in (5, 6, 9) else 4


def _layout(bulletin: Bulletin, size: str) -> _Layout:
    width, height = _page_size(size)
    if len(bulletin.figures) > MAX_FIGURES:
        raise ValueError(f"at most {MAX_FIGURES} figures, got {len(bulletin.figures)}")
    _register_fonts()
    u = width / _A4_WIDTH
    margin = MARGIN * u
    content_width = width - 2 * margin
    top = height - margin

    title_baseline = top - COMMUNITY_SIZE * 0.88 * u
    heading_baseline = title_baseline - (12 + HEADING_SIZE * 0.86) * u
    rule_y = heading_baseline - 16 * u
    y = rule_y - SECTION_GAP * u

    cells: list[_Cell] = []
    figures = list(bulletin.figures)
    if figures:
        cols = _grid(len(figures))
        cell_w = (content_width - (cols - 1) * FIG_GAP * u) / cols
        cell_h = FIG_HEIGHT * u
        for row in range(math.ceil(len(figures) / cols)):
            in_row = figures[row * cols : (row + 1) * cols]
            row_w = len(in_row) * cell_w + (len(in_row) - 1) * FIG_GAP * u
            x = margin + (content_width - row_w) / 2  # a short last row is centred
            bottom = y - cell_h
            for figure in in_row:
                cells.append(_Cell(x, bottom, cell_w, cell_h, figure))
                x += cell_w + FIG_GAP * u
            y = bottom - FIG_GAP * u
        y += FIG_GAP * u - SECTION_GAP * u
    table_top = y

    footer_baseline = margin
    footer_rule_y = margin + (FOOTER_SIZE + 7) * u

    notes: list[tuple[str, ...]] = []
    budget = NOTE_LINES_ALL
    text_width = content_width - 16 * u
    for note in bulletin.notes:
        if budget <= 0 or not _clean(note):
            continue
        lines = _wrap(note, NOTE_SIZE * u, text_width, min(NOTE_LINES_EACH, budget))
        notes.append(tuple(lines))
        budget -= len(lines)
    note_lines = sum(len(n) for n in notes)
    notes_height = (SECTION_GAP + NOTE_LEADING * note_lines) * u if notes else 0.0

    events = bulletin.events
    if events:
        room = table_top - (footer_rule_y + SECTION_GAP * u) - notes_height
        rows = max(int((room - TABLE_HEADER_HEIGHT * u) // (TABLE_ROW_HEIGHT * u)), 0)
        fit = len(events) if len(events) <= rows else max(rows - 1, 0)
    else:
        fit = 0
    return _Layout(
        width=width,
        height=height,
        u=u,
        margin=margin,
        content_width=content_width,
        title_baseline=title_baseline,
        heading_baseline=heading_baseline,
        rule_y=rule_y,
        cells=tuple(cells),
        table_top=table_top,
        fit=fit,
        more=len(events) - fit,
        notes=tuple(notes),
        footer_rule_y=footer_rule_y,
        footer_baseline=footer_baseline,
    )


def fit_events(bulletin: Bulletin, size: str = "A4") -> int:
    """How many of ``bulletin.events`` ``render_pdf`` prints on the page (the rest are counted
    in the ``more_events_text`` line). Same for A4 and A3: the layout scales with the page."""
    return _layout(bulletin, size).fit


# --- drawing -----------------------------------------------------------------------------------


def _draw_header(c: Canvas, b: Bulletin, lay: _Layout) -> None:
    u, left, right = lay.u, lay.margin, lay.margin + lay.content_width

    period = _clean(b.period)
    period_size = PERIOD_SIZE * u
    chip_w = _width(period, period_size) + 24 * u if period else 0.0
    chip_w = min(chip_w, lay.content_width * 0.4)
    if period:
        chip_h = period_size * 1.7
        chip_mid = lay.heading_baseline + HEADING_SIZE * 0.36 * u
        c.setFillColor(DARK_GREEN)
        c.roundRect(right - chip_w, chip_mid - chip_h / 2, chip_w, chip_h, chip_h / 2, 0, 1)
        text = _ellipsize(period, period_size, chip_w - 20 * u)
        _draw(
            c,
            right - chip_w / 2,
            chip_mid - period_size * 0.36,
            text,
            period_size,
            white,
            align="center",
        )

    community = _ellipsize(_clean(b.community), COMMUNITY_SIZE * u, lay.content_width)
    _draw(c, left, lay.title_baseline, community, COMMUNITY_SIZE * u, GREEN)

    heading = _clean(b.heading)
    room = lay.content_width - (chip_w + 16 * u if period else 0.0)
    size = HEADING_SIZE * u
    natural = _width(heading, size)
    if natural > room:
        size = max(size * room / natural, HEADING_MIN_SIZE * u)
    heading = _ellipsize(heading, size, room)
    _draw(c, left, lay.heading_baseline, heading, size, DARK_GREEN, bold=True)

    c.setStrokeColor(DARK_GREEN)
    c.setLineWidth(3 * u)
    c.line(left, lay.rule_y, right, lay.rule_y)
    c.setStrokeColor(BORDER_GREEN)
    c.setLineWidth(1 * u)
    c.line(left, lay.rule_y - 4 * u, right, lay.rule_y - 4 * u)


def _draw_figure(c: Canvas, cell: _Cell, u: float) -> None:
    c.setFillColor(LIGHT_GREEN)
    c.setStrokeColor(BORDER_GREEN)
    c.setLineWidth(1 * u)
    c.roundRect(cell.x, cell.y, cell.w, cell.h, 6 * u, 1, 1)
    inner = cell.w - 16 * u
    mid = cell.x + cell.w / 2
    fig = cell.figure

    value, unit, label = _clean(fig.value), _clean(fig.unit), _clean(fig.label)
    full = FIG_VALUE_SIZE * u
    unit_size = FIG_UNIT_SIZE * u
    value_w = _width(value, full, LATIN_BOLD)
    unit_w = _width(unit, unit_size) + 4 * u if unit else 0.0
    unit_below = False
    if unit and value_w + unit_w > inner and value_w * FIG_VALUE_SHRINK + unit_w > inner:
        unit_below = True  # a value that would shrink much keeps its size: unit by the label
        unit_w = 0.0
    size = full if value_w + unit_w <= inner else full * (inner - unit_w) / value_w
    size = max(size, FIG_VALUE_MIN_SIZE * u)
    value = _ellipsize(value, size, inner - unit_w, LATIN_BOLD)
    value_w = _width(value, size, LATIN_BOLD)
    x = mid - (value_w + unit_w) / 2
    baseline = cell.y + 40 * u
    _draw(c, x, baseline, value, size, DARK_GREEN, latin=LATIN_BOLD)
    if not unit_below:
        _draw(c, x + value_w + 4 * u, baseline, unit, unit_size, GREY)

    label_size = FIG_LABEL_SIZE * u
    if unit_below:
        unit = _ellipsize(unit, label_size, inner / 2)
        unit_w = _width(unit, label_size) + 6 * u
        label = _ellipsize(label, label_size, inner - unit_w)
        x = mid - (_width(label, label_size) + unit_w) / 2
        _draw(c, x, cell.y + 15 * u, label, label_size, DARK_GREY)
        _draw(c, x + _width(label, label_size) + 6 * u, cell.y + 15 * u, unit, label_size, GREY)
    else:
        natural = _width(label, label_size)
        if natural > inner:  # a long label shrinks a little before it is cut
            label_size = max(label_size * inner / natural, FIG_LABEL_MIN_SIZE * u)
        label = _ellipsize(label, label_size, inner)
        _draw(c, mid, cell.y + 15 * u, label, label_size, DARK_GREY, align="center")


def _column_widths(b: Bulletin, fit: int, size: float, pad: float, width: float) -> list[float]:
    """Date and count columns as wide as their widest cell; the rest shared by event and
    site: each gets what it needs when both fit, else the site gets its share of the need,
    kept between 30% and 50% of the room."""
    rows = [
        (
            b.date_format.format(year=e.date.year, month=e.date.month, day=e.date.day),
            _clean(e.title),
            _clean(e.site),
            f"{e.participations:,}",
        )
        for e in b.events[:fit]
    ]
    need = [
        max(_width(text, size) for text in [_clean(b.columns[i]), *(r[i] for r in rows)])
        + 2 * pad
        + 1  # rounding: a cell exactly as wide as its text must not be cut
        for i in range(4)
    ]
    date_w = min(need[0], width * 0.2)
    count_w = min(need[3], width * 0.2)
    room = width - date_w - count_w
    if need[1] + need[2] <= room:
        site_w = need[2]
    else:
        site_w = min(max(room * need[2] / (need[1] + need[2]), room * 0.3), room * 0.5)
    return [date_w, room - site_w, site_w, count_w]


def _draw_table(c: Canvas, b: Bulletin, lay: _Layout) -> float:
    """Draw the events table from ``lay.table_top``; return the y below it."""
    u, left, width = lay.u, lay.margin, lay.content_width
    size, pad = TABLE_FONT * u, TABLE_PAD * u
    col_w = _column_widths(b, lay.fit, size, pad, width)
    col_x = [left + sum(col_w[:i]) for i in range(4)]

    y = lay.table_top - TABLE_HEADER_HEIGHT * u
    c.setFillColor(DARK_GREEN)
    c.rect(left, y, width, TABLE_HEADER_HEIGHT * u, 0, 1)
    baseline = y + TABLE_HEADER_HEIGHT * u / 2 - size * 0.36
    for i, name in enumerate(b.columns):
        text = _ellipsize(_clean(name), size, col_w[i] - 2 * pad)
        if i == 3:
            _draw(
                c, col_x[i] + col_w[i] - pad, baseline, text, size, white, align="right", bold=True
            )
        else:
            _draw(c, col_x[i] + pad, baseline, text, size, white, bold=True)

    row_h = TABLE_ROW_HEIGHT * u
    for index, event in enumerate(b.events[: lay.fit]):
        y -= row_h
        if index % 2:
            c.setFillColor(ROW_ALT)
            c.rect(left, y, width, row_h, 0, 1)
        c.setStrokeColor(LIGHT_LINE)
        c.setLineWidth(0.6 * u)
        c.line(left, y, left + width, y)
        baseline = y + row_h / 2 - size * 0.36
        d = event.date
        date = b.date_format.format(year=d.year, month=d.month, day=d.day)
        cells = (date, _clean(event.title), _clean(event.site))
        for i, text in enumerate(cells):
            text = _ellipsize(text, size, col_w[i] - 2 * pad)
            _draw(c, col_x[i] + pad, baseline, text, size, GREY if i == 0 else TEXT)
        count = _ellipsize(f"{event.participations:,}", size, col_w[3] - 2 * pad, LATIN_FONT)
        _draw(
            c,
            col_x[3] + col_w[3] - pad,
            baseline,
            count,
            size,
            TEXT,
            latin=LATIN_FONT,
            align="right",
        )

    if lay.more:
        y -= row_h
        text = _ellipsize(_clean(b.more_events_text.format(n=lay.more)), size, width - 2 * pad)
        _draw(c, left + pad, y + row_h / 2 - size * 0.36, text, size, GREY)
    c.setStrokeColor(LINE_GREY)
    c.setLineWidth(1 * u)
    c.line(left, y, left + width, y)
    return y


def _draw_notes(c: Canvas, lay: _Layout, top: float) -> None:
    u, left = lay.u, lay.margin
    size = NOTE_SIZE * u
    y = top - SECTION_GAP * u
    for lines in lay.notes:
        for i, line in enumerate(lines):
            baseline = y - NOTE_LEADING * u * 0.75
            if i == 0:
                c.setFillColor(GREEN)
                c.circle(left + 5 * u, baseline + size * 0.36, 2.8 * u, 0, 1)
            _draw(c, left + 16 * u, baseline, line, size, TEXT)
            y -= NOTE_LEADING * u


def _draw_footer(c: Canvas, b: Bulletin, lay: _Layout) -> None:
    u, left, right = lay.u, lay.margin, lay.margin + lay.content_width
    c.setStrokeColor(LINE_GREY)
    c.setLineWidth(0.6 * u)
    c.line(left, lay.footer_rule_y, right, lay.footer_rule_y)
    text = _ellipsize(_clean(b.footer), FOOTER_SIZE * u, lay.content_width)
    _draw(c, left, lay.footer_baseline, text, FOOTER_SIZE * u, GREY)


def render_pdf(bulletin: Bulletin, *, size: str = "A4") -> bytes:
    """The bulletin as a one-page PDF. ``size`` is "A4" or "A3" (portrait); ValueError
    otherwise. Deterministic: the same bulletin gives the same bytes."""
    lay = _layout(bulletin, size)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(lay.width, lay.height), invariant=1, lang="zh-CN")
    c.setTitle(f"{bulletin.community} {bulletin.heading} {bulletin.period}")
    c.setSubject(bulletin.heading)
    c.setCreator("nearzero")

    _draw_header(c, bulletin, lay)
    for cell in lay.cells:
        _draw_figure(c, cell, lay.u)
    y = _draw_table(c, bulletin, lay) if bulletin.events else lay.table_top + SECTION_GAP * lay.u
    _draw_notes(c, lay, y)
    _draw_footer(c, bulletin, lay)

    c.showPage()
    c.save()
    return buffer.getvalue()
