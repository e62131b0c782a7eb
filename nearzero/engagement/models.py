"""Residents, activities and events, check-ins, practices, quizzes and feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nearzero.sites.models import BilingualName

from .choices import (
    DEFAULT_PASS_MARK_PCT,
    CheckInSource,
    EventStatus,
    FeedbackCategory,
    FeedbackStatus,
    LabelBasis,
    QuestionKind,
    QuizKind,
    ScanGrantKind,
)

USER = settings.AUTH_USER_MODEL


class Resident(models.Model):
    """A resident in the registry. The phone number is personal data: it is stored only
    encrypted (``phone_encrypted``), as a keyed digest for search and as a masked form for
    display. After erasure only the pseudonym remains, so statistics and ledgers still add up.
    """

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="residents",
    )
    home_site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("home site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    household = models.ForeignKey(
        "sites.Household",
        verbose_name=_("household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_residents",
    )
    user = models.OneToOneField(
        USER,
        verbose_name=_("sign-in"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident",
    )
    name = models.CharField(_("name"), max_length=80)
    pseudonym = models.CharField(_("pseudonym"), max_length=16, unique=True, editable=False)
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_digest = models.CharField(_("phone digest"), max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    qr_secret = models.CharField(_("QR secret"), max_length=32, unique=True, editable=False)
    qr_issued_at = models.DateTimeField(_("QR code issued"))
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "phone_digest"],
                condition=~Q(phone_digest=""),
                name="resident_unique_phone",
            )
        ]

    def __str__(self) -> str:
        return self.pseudonym if self.erased_at else self.name


class ActivityType(BilingualName):
    """A kind of activity, with its optional carbon label and points value.

    Shipped types (``community`` empty) come from ``nearzero/core/engagement/data/
    activities.toml``; a community may add its own."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activity_types",
    )
    code = models.SlugField(_("code"), max_length=40)
    is_practice = models.BooleanField(
        _("practice"), default=False, help_text=_("recorded as a practice, not as an event")
    )
    carbon_label_g = models.DecimalField(
        _("carbon label (g CO2e)"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("grams CO2e avoided per participant or per unit; empty if none is cited"),
    )
    label_basis = models.CharField(
        _("label basis"),
        max_length=12,
        choices=LabelBasis.choices,
        default=LabelBasis.PER_PARTICIPANT,
    )
    label_unit = models.CharField(_("label unit"), max_length=12, blank=True)
    label_methodology = models.TextField(_("label methodology (source)"), blank=True)
    points = models.PositiveIntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["community_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(community__isnull=True),
                name="activitytype_unique_shipped_code",
            ),
            models.UniqueConstraint(fields=["community", "code"], name="activitytype_unique_code"),
            models.CheckConstraint(
                condition=Q(carbon_label_g__isnull=True) | ~Q(label_methodology=""),
                name="activitytype_label_cites_methodology",
            ),
        ]


