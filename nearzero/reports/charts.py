"""Charts of the reports as PNG images (matplotlib, Agg backend), embedded in PDF and DOCX.

Every function takes plain, already translated labels and numbers and returns PNG bytes at
:data:`DPI`. The text is set in Noto Sans SC (the file the PDFs embed), with DejaVu Sans as
the fallback for signs Noto lacks, so Chinese labels never turn into boxes. Figures are
closed after drawing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import fonts

DPI = 200
#: Width of a full-width chart [inch]: the 170 mm text width of an A4 page.
WIDTH_IN = 6.7
HEIGHT_IN = 2.9
#: The inventory page's palette (nearzero/inventory/charts.py), so reports look the same.
PALETTE = ["#1f7a4d", "#3b82c4", "#c2410c", "#a16207", "#7c5cbf", "#0f766e", "#9aa5a0"]
INK = "#1f2a24"
GRID = "#d9e0dc"


@cache
def _register_fonts() -> None:
    fonts.check()
    for path in (fonts.SANS, fonts.FALLBACK):
        font_manager.fontManager.addfont(str(path))


def _style() -> dict:
    _register_fonts()
    return {
        "font.family": [fonts.SANS_FAMILY, fonts.FALLBACK_FAMILY],
        "font.size": 8.5,
        "axes.unicode_minus": False,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "axes.titlesize": 9.5,
        "axes.titlecolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "legend.frameon": False,
        "svg.hashsalt": "nearzero",
    }


def _number(value: float, _pos=None) -> str:
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _png(fig) -> bytes:
    out = io.BytesIO()
    try:
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return out.getvalue()


def _axes(height_in: float = HEIGHT_IN):
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height_in), layout="constrained")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def horizontal_bars(
    labels: Sequence[str], values: Sequence[float], *, unit: str, title: str = ""
) -> bytes:
    """One bar per label (e.g. GPC sectors), largest first as given, value printed at the end."""
    with plt.rc_context(_style()):
        height = max(1.4, 0.42 * len(labels) + 0.7)
        fig, ax = _axes(height)
        ax.grid(False, axis="y")
        ax.grid(True, axis="x", color=GRID, linewidth=0.6)
        positions = list(range(len(labels)))[::-1]
        bars = ax.barh(positions, values, color=PALETTE[0], height=0.6)
        ax.set_yticks(positions, labels)
        ax.bar_label(bars, labels=[_number(v) for v in values], padding=3, fontsize=8)
        ax.xaxis.set_major_formatter(FuncFormatter(_number))
        ax.set_xlabel(unit)
        top = max([*values, 0.0])
        ax.set_xlim(0, top * 1.15 if top > 0 else 1)
        if title:
            ax.set_title(title, loc="left")
        return _png(fig)


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    unit: str,
    title: str = "",
) -> bytes:
    """Bars stacked by series (e.g. emissions by month and community category)."""
    with plt.rc_context(_style()):
        fig, ax = _axes()
        bottom = [0.0] * len(categories)
        x = list(range(len(categories)))
        for i, (label, values) in enumerate(series):
            ax.bar(
                x, values, bottom=bottom, label=label, color=PALETTE[i % len(PALETTE)], width=0.7
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(x, categories)
        ax.yaxis.set_major_formatter(FuncFormatter(_number))
        ax.set_ylabel(unit)
        if series:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
        if title:
            ax.set_title(title, loc="left")
        return _png(fig)


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    unit: str,
    title: str = "",
) -> bytes:
    """Bars side by side per category (e.g. monthly import, export and generation)."""
    with plt.rc_context(_style()):
        fig, ax = _axes()
        n = max(len(series), 1)
        width = 0.8 / n
        for i, (label, values) in enumerate(series):
            x = [c - 0.4 + width * (i + 0.5) for c in range(len(categories))]
            ax.bar(x, values, width=width, label=label, color=PALETTE[i % len(PALETTE)])
        ax.set_xticks(range(len(categories)), categories)
        ax.yaxis.set_major_formatter(FuncFormatter(_number))
        ax.set_ylabel(unit)
        if series:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
        if title:
            ax.set_title(title, loc="left")
        return _png(fig)


def bars_and_line(
    categories: Sequence[str],
    bars: tuple[str, Sequence[float]],
    line: tuple[str, Sequence[float]],
    *,
    title: str = "",
) -> bytes:
    """Bars on the left axis and a line on the right one (e.g. participations and events)."""
    with plt.rc_context(_style()):
        fig, ax = _axes()
        x = list(range(len(categories)))
        ax.bar(x, bars[1], color=PALETTE[0], width=0.65, label=bars[0])
        ax.set_xticks(x, categories)
        ax.set_ylabel(bars[0])
        ax.yaxis.set_major_formatter(FuncFormatter(_number))
        right = ax.twinx()
        right.plot(x, line[1], color=PALETTE[2], marker="o", markersize=3.5, label=line[0])
        right.set_ylabel(line[0])
        right.spines[["top"]].set_visible(False)
        right.spines["right"].set_color(GRID)
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_ylim(bottom=0, top=max([*line[1], 1]) * 1.2)
        handles = ax.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=7.5)
        if title:
            ax.set_title(title, loc="left")
        return _png(fig)
