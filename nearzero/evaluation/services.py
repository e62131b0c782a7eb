"""Writes of the evaluation app. Each is atomic and audited; a submitted assessment is frozen
(no value or evidence changes) until it is reopened, and its submissions stay as history."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from nearzero.audit.services import record
from nearzero.core.errors import DomainError
from nearzero.core.evaluation import StandardError, parse

from . import selectors, sources
from .choices import AssessmentStatus, MeetingKind, ProjectStatus, Stage, TaskStatus
from .models import (
    Assessment,
    Evidence,
    KeyProject,
    ManualValue,
    Minutes,
    StandardFile,
    Submission,
    Task,
)

MAX_STANDARD_BYTES = 512 * 1024
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


class EvaluationError(DomainError):
    pass


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- standards ----------------------------------------------------------------------------


@transaction.atomic
def add_standard(*, actor, data: bytes, filename: str) -> tuple[StandardFile, bool]:
    """Add a user's standard (YAML). Returns (row, created); the same file again changes
    nothing. Raises :class:`StandardError` (file, line, reason) for a malformed file and
    ``standard_exists`` when another standard already has its id."""
    if len(data) > MAX_STANDARD_BYTES:
        raise StandardError(filename, None, "the file is larger than 512 KiB")
    standard = parse(data, filename, measures=sources.measure_names())
    digest = _sha256(data)
    if any(e.standard.id == standard.id for e in selectors.shipped_standards()):
        raise EvaluationError(
            "standard_exists", f"{filename}: id {standard.id!r} is a shipped standard", field="file"
        )
    current = StandardFile.objects.select_for_update().filter(code=standard.id).first()
    if current is not None:
        if current.sha256 == digest:
            return current, False
        raise EvaluationError(
            "standard_exists",
            f"{filename}: a standard with id {standard.id!r} exists; give the new one another id",
            field="file",
        )
    row = StandardFile.objects.create(
        code=standard.id,
        version=standard.version,
        name_zh=standard.name.zh[:200],
        name_en=standard.name.en[:200],
        filename=filename[:255],
        text=data.decode("utf-8"),
        sha256=digest,
        added_by=actor,
    )
    record(
        "evaluation.standard.added",
        actor=actor,
        obj=row,
        changes={"id": [None, row.code], "version": [None, row.version]},
    )
    return row, True


# --- assessments --------------------------------------------------------------------------


def _standard_or_error(standard_id: str):
    try:
        return selectors.get_standard(standard_id)
    except LookupError:
        raise EvaluationError(
            "unknown_standard", f"no standard with id {standard_id!r}", field="standard"
        ) from None


@transaction.atomic
def start_assessment(*, actor, community, standard_id: str, year: int) -> Assessment:
    """The community's assessment against a standard for a year (created if needed)."""
    standard = _standard_or_error(standard_id)
    if community.pilot_type not in standard.community_types:
        raise EvaluationError(
            "type_not_covered",
            f"{standard.id} does not cover {community.pilot_type} communities",
            field="standard",
        )
    if not 2000 <= year <= 2100:
        raise EvaluationError("bad_year", f"year {year} is outside 2000–2100", field="year")
    assessment, created = Assessment.objects.get_or_create(
        community=community, standard=standard.id, year=year
    )
    if created:
        record(
            "evaluation.assessment.started",
            actor=actor,
            obj=assessment,
            community=community,
            changes={"standard": [None, standard.id], "year": [None, year]},
        )
    return assessment


def _locked(assessment: Assessment) -> Assessment:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.frozen:
        raise EvaluationError(
            "frozen", "the assessment is submitted; reopen it before changing anything"
        )
    return locked


def _manual_indicator(assessment: Assessment, indicator_id: str):
    standard = _standard_or_error(assessment.standard)
    try:
        indicator = standard.indicator(indicator_id)
    except KeyError:
        raise EvaluationError(
            "unknown_indicator", f"{standard.id} has no indicator {indicator_id!r}"
        ) from None
    return indicator


@transaction.atomic
def set_manual_value(
    *, actor, assessment: Assessment, indicator_id: str, value=None, note: str = ""
) -> ManualValue:
    """Enter the value of a manual indicator: a number, or True/False for a yes/no one."""
    assessment = _locked(assessment)
    indicator = _manual_indicator(assessment, indicator_id)
    if not indicator.source.manual:
        raise EvaluationError(
            "not_manual",
            f"{indicator_id} is computed from {indicator.source.key}; it cannot be typed",
            field="value",
        )
    number, flag = None, None
    if indicator.kind == "boolean":
        if not isinstance(value, bool):
            raise EvaluationError("bad_value", "answer yes or no", field="value")
        flag = value
    else:
        try:
            number = float(Decimal(str(value).strip().replace(",", "")))
        except (InvalidOperation, ValueError):
            raise EvaluationError(
                "bad_value", f"{value!r} is not a number", field="value"
            ) from None
        if indicator.unit == "%" and not 0 <= number <= 100:
            raise EvaluationError("bad_value", "a percentage is between 0 and 100", field="value")
    row = ManualValue.objects.filter(assessment=assessment, indicator=indicator_id).first()
    old = None if row is None else (row.flag if indicator.kind == "boolean" else row.value)
    if row is None:
        row = ManualValue(assessment=assessment, indicator=indicator_id)
    row.value, row.flag, row.note, row.entered_by = number, flag, note[:400], actor
    row.save()
    record(
        "evaluation.value.entered",
        actor=actor,
        obj=assessment,
        community=assessment.community,
        changes={indicator_id: [old, flag if indicator.kind == "boolean" else number]},
    )
    return row