class Event(models.Model):
    """An activity held at a site at a time. The carbon label and points are copied from the
    type when the event is created, so later edits of the type never rewrite history."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="events"
    )
    activity_type = models.ForeignKey(
        ActivityType,
        verbose_name=_("activity type"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("capacity (persons)"), null=True, blank=True)
    registration_open = models.BooleanField(_("registration open"), default=True)
    self_check_in = models.BooleanField(
        _("self check-in"),
        default=False,
        help_text=_("residents may check themselves in by scanning the event poster"),
    )
    poster_secret = models.CharField(max_length=32, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    carbon_label_g = models.DecimalField(
        _("carbon label (g CO2e)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    label_basis = models.CharField(
        _("label basis"),
        max_length=12,
        choices=LabelBasis.choices,
        default=LabelBasis.PER_PARTICIPANT,
    )
    label_unit = models.CharField(_("label unit"), max_length=12, blank=True)
    label_methodology = models.TextField(_("label methodology (source)"), blank=True)
    points = models.PositiveIntegerField(_("points"), default=0)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["community", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["event", "resident"], name="registration_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.resident_id}"


class ScanGrant(models.Model):
    """Leave to check residents in at one event, held by a phone: the staff scan page's own
    (tied to the signed-in session that opened it) or a scanner link handed to a volunteer
    without an account. Only the SHA-256 digest of its token is kept.

    A grant stops working when the event's check-in window closes, when it is revoked, when
    its session ends (sign-out deletes the grant), or as soon as its issuer no longer works
    at the event's site (checked on every scan). Check-ins made with it name it."""

    event = models.ForeignKey(
        "Event", verbose_name=_("event"), on_delete=models.CASCADE, related_name="scan_grants"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ScanGrantKind.choices)
    label = models.CharField(
        _("label"), max_length=60, help_text=_("whose phone, e.g. the volunteer's name")
    )
    issued_by = models.ForeignKey(
        USER, verbose_name=_("issued by"), on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    session = models.ForeignKey(
        "sessions.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("scan grant")
        verbose_name_plural = _("scan grants")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label


class CheckIn(models.Model):
    """A resident's attendance at an event: at most one per resident and event, whatever the
    number of scans, retries or offline uploads (the constraint and the client nonce)."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="checkins"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="checkins"
    )
    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_in_at = models.DateTimeField(_("checked in"))
    source = models.CharField(_("source"), max_length=10, choices=CheckInSource.choices)
    units = models.DecimalField(
        _("units"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("quantity for a per-unit carbon label, e.g. kg of clothes"),
    )
    nonce = models.CharField(_("client nonce"), max_length=64, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        USER,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    scan_grant = models.ForeignKey(
        ScanGrant,
        verbose_name=_("scanned with"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-checked_in_at"]
        indexes = [models.Index(fields=["community", "checked_in_at"])]
        constraints = [
            models.UniqueConstraint(fields=["event", "resident"], name="checkin_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.resident_id}"


class SortingShift(models.Model):
    """A garbage-sorting supervision shift (垃圾分类督导). Its hours count once verified."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    hours = models.DecimalField(_("hours (h)"), max_digits=5, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        USER,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        USER,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("sorting supervision shift")
        verbose_name_plural = _("sorting supervision shifts")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
            models.UniqueConstraint(fields=["resident", "starts_at"], name="shift_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.hours} h"


class Weighing(models.Model):
    """Recyclables weighed at a post: kg by material → kg CO2e with the cited factor."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="weighings",
    )
    material = models.CharField(_("material"), max_length=24)
    kg = models.DecimalField(_("mass (kg)"), max_digits=9, decimal_places=2)
    factor_kgco2e_per_kg = models.DecimalField(
        _("factor (kg CO2e/kg)"), max_digits=8, decimal_places=4
    )
    factor_source = models.TextField(_("factor source"))
    co2e_kg = models.DecimalField(_("CO2e avoided (kg)"), max_digits=12, decimal_places=3)
    weighed_at = models.DateTimeField(_("weighed"))
    nonce = models.CharField(_("client nonce"), max_length=64, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        USER,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recyclables weighing")
        verbose_name_plural = _("recyclables weighings")
        ordering = ["-weighed_at"]
        indexes = [models.Index(fields=["community", "weighed_at"])]
        constraints = [models.CheckConstraint(condition=Q(kg__gt=0), name="weighing_kg_positive")]

    def __str__(self) -> str:
        return f"{self.material} {self.kg} kg"


class PlantAdoption(models.Model):
    """A resident adopts a plant (绿植认养) and logs its care."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="adoptions"
    )
    plant = models.CharField(_("plant"), max_length=80)
    location = models.CharField(_("location"), max_length=120, blank=True)
    adopted_on = models.DateField(_("adopted on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("plant adoption")
        verbose_name_plural = _("plant adoptions")
        ordering = ["-adopted_on"]

    def __str__(self) -> str:
        return self.plant


class CareLog(models.Model):
    adoption = models.ForeignKey(
        PlantAdoption,
        verbose_name=_("adoption"),
        on_delete=models.CASCADE,
        related_name="care_logs",
    )
    logged_at = models.DateTimeField(_("logged"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="engagement/care/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        USER,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("care log")
        verbose_name_plural = _("care logs")
        ordering = ["-logged_at"]

    def __str__(self) -> str:
        return f"{self.adoption_id} {self.logged_at:%Y-%m-%d}"


class Quiz(models.Model):
    """A knowledge quiz (scored, with a pass mark) or a satisfaction survey (not scored)."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="quizzes",
    )
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=QuizKind.choices)
    pass_mark_pct = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=DEFAULT_PASS_MARK_PCT
    )
    is_open = models.BooleanField(_("open for answers"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("quiz or survey")
        verbose_name_plural = _("quizzes and surveys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    quiz = models.ForeignKey(
        Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["quiz_id", "position"]

    def __str__(self) -> str:
        return self.text


class Option(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="options"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("option"), max_length=200)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question_id", "position"]

    def __str__(self) -> str:
        return self.text


class Attempt(models.Model):
    """One submission of a quiz or survey by a resident."""

    quiz = models.ForeignKey(
        Quiz, verbose_name=_("quiz"), on_delete=models.PROTECT, related_name="attempts"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="attempts"
    )
    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    correct = models.PositiveSmallIntegerField(_("correct answers"), default=0)
    total = models.PositiveSmallIntegerField(_("questions"), default=0)
    score_pct = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=1, null=True)
    passed = models.BooleanField(_("passed"), null=True)
    nonce = models.CharField(_("client nonce"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["community", "resident", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.quiz_id}:{self.resident_id}"


class Answer(models.Model):
    """One chosen option of an attempt (multiple choice: one row per chosen option)."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    option = models.ForeignKey(
        Option, verbose_name=_("option"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "option"], name="answer_unique_option")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.option_id}"


class Feedback(models.Model):
    """A resident's suggestion, and the staff's answer."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    category = models.CharField(_("category"), max_length=12, choices=FeedbackCategory.choices)
    text = models.TextField(_("suggestion"))
    photo = models.ImageField(_("photo"), upload_to="engagement/feedback/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN
    )
    reply = models.TextField(_("answer"), blank=True)
    replied_by = models.ForeignKey(
        USER,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class Book(models.Model):
    """A book of a green reading corner, linked to the feedback that brought it in."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="books"
    )
    title = models.CharField(_("title"), max_length=160)
    author = models.CharField(_("author"), max_length=120, blank=True)
    added_on = models.DateField(_("added on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    feedback = models.ForeignKey(
        Feedback,
        verbose_name=_("from feedback"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="books",
    )

    class Meta:
        verbose_name = _("reading-corner book")
        verbose_name_plural = _("reading-corner books")
        ordering = ["site_id", "title"]

    def __str__(self) -> str:
        return self.title
