"""Reads of the evaluation app: the standards (shipped files and user-added ones), a
community's evaluation against a standard for a year (live for a draft, frozen once
submitted), gap sentences, submissions, the action plan and the district's table."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from nearzero.core import numbers
from nearzero.core.evaluation import Evaluation, IndicatorResult, Standard, Value, evaluate, parse

from . import sources
from .choices import TaskStatus
from .models import Assessment, Evidence, KeyProject, ManualValue, Minutes, StandardFile, Task

SHIPPED_DIR = Path(__file__).resolve().parent / "standards"


@dataclass(frozen=True)
class StandardEntry:
    standard: Standard
    shipped: bool
    filename: str
    sha256: str


@lru_cache(maxsize=1)
def shipped_standards() -> tuple[StandardEntry, ...]:
    out = []
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        data = path.read_bytes()
        standard = parse(data, path.name, measures=sources.measure_names())
        out.append(StandardEntry(standard, True, path.name, hashlib.sha256(data).hexdigest()))
    return tuple(out)


@lru_cache(maxsize=64)
def _parse_user(code: str, sha256: str, text: str, filename: str) -> Standard:
    return parse(text, filename, measures=sources.measure_names())


def standard_entries() -> list[StandardEntry]:
    """Every standard: the shipped ones, then those users added."""
    out = list(shipped_standards())
    for row in StandardFile.objects.all():
        out.append(
            StandardEntry(
                _parse_user(row.code, row.sha256, row.text, row.filename),
                False,
                row.filename,
                row.sha256,
            )
        )
    return out


def standard_entry(standard_id: str) -> StandardEntry:
    for entry in shipped_standards():
        if entry.standard.id == standard_id:
            return entry
    row = StandardFile.objects.filter(code=standard_id).first()
    if row is None:
        raise LookupError(standard_id)
    return StandardEntry(
        _parse_user(row.code, row.sha256, row.text, row.filename), False, row.filename, row.sha256
    )


def standard_text(entry: StandardEntry) -> str:
    """The YAML file of a standard, as shipped or as the user added it."""
    if entry.shipped:
        return (SHIPPED_DIR / entry.filename).read_text(encoding="utf-8")
    return StandardFile.objects.get(code=entry.standard.id).text


def get_standard(standard_id: str) -> Standard:
    """The standard with this id; LookupError if there is none."""
    return standard_entry(standard_id).standard


def standards_listing() -> list[dict]:
    """What ``nearzero standards list`` prints and the standards page shows."""
    return [
        {
            "id": e.standard.id,
            "version": e.standard.version,
            "name_zh": e.standard.name.zh,
            "name_en": e.standard.name.en,
            "issuer_zh": e.standard.issuer.zh,
            "issuer_en": e.standard.issuer.en,
            "reference": e.standard.reference,
            "indicators": len(e.standard.indicators),
            "community_types": list(e.standard.community_types),
            "shipped": e.shipped,
            "file": e.filename,
        }
        for e in standard_entries()
    ]


# --- evaluation ---------------------------------------------------------------------------


def default_year(community) -> int:
    """The period a community's evaluation page opens on: its latest assessment's year, else
    its latest inventory's, else this year."""
    from nearzero.inventory.models import Inventory

    for rows in (Assessment.objects, Inventory.objects):
        year = (
            rows.filter(community=community).order_by("-year").values_list("year", flat=True)
        ).first()
        if year is not None:
            return year
    return timezone.localdate().year


def measured_values(
    standard: Standard, community, year: int, context: sources.Context | None = None
) -> dict[str, Value]:
    """The domain measures of ``standard`` for a community and year (no manual values)."""
    ctx = context or sources.Context(community, year)
    out: dict[str, Value] = {}
    for ind in standard.indicators:
        if ind.source.manual:
            continue
        value, detail = sources.read(ctx, ind.source.domain, ind.source.measure)
        out[ind.id] = Value(value, ind.source.key, detail)
    return out


def manual_values(standard: Standard, assessment: Assessment | None) -> dict[str, Value]:
    if assessment is None:
        return {}
    entered = {m.indicator: m for m in assessment.manual_values.all()}
    evidence = Counter(assessment.evidence.values_list("indicator", flat=True))
    out: dict[str, Value] = {}
    for ind in standard.indicators:
        row = entered.get(ind.id)
        value: float | bool | None = None
        if row is not None and ind.source.manual:
            value = row.flag if ind.kind == "boolean" else row.value
        out[ind.id] = Value(
            value,
            ind.source.key,
            row.note if row is not None else "",
            evidence.get(ind.id, 0),
        )
    return out