@transaction.atomic
def add_evidence(
    *, actor, assessment: Assessment, indicator_id: str, title: str, data: bytes, filename: str
) -> tuple[Evidence, bool]:
    """Attach a file to an indicator; the same file twice is kept once."""
    assessment = _locked(assessment)
    _manual_indicator(assessment, indicator_id)
    if not data:
        raise EvaluationError("empty_file", f"{filename} is empty", field="file")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvaluationError("file_too_large", f"{filename} is larger than 20 MiB", field="file")
    digest = _sha256(data)
    existing = Evidence.objects.filter(
        assessment=assessment, indicator=indicator_id, sha256=digest
    ).first()
    if existing is not None:
        return existing, False
    row = Evidence(
        assessment=assessment,
        indicator=indicator_id,
        title=(title or filename)[:200],
        sha256=digest,
        uploaded_by=actor,
    )
    row.file.save(filename, ContentFile(data), save=False)
    row.save()
    record(
        "evaluation.evidence.added",
        actor=actor,
        obj=assessment,
        community=assessment.community,
        changes={indicator_id: [None, row.title]},
    )
    return row, True


@transaction.atomic
def submit(*, actor, assessment: Assessment, stage: str = Stage.SELF, note: str = "") -> Submission:
    """Freeze the assessment as it is now: a numbered submission with every value, status,
    the score and the result. Later changes need :func:`reopen`."""
    assessment = _locked(assessment)
    if stage not in Stage.values:
        raise EvaluationError("bad_stage", f"unknown stage {stage!r}", field="stage")
    entry = selectors.standard_entry(assessment.standard)
    evaluation = selectors.live_evaluation(
        assessment.community, entry.standard, assessment.year, assessment
    )
    number = (assessment.submissions.aggregate(n=Max("number"))["n"] or 0) + 1
    submission = Submission.objects.create(
        assessment=assessment,
        number=number,
        stage=stage,
        result=evaluation.result,
        score_pct=evaluation.score_pct,
        snapshot=evaluation.to_dict(),
        standard_sha256=entry.sha256,
        note=note[:400],
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.save(update_fields=["status"])
    record(
        "evaluation.assessment.submitted",
        actor=actor,
        obj=assessment,
        community=assessment.community,
        changes={
            "status": [AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED],
            "submission": [None, number],
            "result": [None, evaluation.result],
        },
    )
    return submission


@transaction.atomic
def reopen(*, actor, assessment: Assessment, reason: str) -> Assessment:
    """Open a submitted assessment again (e.g. sent back by the district); the earlier
    submissions stay as they were."""
    if not reason.strip():
        raise EvaluationError(
            "reason_required", "say why the assessment is reopened", field="reason"
        )
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not locked.frozen:
        raise EvaluationError("not_submitted", "the assessment is not submitted")
    locked.status = AssessmentStatus.DRAFT
    locked.save(update_fields=["status"])
    record(
        "evaluation.assessment.reopened",
        actor=actor,
        obj=locked,
        community=locked.community,
        changes={
            "status": [AssessmentStatus.SUBMITTED, AssessmentStatus.DRAFT],
            "reason": [None, reason],
        },
    )
    return locked


# --- action plan --------------------------------------------------------------------------


def _owner_site(community, site):
    if site is not None and site.community_id != community.pk:
        raise EvaluationError(
            "site_elsewhere", "the site belongs to another community", field="owner_site"
        )
    return site


def _text(value) -> str | None:
    return None if value is None else str(value)


def _save_plan_item(*, actor, community, obj, model, fields: dict, action: str, before_save=None):
    """Create (``obj`` None) or update an action-plan row of ``community`` with ``fields``,
    audited as ``evaluation.<action>.created|updated`` with what changed."""
    created = obj is None
    if created:
        obj = model(community=community)
    elif obj.community_id != community.pk:
        raise EvaluationError("not_found", f"no such {action}")
    changes = {
        key: [_text(getattr(obj, key, None)), _text(value)]
        for key, value in fields.items()
        if getattr(obj, key, None) != value
    }
    for key, value in fields.items():
        setattr(obj, key, value)
    if before_save is not None:
        before_save(obj)
    obj.save()
    record(
        f"evaluation.{action}.{'created' if created else 'updated'}",
        actor=actor,
        obj=obj,
        community=community,
        changes=changes,
    )
    return obj


@transaction.atomic
def save_task(
    *,
    actor,
    community,
    task: Task | None = None,
    title: str,
    status: str = TaskStatus.TODO,
    owner_site=None,
    owner: str = "",
    due_date: dt.date | None = None,
    indicator_ref: str = "",
    note: str = "",
    done_at: dt.date | None = None,
) -> Task:
    if not title.strip():
        raise EvaluationError("title_required", "a task needs a title", field="title")
    if status not in TaskStatus.values:
        raise EvaluationError("bad_status", f"unknown status {status!r}", field="status")
    if indicator_ref:
        standard_id, _sep, indicator_id = indicator_ref.partition(":")
        standard = _standard_or_error(standard_id)
        try:
            standard.indicator(indicator_id)
        except KeyError:
            raise EvaluationError(
                "unknown_indicator",
                f"{standard_id} has no indicator {indicator_id!r}",
                field="indicator_ref",
            ) from None
    fields = {
        "title": title.strip()[:200],
        "status": status,
        "owner_site": _owner_site(community, owner_site),
        "owner": owner[:120],
        "due_date": due_date,
        "indicator_ref": indicator_ref,
        "note": note[:400],
    }

    def close(task: Task) -> None:
        if status == TaskStatus.DONE:
            task.done_at = done_at or task.done_at or timezone.localdate()
        else:
            task.done_at = None

    return _save_plan_item(
        actor=actor,
        community=community,
        obj=task,
        model=Task,
        fields=fields,
        action="task",
        before_save=close,
    )


@transaction.atomic
def save_project(
    *,
    actor,
    community,
    project: KeyProject | None = None,
    name_zh: str,
    name_en: str = "",
    status: str = ProjectStatus.PLANNED,
    owner_site=None,
    owner: str = "",
    budget_yuan=0,
    progress_pct: int = 0,
    expected_reduction_tco2e_yr: float = 0.0,
    achieved_reduction_tco2e_yr: float = 0.0,
    start_date: dt.date | None = None,
    due_date: dt.date | None = None,
    note: str = "",
) -> KeyProject:
    if not name_zh.strip():
        raise EvaluationError("name_required", "a project needs a name", field="name_zh")
    if status not in ProjectStatus.values:
        raise EvaluationError("bad_status", f"unknown status {status!r}", field="status")
    if not 0 <= int(progress_pct) <= 100:
        raise EvaluationError("bad_progress", "progress is between 0 and 100", field="progress_pct")
    for name, value in (
        ("budget_yuan", budget_yuan),
        ("expected_reduction_tco2e_yr", expected_reduction_tco2e_yr),
        ("achieved_reduction_tco2e_yr", achieved_reduction_tco2e_yr),
    ):
        if float(value) < 0:
            raise EvaluationError("negative", f"{name} must not be negative", field=name)
    if start_date and due_date and due_date < start_date:
        raise EvaluationError("bad_dates", "the due date is before the start", field="due_date")
    fields = {
        "name_zh": name_zh.strip()[:200],
        "name_en": name_en.strip()[:200],
        "status": status,
        "owner_site": _owner_site(community, owner_site),
        "owner": owner[:120],
        "budget_yuan": Decimal(str(budget_yuan)).quantize(Decimal("0.01")),
        "progress_pct": int(progress_pct),
        "expected_reduction_tco2e_yr": float(expected_reduction_tco2e_yr),
        "achieved_reduction_tco2e_yr": float(achieved_reduction_tco2e_yr),
        "start_date": start_date,
        "due_date": due_date,
        "note": note[:400],
    }
    return _save_plan_item(
        actor=actor,
        community=community,
        obj=project,
        model=KeyProject,
        fields=fields,
        action="project",
    )


@transaction.atomic
def add_minutes(
    *,
    actor,
    community,
    title: str,
    kind: str,
    meeting_date: dt.date,
    summary: str,
    attendees: str = "",
    data: bytes | None = None,
    filename: str = "",
) -> Minutes:
    if not title.strip() or not summary.strip():
        raise EvaluationError("required", "minutes need a title and a summary", field="title")
    if kind not in MeetingKind.values:
        raise EvaluationError("bad_kind", f"unknown meeting {kind!r}", field="kind")
    row = Minutes(
        community=community,
        title=title.strip()[:200],
        kind=kind,
        meeting_date=meeting_date,
        attendees=attendees[:400],
        summary=summary.strip(),
        created_by=actor,
    )
    if data:
        if len(data) > MAX_EVIDENCE_BYTES:
            raise EvaluationError(
                "file_too_large", f"{filename} is larger than 20 MiB", field="file"
            )
        row.file.save(filename or "minutes.pdf", ContentFile(data), save=False)
    row.save()
    record(
        "evaluation.minutes.added",
        actor=actor,
        obj=row,
        community=community,
        changes={"title": [None, row.title], "date": [None, str(meeting_date)]},
    )
    return row
