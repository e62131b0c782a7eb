"""The reports page of a community and the downloads (PDF, DOCX, XLSX).

Staff of the community only; anyone else gets 404. ``?lang=en`` asks for English, ``?lang=zh``
for Chinese; without it a document is in the language of the page.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import content_disposition_header

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required

from . import data, documents
from .data import ReportError


def _community(request, slug: str):
    return scope.get_or_404(
        scope.communities_for(request.user).select_related("region__parent__parent"), slug=slug
    )


def _language(request) -> str:
    try:
        return documents.language_code(request.GET.get("lang") or translation.get_language())
    except ReportError:
        raise Http404 from None


def _year(community, year: int) -> int:
    """A year with something to report, or 404."""
    if year not in data.years(community):
        raise Http404
    return year


def _download(body: bytes, filename: str, ext: str) -> HttpResponse:
    return HttpResponse(
        body,
        content_type=documents.CONTENT_TYPES[ext],
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


@staff_required
def index(request, slug: str):
    from nearzero.evaluation import selectors as evaluation

    community = _community(request, slug)
    years = data.years(community)
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        raise Http404 from None
    if year not in years:
        year = years[0] if years else 0
    language = _language(request)
    assessed = {a["standard_id"]: a for a in evaluation.assessments(community, year)}
    standards = []
    for row in evaluation.standards_listing():
        a = assessed.get(row["id"])
        standards.append(
            {
                "id": row["id"],
                "name": row["name_en"] if language == "en" and row["name_en"] else row["name_zh"],
                "reference": row["reference"],
                "assessed": a is not None,
                "status": a["status"] if a else "",
                "result": a["evaluation"].result if a else "",
                "score_pct": a["evaluation"].score_pct if a else None,
            }
        )
    standards.sort(key=lambda s: (not s["assessed"], s["id"]))
    return render(
        request,
        "reports/index.html",
        {
            "community": community,
            "years": years,
            "year": year,
            "language": language,
            "languages": [("zh-hans", "简体中文"), ("en", "English")],
            "standards": standards,
            "has_inventory": year in data.inventory_years(community),
            "lang_param": "zh" if language == "zh-hans" else "en",
        },
    )


@staff_required
def acceptance(request, slug: str, standard_id: str, year: int, fmt: str):
    community = _community(request, slug)
    if fmt not in documents.FORMATS:
        raise Http404
    language = _language(request)
    _year(community, year)
    render_ = documents.acceptance_pdf if fmt == "pdf" else documents.acceptance_docx
    try:
        body = render_(community, standard_id, year, language=language)
    except ReportError:
        raise Http404 from None
    name = documents.filename(
        community, "acceptance", year, fmt, standard_id=standard_id, language=language
    )
    return _download(body, name, fmt)


@staff_required
def annual(request, slug: str, year: int):
    community = _community(request, slug)
    language = _language(request)
    _year(community, year)
    try:
        body = documents.annual_pdf(community, year, language=language)
    except ReportError:
        raise Http404 from None
    return _download(
        body, documents.filename(community, "annual", year, "pdf", language=language), "pdf"
    )


@staff_required
def workbook(request, slug: str, kind: str, year: int):
    community = _community(request, slug)
    if kind not in documents.WORKBOOKS:
        raise Http404
    language = _language(request)
    _year(community, year)
    try:
        body = documents.workbook(kind, community, year, language=language)
    except ReportError:
        raise Http404 from None
    name = documents.filename(community, kind, year, "xlsx", language=language)
    return _download(body, name, "xlsx")
