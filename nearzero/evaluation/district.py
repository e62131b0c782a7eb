"""The district's view of its communities (what a 区生态环境局 officer reads): one row per
community with its headline numbers and its standing against each standard, the same rows as
map features, and two communities side by side against one standard. Pure reads.

Every number is read from the selector the domain's own page uses, so the table shows what
that page shows (tests compare them):

- inventory: :func:`nearzero.inventory.selectors.compute_many` over the latest and the
  previous inventory of *every* community at once (a fixed number of queries), and
  :func:`~nearzero.inventory.selectors.year_on_year` for the change of gross emissions;
- circle: :func:`nearzero.circle.selectors.summary` (per community: the circle has no batch
  read; its answers are cached in-process);
- engagement: ``nearzero.engagement.selectors.summary(community, year).total`` for the
  **reference year** of the row — the year of the latest inventory, or the current year
  when there is none (per community: the engagement summary has no batch read);
- evaluation: :func:`nearzero.evaluation.selectors.evaluation_for` (frozen once submitted,
  live otherwise) for the latest assessment of each standard, and for the chosen standard
  in the reference year when the community has not started an assessment of it;
- action plan: :func:`nearzero.evaluation.selectors.task_counts` (one query for all).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy

from nearzero.circle import selectors as circle_selectors
from nearzero.core.evaluation import Evaluation
from nearzero.engagement import selectors as engagement_selectors
from nearzero.inventory import selectors as inventory_selectors
from nearzero.inventory.models import Inventory
from nearzero.sites import selectors as site_selectors
from nearzero.sites.choices import SiteKind
from nearzero.sites.models import Community, Site

from . import selectors, sources
from .choices import AssessmentStatus, Result
from .models import Assessment

#: The standard the map colours by when none is chosen.
DEFAULT_STANDARD = "nearzero-default"

#: Where a community stands with a standard: its latest assessment is submitted (frozen),
#: a draft (live), or it has none (a live preview for the reference year).
SUBMITTED, DRAFT, NOT_ASSESSED = "submitted", "draft", "not_assessed"
STATE_LABELS = {
    SUBMITTED: pgettext_lazy("assessment state", "submitted"),
    DRAFT: pgettext_lazy("assessment state", "draft"),
    NOT_ASSESSED: pgettext_lazy("assessment state", "not started"),
}

#: Sortable columns of the district table: key, label, numeric?, unit shown after the label.
COLUMNS: tuple[tuple[str, Any, bool, str], ...] = (
    ("name", gettext_lazy("community"), False, ""),
    ("region", gettext_lazy("town · district"), False, ""),
    ("type", gettext_lazy("NDRC pilot type"), False, ""),
    ("population", gettext_lazy("population"), True, ""),
    ("year", gettext_lazy("inventory year"), True, ""),
    ("net", gettext_lazy("net (tCO2e)"), True, ""),
    ("intensity", gettext_lazy("per resident (tCO2e)"), True, ""),
    ("change", gettext_lazy("change against the previous inventory"), True, ""),
    ("coverage", gettext_lazy("15-minute circle coverage"), True, "%"),
    ("knowledge", gettext_lazy("low-carbon knowledge rate"), True, "%"),
    ("open", gettext_lazy("open tasks"), True, ""),
    ("overdue", gettext_lazy("overdue"), True, ""),
)
COLUMN_KEYS = {column[0] for column in COLUMNS}
STANDARD_SORT_PREFIX = "std:"


@dataclass
class StandardCell:
    """A community against one standard: the latest assessment, or a live preview."""

    standard_id: str
    year: int
    state: str  # SUBMITTED | DRAFT | NOT_ASSESSED
    evaluation: Evaluation

    @property
    def result(self) -> str:
        return self.evaluation.result

    @property
    def score_pct(self) -> float | None:
        return self.evaluation.score_pct

    @property
    def result_label(self) -> str:
        """The short label (the table's cells are narrow)."""
        return str(Result(self.result).label)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass
class Row:
    community: Community
    reference_year: int
    inventory_year: int | None = None
    gross_tco2e: float | None = None
    net_tco2e: float | None = None
    intensity_tco2e_per_resident: float | None = None
    change_pct: float | None = None
    change_base_year: int | None = None
    coverage_pct: float | None = None
    knowledge_rate_pct: float | None = None
    open_tasks: int = 0
    overdue_tasks: int = 0
    standards: dict[str, StandardCell] = field(default_factory=dict)
    #: [lon, lat] of a point that stands for the community on the map, if any.
    anchor: list[float] | None = None

    @property
    def slug(self) -> str:
        return self.community.slug

    @property
    def name(self) -> str:
        return self.community.name

    @property
    def town(self) -> str:
        return self.community.region.name

    @property
    def district(self) -> str:
        parent = self.community.region.parent
        return parent.name if parent is not None else ""

    @property
    def pilot_type_label(self) -> str:
        return str(self.community.get_pilot_type_display())

    def cells(self, standard_ids: list[str]) -> list[StandardCell | None]:
        return [self.standards.get(sid) for sid in standard_ids]

    def sort_value(self, key: str):
        if key.startswith(STANDARD_SORT_PREFIX):
            cell = self.standards.get(key[len(STANDARD_SORT_PREFIX) :])
            return None if cell is None else cell.score_pct
        return {
            "name": self.name,
            "region": (self.district, self.town),
            "type": self.pilot_type_label,
            "population": self.community.population,
            "year": self.inventory_year,
            "net": self.net_tco2e,
            "intensity": self.intensity_tco2e_per_resident,
            "change": self.change_pct,
            "coverage": self.coverage_pct,
            "knowledge": self.knowledge_rate_pct,
            "open": self.open_tasks,
            "overdue": self.overdue_tasks,
        }[key]


def _standard_name(standard) -> str:
    return standard.name.get(get_language() or "zh-hans")


def standard_choices() -> list[tuple[str, str]]:
    """(id, name) of every standard, for the pickers."""
    return [(e.standard.id, _standard_name(e.standard)) for e in selectors.standard_entries()]


def _inventories_by_community(ids: list[int]) -> dict[int, list[Inventory]]:
    """Every inventory of the communities, newest first, in one query."""
    out: dict[int, list[Inventory]] = defaultdict(list)
    for inventory in (
        Inventory.objects.filter(community_id__in=ids)
        .select_related("community", "factor_set")
        .order_by("community_id", "-year")
    ):
        out[inventory.community_id].append(inventory)
    return out


def _headline(
    inventories: list[Inventory], computed: dict[int, inventory_selectors.Computed]
) -> dict:
    """The inventory's headline numbers (as the inventory page and dashboard show them)
    for the first of ``inventories``, against the second one (the previous inventory)."""
    out: dict[str, Any] = dict.fromkeys(
        (
            "inventory_year",
            "gross_tco2e",
            "net_tco2e",
            "intensity_tco2e_per_resident",
            "change_pct",
            "change_base_year",
        )
    )
    if not inventories:
        return out
    current = computed[inventories[0].pk]
    result = current.result
    out.update(
        inventory_year=current.inventory.year,
        gross_tco2e=result.gross_tco2e,
        net_tco2e=result.net_tco2e,
        intensity_tco2e_per_resident=result.intensity_tco2e_per_resident,
    )
    if len(inventories) > 1:
        base, decomposition = inventory_selectors.year_on_year(current, computed[inventories[1].pk])
        out["change_pct"] = decomposition.change_pct
        out["change_base_year"] = base.year if base is not None else None
    return out


def _anchors(communities: list[Community]) -> dict[int, list[float]]:
    """A point for each community: its centre, else the middle of its boundary, else the
    mean of its sites (two queries for all)."""
    ids = [c.pk for c in communities]
    out: dict[int, list[float]] = {}
    for site in Site.objects.filter(
        community_id__in=ids, kind=SiteKind.CENTRE, is_active=True
    ).order_by("pk"):
        out.setdefault(site.community_id, [site.lon, site.lat])
    for community in communities:
        if community.pk in out:
            continue
        ring = _outer_ring(community.boundary)
        if ring:
            points = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
            out[community.pk] = [
                sum(p[0] for p in points) / len(points),
                sum(p[1] for p in points) / len(points),
            ]
    missing = [pk for pk in ids if pk not in out]
    if missing:
        for row in (
            Site.objects.filter(community_id__in=missing)
            .values("community_id")
            .annotate(lat=Avg("lat"), lon=Avg("lon"))
            .order_by()
        ):
            out[row["community_id"]] = [row["lon"], row["lat"]]
    return out


def _outer_ring(boundary: dict | None) -> list | None:
    if not boundary:
        return None
    geometry = boundary.get("geometry", boundary)
    coordinates = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon" and coordinates:
        return coordinates[0]
    if geometry.get("type") == "MultiPolygon" and coordinates and coordinates[0]:
        return coordinates[0][0]
    return None


def _latest_assessments(ids: list[int]) -> dict[int, dict[str, Assessment]]:
    """community id → standard id → its latest assessment (one query)."""
    out: dict[int, dict[str, Assessment]] = defaultdict(dict)
    for assessment in Assessment.objects.filter(community_id__in=ids).order_by(
        "community_id", "standard", "-year"
    ):
        out[assessment.community_id].setdefault(assessment.standard, assessment)
    return out


def _cell_for_assessment(community, assessment: Assessment, context) -> StandardCell | None:
    try:
        evaluation = selectors.evaluation_for(
            community, assessment.standard, assessment.year, context=context
        )
    except LookupError:  # the standard was removed
        return None
    state = SUBMITTED if assessment.status == AssessmentStatus.SUBMITTED else DRAFT
    return StandardCell(assessment.standard, assessment.year, state, evaluation)


def _preview(community, standard, year: int, context) -> StandardCell | None:
    """The chosen standard for a community that has not assessed itself against it."""
    if community.pilot_type not in standard.community_types:
        return None
    evaluation = selectors.evaluation_for(community, standard.id, year, context=context)
    return StandardCell(standard.id, year, NOT_ASSESSED, evaluation)


def district_rows(communities, *, standard_id: str = DEFAULT_STANDARD) -> list[Row]:
    """One :class:`Row` per community of ``communities`` (a queryset already limited to what
    the user may see), in name order. ``standard_id`` is the chosen standard: every row has
    a cell for it (its latest assessment, or a live preview for the reference year)."""
    chosen = selectors.get_standard(standard_id)
    communities = list(communities.select_related("region", "region__parent"))
    communities.sort(key=lambda c: (c.name, c.pk))
    ids = [c.pk for c in communities]
    this_year = timezone.localdate().year

    inventories = _inventories_by_community(ids)
    batch = [inv for pk in ids for inv in inventories[pk][:2]]
    computed = inventory_selectors.compute_many(batch) if batch else {}
    tasks = selectors.task_counts(ids)
    latest = _latest_assessments(ids)
    anchors = _anchors(communities)

    rows = []
    for community in communities:
        headline = _headline(inventories[community.pk], computed)
        row = Row(
            community=community,
            reference_year=headline.get("inventory_year") or this_year,
            **headline,
        )
        circle = circle_selectors.summary(community)
        row.coverage_pct = circle["coverage_pct"] if circle else None
        kpis = engagement_selectors.summary(community, row.reference_year).total
        row.knowledge_rate_pct = kpis.knowledge_rate_pct
        row.open_tasks = tasks[community.pk]["open"]
        row.overdue_tasks = tasks[community.pk]["overdue"]
        # The standards' measures read each domain once a year, reusing what the row read.
        contexts = {
            row.reference_year: sources.Context(
                community, row.reference_year, circle=circle, engagement=kpis
            )
        }

        def context(year: int, community=community, contexts=contexts):
            return contexts.setdefault(year, sources.Context(community, year))

        for sid, assessment in latest.get(community.pk, {}).items():
            cell = _cell_for_assessment(community, assessment, context(assessment.year))
            if cell is not None:
                row.standards[sid] = cell
        if standard_id not in row.standards:
            cell = _preview(community, chosen, row.reference_year, context(row.reference_year))
            if cell is not None:
                row.standards[standard_id] = cell
        row.anchor = anchors.get(community.pk)
        rows.append(row)
    return rows


def standard_columns(rows: list[Row], chosen: str, *, only_chosen: bool) -> list[dict]:
    """The standards shown as columns: the chosen one first, then (unless filtered to the
    chosen one) every other standard some community has assessed itself against."""
    seen = {sid for row in rows for sid in row.standards}
    out = []
    for entry in selectors.standard_entries():
        sid = entry.standard.id
        if sid == chosen or (not only_chosen and sid in seen):
            out.append(
                {
                    "id": sid,
                    "name": _standard_name(entry.standard),
                    "sort_key": STANDARD_SORT_PREFIX + sid,
                    "chosen": sid == chosen,
                }
            )
    out.sort(key=lambda c: not c["chosen"])
    return out


def sort_rows(rows: list[Row], key: str, direction: str = "asc") -> list[Row]:
    """Rows sorted by a column, ascending or descending; rows without a value last either
    way; ties keep name order (the sort is stable)."""
    by_name = sorted(rows, key=lambda r: (r.name, r.community.pk))
    present = [r for r in by_name if r.sort_value(key) is not None]
    absent = [r for r in by_name if r.sort_value(key) is None]
    present.sort(key=lambda r: r.sort_value(key), reverse=direction == "desc")
    return present + absent


def valid_sort(key: str | None, standard_ids: list[str]) -> str:
    if key in COLUMN_KEYS:
        return key
    prefix = STANDARD_SORT_PREFIX
    if key and key.startswith(prefix) and key[len(prefix) :] in standard_ids:
        return key
    return "name"


#: Map colours of the overall results, in step with the result badges of app.css.
RESULT_COLOURS = {"pass": "#1f7a4d", "fail": "#b8281d", "incomplete": "#d49a12"}
NO_RESULT_COLOUR = "#8a9a92"


def map_features(rows: list[Row], standard_id: str) -> dict:
    """The rows as a GeoJSON FeatureCollection for the district map: each community's
    boundary (when it has one, from :func:`nearzero.sites.selectors.community_map`) and a
    point, both carrying the overall result of ``standard_id`` and a few key numbers."""
    features: list[dict] = []
    for row in rows:
        cell = row.standards.get(standard_id)
        properties = {
            "slug": row.slug,
            "name": row.name,
            "region": f"{row.town} · {row.district}" if row.district else row.town,
            "url": reverse("web:dashboard", kwargs={"slug": row.slug}),
            "result": cell.result if cell else "",
            "state": cell.state if cell else "",
            "state_label": cell.state_label if cell else "",
            "score_pct": cell.score_pct if cell else None,
            "year": cell.year if cell else None,
            "colour": RESULT_COLOURS.get(cell.result, NO_RESULT_COLOUR)
            if cell
            else NO_RESULT_COLOUR,
            "inventory_year": row.inventory_year,
            "net_tco2e": row.net_tco2e,
            "intensity_tco2e_per_resident": row.intensity_tco2e_per_resident,
            "coverage_pct": row.coverage_pct,
        }
        for feature in site_selectors.community_map(row.community, Site.objects.none())["features"]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": feature["geometry"],
                    "properties": {**properties, "role": "boundary"},
                }
            )
        if row.anchor is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": row.anchor},
                    "properties": {**properties, "role": "community"},
                }
            )
    return {"type": "FeatureCollection", "features": features}


