"""The fonts of the reports, shipped as wheels so a PDF looks the same on every machine.

- Noto Sans SC and Noto Serif SC (SIL OFL 1.1) from the ``pylopdf-fonts-zh-cn`` wheel: the
  Chinese and Latin text of every PDF, chart and (by name) the DOCX. Only the Regular weight
  is shipped, so emphasis is made with size and colour, never with a synthetic bold.
- DejaVu Sans (bundled with matplotlib, Bitstream Vera licence): the fallback for the few
  signs Noto Sans SC lacks, such as the subscript two of "tCO₂e".

PDFs embed subsets of these files (fpdf2 through fontTools), so a reader needs no font
installed; system fonts are never used.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
import pylopdf_fonts_zh_cn

_NOTO_DIR = Path(pylopdf_fonts_zh_cn.__file__).resolve().parent
SANS = _NOTO_DIR / "NotoSansSC-Regular.otf"
SERIF = _NOTO_DIR / "NotoSerifSC-Regular.otf"
FALLBACK = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"

#: Family names as the font files declare them (matplotlib looks fonts up by these).
SANS_FAMILY = "Noto Sans SC"
SERIF_FAMILY = "Noto Serif SC"
FALLBACK_FAMILY = "DejaVu Sans"

#: Names the East Asian text of a DOCX asks Word for, in order: the report's font, then the
#: Song typeface every Chinese Windows and macOS has.
DOCX_EAST_ASIA = SANS_FAMILY
DOCX_EAST_ASIA_FALLBACK = "SimSun"


@cache
def check() -> tuple[Path, ...]:
    """The font files, after checking they exist (a broken install fails loudly here)."""
    paths = (SANS, SERIF, FALLBACK)
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"report fonts missing: {', '.join(missing)}")
    return paths