def live_evaluation(
    community,
    standard: Standard,
    year: int,
    assessment: Assessment | None = None,
    *,
    context: sources.Context | None = None,
) -> Evaluation:
    """Computed now: the domains' measures (through ``context``, if the caller shares one
    across standards) and the assessment's manual values and evidence."""
    entered = manual_values(standard, assessment)
    values = dict(entered)
    for key, value in measured_values(standard, community, year, context).items():
        values[key] = dataclasses.replace(
            value, evidence_count=entered[key].evidence_count if key in entered else 0
        )
    return evaluate(standard, community.pilot_type, year, values)


def from_snapshot(data: dict) -> Evaluation:
    fields = {f.name for f in dataclasses.fields(IndicatorResult)}
    rows = [
        IndicatorResult(**{k: v for k, v in r.items() if k in fields}) for r in data["indicators"]
    ]
    keep = {f.name for f in dataclasses.fields(Evaluation)} - {"indicators"}
    return Evaluation(indicators=rows, **{k: v for k, v in data.items() if k in keep})


def evaluation_for(
    community, standard_id: str, year: int, *, context: sources.Context | None = None
) -> Evaluation:
    """The community's evaluation: the latest submission's frozen copy once submitted,
    otherwise computed now from the domains and the manual values (``context``: the
    community's readings for ``year``, shared between standards)."""
    assessment = (
        Assessment.objects.filter(community=community, standard=standard_id, year=year)
        .prefetch_related("manual_values")
        .first()
    )
    if assessment is not None and assessment.frozen:
        latest = assessment.submissions.order_by("-number").first()
        if latest is not None:
            return from_snapshot(latest.snapshot)
    return live_evaluation(community, get_standard(standard_id), year, assessment, context=context)


def format_value(value, unit: str, kind: str = "number") -> str:
    if value is None:
        return "—"
    if kind == "boolean" or isinstance(value, bool):
        return _("yes") if value else _("no")
    number = float(value)
    if number.is_integer() and unit != "%":
        digits = 0
    else:
        digits = 0 if abs(number) >= 1000 else (1 if abs(number) >= 10 or unit == "%" else 2)
    text = numbers.grouped(number, digits)  # half up, as the domain pages round
    if not unit:
        return text
    if unit == "%":
        return text + unit
    return f"{text} {UNIT_LABELS[unit]() if unit in UNIT_LABELS else unit}"


#: Units of the standards' files shown in words (the rest are symbols: kWp, tCO2e, kg …).
UNIT_LABELS = {"yuan": lambda: _("yuan"), "h": lambda: _("h"), "min": lambda: _("min")}


def indicator_name(result: IndicatorResult) -> str:
    if (get_language() or "").startswith("en") and result.name_en:
        return result.name_en
    return result.name_zh


def threshold_text(result: IndicatorResult) -> str:
    if result.kind == "boolean":
        return _("yes")
    if result.threshold is None:
        return "—"
    return f"{result.comparison} {format_value(result.threshold, result.unit)}"


def gap_sentence(result: IndicatorResult) -> str:
    """One line of the gap list, e.g. "生活垃圾分类收集率 24.0% < 30.0%"."""
    name = indicator_name(result)
    if result.status == "missing":
        return _("{name}: no value yet").format(name=name)
    if result.status == "no_evidence":
        return _("{name}: evidence required").format(name=name)
    if result.kind == "boolean":
        return _("{name}: not in place").format(name=name)
    value = format_value(result.value, result.unit)
    threshold = format_value(result.threshold, result.unit)
    return f"{name} {value} {result.failed_comparison} {threshold}"


def assessments(community, year: int | None = None, *, contexts: dict | None = None) -> list[dict]:
    """The community's assessments (of ``year``) with their evaluations; ``contexts`` (year →
    :class:`sources.Context`) is filled and shared so each domain is read once a year."""
    rows = Assessment.objects.filter(community=community)
    if year is not None:
        rows = rows.filter(year=year)
    contexts = {} if contexts is None else contexts
    out = []
    for a in rows.prefetch_related("manual_values"):
        context = contexts.setdefault(a.year, sources.Context(community, a.year))
        try:
            evaluation = evaluation_for(community, a.standard, a.year, context=context)
        except LookupError:  # the standard was removed
            continue
        out.append(
            {
                "assessment": a,
                "standard_id": a.standard,
                "year": a.year,
                "status": a.status,
                "evaluation": evaluation,
            }
        )
    return out


