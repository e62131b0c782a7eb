"""The reports' entry points: one function per document, returning its bytes.

``language`` is ``"zh-hans"`` (default) or ``"en"``; every label is read through gettext in
that language, the data are the same. ``today`` is the report date printed on the cover and
used as the file's creation date (default: today in the community's time zone), so the same
data on the same day give identical files.
"""

from __future__ import annotations

from django.utils import translation

from . import data, layout, pdf
from .data import ReportError

LANGUAGES = ("zh-hans", "en")
FORMATS = ("pdf", "docx")
WORKBOOKS = ("inventory", "events", "points")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def language_code(value: str | None) -> str:
    """``zh``/``zh-hans``/``zh-cn`` → ``zh-hans``; ``en…`` → ``en``; unknown → ReportError."""
    value = (value or "zh-hans").strip().lower()
    if value in ("zh", "zh-hans", "zh-cn", "zh_hans", "cn"):
        return "zh-hans"
    if value.startswith("en"):
        return "en"
    raise ReportError("unknown_language", f"unknown language {value!r}; use zh-hans or en")


def acceptance_document(
    community, standard_id: str, year: int, *, language: str = "zh-hans", today=None
) -> layout.Document:
    with translation.override(language_code(language)):
        return layout.acceptance(data.acceptance(community, standard_id, year, today=today))


def acceptance_pdf(
    community, standard_id: str, year: int, *, language: str = "zh-hans", today=None
) -> bytes:
    """The acceptance self-evaluation report (验收自评报告) as PDF."""
    language = language_code(language)
    document = acceptance_document(community, standard_id, year, language=language, today=today)
    with translation.override(language):
        return pdf.render(document)


def acceptance_docx(
    community, standard_id: str, year: int, *, language: str = "zh-hans", today=None
) -> bytes:
    """The acceptance self-evaluation report as DOCX (the file a district edits and files)."""
    from . import docx

    language = language_code(language)
    document = acceptance_document(community, standard_id, year, language=language, today=today)
    with translation.override(language):
        return docx.render(document)


def annual_pdf(community, year: int, *, language: str = "zh-hans", today=None) -> bytes:
    """The annual report (年度报告) as PDF."""
    language = language_code(language)
    with translation.override(language):
        document = layout.annual(data.annual(community, year, today=today))
        return pdf.render(document)


def workbook(kind: str, community, year: int, *, language: str = "zh-hans") -> bytes:
    """An Excel workbook: ``inventory``, ``events`` or ``points``."""
    from . import workbooks

    if kind not in WORKBOOKS:
        raise ReportError(
            "unknown_workbook", f"unknown workbook {kind!r}; use {', '.join(WORKBOOKS)}"
        )
    data.check_year(year)
    with translation.override(language_code(language)):
        return workbooks.BUILDERS[kind](community, year)


def filename(
    community, report: str, year: int, ext: str, *, standard_id: str = "", language: str = "zh-hans"
) -> str:
    """An ASCII file name: ``dongping-acceptance-nearzero-default-2024-en.pdf``."""
    parts = [community.slug, report]
    if standard_id:
        parts.append(standard_id)
    parts.append(str(year))
    if language_code(language) == "en":
        parts.append("en")
    return "-".join(parts) + f".{ext}"


__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "LANGUAGES",
    "WORKBOOKS",
    "ReportError",
    "acceptance_docx",
    "acceptance_pdf",
    "annual_pdf",
    "filename",
    "language_code",
    "workbook",
]
