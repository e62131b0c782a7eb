"""Choices of the evaluation app, in one place (labels from docs/glossary.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("assessment state", "draft")
    SUBMITTED = "submitted", pgettext_lazy("assessment state", "submitted")


class Stage(models.TextChoices):
    """Shanghai's acceptance path: self-evaluation → district pre-acceptance → city experts."""

    SELF = "self", _("self-evaluation")
    DISTRICT = "district", _("district pre-acceptance")
    CITY = "city", _("city expert acceptance")


class Result(models.TextChoices):
    PASS = "pass", pgettext_lazy("evaluation result", "pass")
    FAIL = "fail", pgettext_lazy("evaluation result", "fail")
    INCOMPLETE = "incomplete", _("incomplete")


class TaskStatus(models.TextChoices):
    TODO = "todo", _("to do")
    DOING = "doing", _("in progress")
    DONE = "done", _("done")
    BLOCKED = "blocked", _("blocked")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    BUILDING = "building", _("under construction")
    DONE = "done", _("completed")
    SUSPENDED = "suspended", _("suspended")


class MeetingKind(models.TextChoices):
    TRIPARTITE = "tripartite", _("street–community–enterprise tripartite meeting")
    WORKING = "working", _("working meeting")
    RESIDENTS = "residents", _("residents' meeting")
    EXPERTS = "experts", _("expert review")