def submissions(community, standard_id: str, year: int) -> list[dict]:
    assessment = Assessment.objects.filter(
        community=community, standard=standard_id, year=year
    ).first()
    if assessment is None:
        return []
    return [
        {
            "number": s.number,
            "stage": s.stage,
            "stage_label": s.get_stage_display(),
            "submitted_at": s.submitted_at,
            "submitted_by": str(s.submitted_by) if s.submitted_by else "",
            "result": s.result,
            "score_pct": s.score_pct,
            "note": s.note,
            "pk": s.pk,
        }
        for s in assessment.submissions.select_related("submitted_by").order_by("-number")
    ]


def evidence_by_indicator(assessment: Assessment | None) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = {}
    if assessment is None:
        return out
    for row in assessment.evidence.all():
        out.setdefault(row.indicator, []).append(row)
    return out


def manual_rows(assessment: Assessment | None) -> dict[str, ManualValue]:
    if assessment is None:
        return {}
    return {m.indicator: m for m in assessment.manual_values.all()}


# --- action plan --------------------------------------------------------------------------


def action_plan(community) -> dict:
    """Tasks (open first), key construction projects and meeting minutes, with counts."""
    today = timezone.localdate()
    tasks = list(Task.objects.filter(community=community).select_related("owner_site"))
    order = {TaskStatus.BLOCKED: 0, TaskStatus.DOING: 1, TaskStatus.TODO: 2, TaskStatus.DONE: 3}
    tasks.sort(key=lambda t: (order.get(t.status, 9), t.due_date or today, t.pk))
    projects = list(KeyProject.objects.filter(community=community).select_related("owner_site"))
    minutes = list(Minutes.objects.filter(community=community))
    budget = sum(float(p.budget_yuan) for p in projects)
    return {
        "tasks": tasks,
        "projects": projects,
        "minutes": minutes,
        "overdue_tasks": sum(t.is_overdue_on(today) for t in tasks),
        "open_tasks": sum(t.status != TaskStatus.DONE for t in tasks),
        "overdue_projects": sum(p.is_overdue_on(today) for p in projects),
        "budget_yuan": budget,
        "expected_tco2e_yr": sum(p.expected_reduction_tco2e_yr for p in projects),
        "achieved_tco2e_yr": sum(p.achieved_reduction_tco2e_yr for p in projects),
        "progress_pct": (
            sum(float(p.budget_yuan) * p.progress_pct for p in projects) / budget
            if budget
            else None
        ),
    }


def task_counts(community_ids: list[int]) -> dict[int, dict[str, int]]:
    today = timezone.localdate()
    out: dict[int, dict[str, int]] = {pk: {"open": 0, "overdue": 0} for pk in community_ids}
    rows = (
        Task.objects.filter(community_id__in=community_ids)
        .exclude(status=TaskStatus.DONE)
        .values("community_id", "due_date")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        out[row["community_id"]]["open"] += row["n"]
        if row["due_date"] and row["due_date"] < today:
            out[row["community_id"]]["overdue"] += row["n"]
    return out


def evaluation_report(community, standard_id: str, year: int) -> dict:
    """What ``nearzero evaluate`` prints and the API returns: every indicator with its value,
    threshold, status and source; the gaps; the score and the overall result."""
    standard = get_standard(standard_id)
    evaluation = evaluation_for(community, standard_id, year)
    assessment = Assessment.objects.filter(
        community=community, standard=standard_id, year=year
    ).first()
    return {
        "community": community.slug,
        "standard": {
            "id": standard.id,
            "version": standard.version,
            "name_zh": standard.name.zh,
            "name_en": standard.name.en,
        },
        "period": year,
        "community_type": community.pilot_type,
        "status": assessment.status if assessment else "not_started",
        "submissions": assessment.submissions.count() if assessment else 0,
        "result": evaluation.result,
        "score_pct": evaluation.score_pct,
        "pass_score_pct": evaluation.pass_score_pct,
        "points": evaluation.points,
        "max_points": evaluation.max_points,
        "counts": evaluation.counts(),
        "indicators": [
            {
                "id": r.id,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "unit": r.unit,
                "value": r.value,
                "value_text": format_value(r.value, r.unit, r.kind),
                "threshold": r.threshold,
                "comparison": r.comparison if r.kind == "number" else "=",
                "threshold_text": threshold_text(r),
                "status": r.status,
                "source": r.source,
                "detail": r.detail,
                "required": r.required,
                "weight": r.weight,
                "evidence_required": r.evidence_required,
                "evidence_count": r.evidence_count,
            }
            for r in evaluation.indicators
        ],
        "gaps": [gap_sentence(r) for r in evaluation.gaps],
    }
