"""Evaluation: standards users add, assessments with their manual values, evidence and frozen
submissions, and the action plan (清单化管理): tasks, key construction projects and meeting
minutes. Indicator values that a domain computes are never stored here: they are read through
that domain's selector every time (``sources.py``) until a submission freezes them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import AssessmentStatus, MeetingKind, ProjectStatus, Result, Stage, TaskStatus


class StandardFile(models.Model):
    """A standard a user added (the shipped ones are files in ``evaluation/standards/``)."""

    code = models.CharField(_("id"), max_length=60, unique=True)
    version = models.CharField(_("version"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    text = models.TextField(_("YAML text"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Assessment(models.Model):
    """A community against a standard for one period (a calendar year)."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    standard = models.CharField(_("standard"), max_length=60)
    year = models.PositiveSmallIntegerField(
        _("period (year)"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["community_id", "-year", "standard"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "standard", "year"], name="assessment_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.standard} · {self.year}"

    @property
    def frozen(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED


class ManualValue(models.Model):
    """A value entered by hand for an indicator whose source is manual."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="manual_values"
    )
    indicator = models.CharField(_("indicator"), max_length=60)
    value = models.FloatField(_("value"), null=True, blank=True)
    flag = models.BooleanField(_("yes/no value"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=400, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("manual value")
        verbose_name_plural = _("manual values")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="manual_value_once_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} = {self.flag if self.value is None else self.value}"


class Evidence(models.Model):
    """A file that supports an indicator's value (a bill, a photo, minutes, a certificate)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    indicator = models.CharField(_("indicator"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="evaluation/evidence/%Y/")
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["indicator", "uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator", "sha256"], name="evidence_file_once"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Submission(models.Model):
    """A frozen copy of an assessment as submitted (append-only): values, statuses, score."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveSmallIntegerField(_("number"))
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.SELF)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    score_pct = models.FloatField(_("score (%)"), null=True)
    snapshot = models.JSONField(_("snapshot"))
    standard_sha256 = models.CharField(_("SHA-256 of the standard"), max_length=64)
    note = models.CharField(_("note"), max_length=400, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["assessment_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="submission_number")
        ]

    def __str__(self) -> str:
        return f"{self.assessment} #{self.number}"


class _Owned(models.Model):
    community = models.ForeignKey(
        "sites.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    owner_site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("owner (site)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.CharField(_("owner (person or unit)"), max_length=120, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=400, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def owner_label(self) -> str:
        parts = [str(self.owner_site) if self.owner_site_id else "", self.owner]
        return " · ".join(p for p in parts if p)

    def is_overdue_on(self, today: dt.date) -> bool:
        return bool(self.due_date and self.due_date < today and self.status not in self.CLOSED)

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class Task(_Owned):
    """An item of the action plan's checklist (清单化管理)."""

    CLOSED = (TaskStatus.DONE,)

    title = models.CharField(_("task"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO
    )
    #: "standard-id:indicator-id" of the indicator the task serves, if any.
    indicator_ref = models.CharField(_("indicator"), max_length=130, blank=True)
    done_at = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["community_id", "status", "due_date", "pk"]

    def __str__(self) -> str:
        return self.title


class KeyProject(_Owned):
    """A key construction project (重点建设项目) with its budget, progress and reduction."""

    CLOSED = (ProjectStatus.DONE, ProjectStatus.SUSPENDED)

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    budget_yuan = models.DecimalField(
        _("budget (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    progress_pct = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    expected_reduction_tco2e_yr = models.FloatField(
        _("expected reduction (tCO2e/yr)"), default=0, validators=[MinValueValidator(0)]
    )
    achieved_reduction_tco2e_yr = models.FloatField(
        _("achieved reduction (tCO2e/yr)"), default=0, validators=[MinValueValidator(0)]
    )
    start_date = models.DateField(_("start"), null=True, blank=True)

    class Meta:
        verbose_name = _("key construction project")
        verbose_name_plural = _("key construction projects")
        ordering = ["community_id", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_pct__lte=100), name="project_progress_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Minutes(models.Model):
    """Minutes of a meeting of the programme, kept as a document."""

    community = models.ForeignKey(
        "sites.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("meeting"), max_length=12, choices=MeetingKind.choices)
    meeting_date = models.DateField(_("date"))
    attendees = models.CharField(_("attendees"), max_length=400, blank=True)
    summary = models.TextField(_("decisions and summary"))
    file = models.FileField(_("document"), upload_to="evaluation/minutes/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting minutes")
        verbose_name_plural = _("meeting minutes")
        ordering = ["community_id", "-meeting_date"]

    def __str__(self) -> str:
        return self.title
