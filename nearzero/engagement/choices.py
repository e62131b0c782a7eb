"""Choices and constants of the engagement app, in one place."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LabelBasis(models.TextChoices):
    PER_PARTICIPANT = "participant", _("per participant")
    PER_UNIT = "unit", _("per unit")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    CANCELLED = "cancelled", _("cancelled")


class CheckInSource(models.TextChoices):
    SCAN = "scan", _("QR scan")
    SEARCH = "search", _("name search")
    SELF = "self", _("self check-in (poster)")
    OFFLINE = "offline", _("offline queue")
    API = "api", _("API")


class ScanGrantKind(models.TextChoices):
    PAGE = "page", _("scan page")
    LINK = "link", _("scanner link")


#: How long before an event starts and after it ends a scan still counts [h]. Staff open the
#: doors early; offline scans upload later but keep the time they were made. A scan grant
#: ends when this window closes.
CHECK_IN_OPENS_BEFORE_H = 2
CHECK_IN_CLOSES_AFTER_H = 12


class QuizKind(models.TextChoices):
    QUIZ = "quiz", _("knowledge quiz")
    SURVEY = "survey", _("satisfaction survey")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("single choice")
    MULTIPLE = "multiple", _("multiple choice")


class FeedbackCategory(models.TextChoices):
    BOOKS = "books", _("reading corner books")
    ACTIVITIES = "activities", _("activities")
    ENVIRONMENT = "environment", _("environment and greening")
    FACILITIES = "facilities", _("facilities")
    OTHER = "other", pgettext_lazy("feedback category", "other")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("open")
    ANSWERED = "answered", _("answered")
    ADOPTED = "adopted", _("adopted")
    DECLINED = "declined", _("declined")


#: Default pass mark of a knowledge quiz [%], the usual 60-point line of Chinese tests.
DEFAULT_PASS_MARK_PCT = 60
