"""The district pages: the table and map of every community a user may see, and two
communities side by side. Parse → call :mod:`.district` → render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required

from . import district, selectors


def _standard_or_404(standard_id: str) -> str:
    try:
        selectors.get_standard(standard_id)
    except LookupError:
        raise Http404 from None
    return standard_id


def _year(text: str | None) -> int | None:
    """An optional year from the query string; anything else counts as no year."""
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if 2000 <= value <= 2100 else None


@staff_required
def district_overview(request):
    filtered = bool(request.GET.get("standard"))
    standard_id = _standard_or_404(request.GET.get("standard") or district.DEFAULT_STANDARD)
    rows = district.district_rows(scope.communities_for(request.user), standard_id=standard_id)
    standards = district.standard_columns(rows, standard_id, only_chosen=filtered)
    sort = district.valid_sort(request.GET.get("sort"), [s["id"] for s in standards])
    direction = "desc" if request.GET.get("dir") == "desc" else "asc"
    rows = district.sort_rows(rows, sort, direction)

    def header(key: str) -> dict:
        """The link of a column header: ascending first, the other way when sorted by it."""
        next_dir = "desc" if key == sort and direction == "asc" else "asc"
        query = {"sort": key, "dir": next_dir}
        if filtered:
            query["standard"] = standard_id
        return {
            "url": "?" + urlencode(query),
            "aria_sort": ("ascending" if direction == "asc" else "descending")
            if key == sort
            else "",
        }

    columns = [
        {"key": key, "label": label, "numeric": numeric, "unit": unit, **header(key)}
        for key, label, numeric, unit in district.COLUMNS
    ]
    for column in standards:
        column.update(header(column["sort_key"]))
    return render(
        request,
        "evaluation/district.html",
        {
            "rows": [
                (row, list(zip(standards, row.cells([s["id"] for s in standards]), strict=True)))
                for row in rows
            ],
            "columns": columns,
            "standards": standards,
            "column_count": len(columns) + len(standards),
            "standard_id": standard_id,
            "filtered": filtered,
            "standard_choices": district.standard_choices(),
            "sort": sort,
            "direction": direction,
            "features": district.map_features(rows, standard_id),
            "colours": district.RESULT_COLOURS,
            "no_result_colour": district.NO_RESULT_COLOUR,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


@staff_required
def compare(request):
    visible = scope.communities_for(request.user).select_related("region", "region__parent")
    choices = sorted(visible, key=lambda c: (c.name, c.pk))
    standard_id = _standard_or_404(request.GET.get("standard") or district.DEFAULT_STANDARD)
    year = _year(request.GET.get("year"))
    a_slug, b_slug = request.GET.get("a"), request.GET.get("b")
    a = scope.get_or_404(visible, slug=a_slug) if a_slug else (choices[0] if choices else None)
    if b_slug:
        b = scope.get_or_404(visible, slug=b_slug)
    else:
        b = next((c for c in choices if a is None or c.pk != a.pk), None)
    picked = [c for c in (a, b) if c is not None]
    return render(
        request,
        "evaluation/compare.html",
        {
            "choices": choices,
            "a": a,
            "b": b,
            "year": year,
            "standard_id": standard_id,
            "standard_choices": district.standard_choices(),
            "comparison": district.comparison(picked, standard_id, year) if picked else None,
        },
    )