# --- two communities side by side ---------------------------------------------------------


def _better(results: list, indicator_kind: str, direction: str) -> int | None:
    """Index of the better of two indicator results, or None (a tie, or a value missing)."""
    if len(results) != 2 or any(r is None or r.value is None for r in results):
        return None
    if any(r.status == "not_applicable" for r in results):
        return None
    a, b = results[0].value, results[1].value
    if indicator_kind == "boolean" or isinstance(a, bool) or isinstance(b, bool):
        if bool(a) == bool(b):
            return None
        return 0 if a else 1
    a, b = float(a), float(b)
    if a == b:
        return None
    if direction == "lower":
        return 0 if a < b else 1
    return 0 if a > b else 1


def _profile(community: Community) -> dict:
    summary = site_selectors.community_summary(community)
    labels = dict(SiteKind.choices)
    return {
        "pilot_type_label": community.get_pilot_type_display(),
        "population": community.population,
        "households": community.households,
        "sites_total": summary.sites_total,
        "sites_by_kind": [
            {"kind": kind, "label": labels[kind], "count": n}
            for kind, n in summary.sites_by_kind.items()
        ],
    }


def comparison(communities: list[Community], standard_id: str, year: int | None = None) -> dict:
    """One or two communities side by side: profile, inventory headline, every indicator of
    the standard (value, threshold, status, the better value marked) and the gap lists.

    Without ``year`` each community is read for its own year: its latest assessment of the
    standard, else its latest inventory, else the current year. ``LookupError`` for an
    unknown standard."""
    standard = selectors.get_standard(standard_id)
    ids = [c.pk for c in communities]
    inventories = _inventories_by_community(ids)
    latest = _latest_assessments(ids)
    this_year = timezone.localdate().year

    chosen_inventories: dict[int, list[Inventory]] = {}
    for community in communities:
        mine = inventories[community.pk]
        if year is not None:
            at = next((i for i, inv in enumerate(mine) if inv.year == year), None)
            mine = [] if at is None else mine[at : at + 2]
        chosen_inventories[community.pk] = mine[:2]
    batch = {inv.pk: inv for invs in chosen_inventories.values() for inv in invs}
    computed = inventory_selectors.compute_many(list(batch.values())) if batch else {}

    columns = []
    for community in communities:
        headline = _headline(chosen_inventories[community.pk], computed)
        assessment = latest.get(community.pk, {}).get(standard_id)
        if year is not None:
            eval_year = year
            assessment = Assessment.objects.filter(
                community=community, standard=standard_id, year=year
            ).first()
        elif assessment is not None:
            eval_year = assessment.year
        else:
            eval_year = headline.get("inventory_year") or this_year
        evaluation = selectors.evaluation_for(community, standard_id, eval_year)
        if assessment is None:
            state = NOT_ASSESSED
        elif assessment.status == AssessmentStatus.SUBMITTED:
            state = SUBMITTED
        else:
            state = DRAFT
        columns.append(
            {
                "community": community,
                "profile": _profile(community),
                "inventory": headline,
                "year": eval_year,
                "evaluation": evaluation,
                "state": state,
                "state_label": STATE_LABELS[state],
                "gaps": [selectors.gap_sentence(r) for r in evaluation.gaps],
                "by_id": {r.id: r for r in evaluation.indicators},
            }
        )

    indicators = []
    for indicator in standard.indicators:
        results = [col["by_id"].get(indicator.id) for col in columns]
        better = _better(results, indicator.kind, indicator.direction)
        cells = []
        for i, result in enumerate(results):
            if result is None:  # a frozen submission of an older version of the standard
                cells.append(None)
                continue
            cells.append(
                {
                    "value": result.value,
                    "value_text": selectors.format_value(result.value, result.unit, result.kind),
                    "threshold_text": selectors.threshold_text(result),
                    "status": result.status,
                    "better": better == i,
                }
            )
        indicators.append(
            {
                "id": indicator.id,
                "name": indicator.name.get(get_language() or "zh-hans"),
                "group": indicator.group.get(get_language() or "zh-hans")
                if indicator.group
                else "",
                "unit": indicator.unit,
                "cells": cells,
            }
        )
    return {
        "standard": {"id": standard.id, "name": _standard_name(standard)},
        "columns": columns,
        "indicators": indicators,
    }
