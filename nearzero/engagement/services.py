"""Writes of the engagement app, each in a transaction with an audit entry.

Audit entries about residents name them by pseudonym and masked phone only: the audit log is
append-only, so anything written there could never be erased on request.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nearzero.audit.services import diff, record, snapshot
from nearzero.core.engagement import phones, quiz, recycling, tokens
from nearzero.core.errors import DomainError

from . import pii
from .choices import CheckInSource, EventStatus, FeedbackStatus, QuestionKind, QuizKind
from .models import (
    Answer,
    Attempt,
    Book,
    CareLog,
    CheckIn,
    Event,
    Feedback,
    Option,
    PlantAdoption,
    Question,
    Quiz,
    Registration,
    Resident,
    SortingShift,
    Weighing,
)

#: How long before an event starts and after it ends a scan still counts [h]. Staff open the
#: doors early; offline scans upload later but keep the time they were made.
CHECK_IN_OPENS_BEFORE_H = 2
CHECK_IN_CLOSES_AFTER_H = 12


class EngagementError(DomainError):
    pass


def _label(resident: Resident) -> str:
    return f"{resident.pseudonym} {resident.phone_masked}".strip()


def _new_pseudonym() -> str:
    return "R" + secrets.token_hex(5).upper()


# --- residents -------------------------------------------------------------------------------


def _set_phone(resident: Resident, phone: str) -> None:
    if not phone:
        resident.phone_encrypted = resident.phone_digest = resident.phone_masked = ""
        return
    try:
        normalized = phones.normalize_phone(phone)
    except DomainError as exc:
        raise EngagementError(
            exc.code, _("not a mainland mobile or landline number"), field="phone"
        ) from None
    resident.phone_encrypted = pii.encrypt(normalized)
    resident.phone_digest = pii.phone_digest(normalized)
    resident.phone_masked = phones.mask_phone(normalized)


@transaction.atomic
def register_resident(
    *,
    actor,
    community,
    name: str,
    phone: str = "",
    home_site=None,
    household=None,
    consent: bool = True,
    user=None,
    at: dt.datetime | None = None,
) -> Resident:
    """Add a resident to the registry. ``consent`` records that the resident agreed to the
    use of their data for the programme (the date is kept)."""
    name = (name or "").strip()
    if not name:
        raise EngagementError("name_required", _("a name is required"), field="name")
    if home_site is not None and home_site.community_id != community.pk:
        raise EngagementError(
            "wrong_community", _("the site is in another community"), field="home_site"
        )
    if household is not None and household.building.community_id != community.pk:
        raise EngagementError(
            "wrong_community", _("the household is in another community"), field="household"
        )
    now = at or timezone.now()
    resident = Resident(
        community=community,
        home_site=home_site,
        household=household,
        user=user,
        name=name,
        pseudonym=_new_pseudonym(),
        consent_at=now if consent else None,
        qr_secret=tokens.new_secret(),
        qr_issued_at=now,
    )
    _set_phone(resident, phone)
    if (
        resident.phone_digest
        and Resident.objects.filter(
            community=community, phone_digest=resident.phone_digest
        ).exists()
    ):
        raise EngagementError(
            "duplicate_phone",
            _("a resident with this phone number is already registered"),
            field="phone",
        )
    resident.save()
    record(
        "engagement.resident.registered",
        actor=actor,
        obj=resident,
        community=community,
        object_label=_label(resident),
        changes={
            "home_site": [None, resident.home_site_id],
            "consent_at": [None, resident.consent_at],
        },
    )
    return resident


@transaction.atomic
def update_resident(
    *,
    actor,
    resident: Resident,
    name: str,
    phone: str | None = None,
    home_site=None,
    household=None,
) -> Resident:
    """Change a resident's details; ``phone=None`` keeps the stored number."""
    _refuse_erased(resident)
    old = snapshot(resident, ("home_site", "household", "phone_masked"))
    resident.name = (name or "").strip() or resident.name
    resident.home_site, resident.household = home_site, household
    if phone is not None:
        _set_phone(resident, phone)
        clash = Resident.objects.filter(
            community_id=resident.community_id, phone_digest=resident.phone_digest
        )
        if resident.phone_digest and clash.exclude(pk=resident.pk).exists():
            raise EngagementError(
                "duplicate_phone",
                _("a resident with this phone number is already registered"),
                field="phone",
            )
    resident.save()
    changes = diff(old, snapshot(resident, ("home_site", "household", "phone_masked")))
    record(
        "engagement.resident.updated",
        actor=actor,
        obj=resident,
        community=resident.community,
        object_label=_label(resident),
        changes=changes,
    )
    return resident


def _refuse_erased(resident: Resident) -> None:
    if resident.erased_at:
        raise EngagementError("erased", _("this resident's data was erased"))


@transaction.atomic
def export_resident_data(*, actor, resident: Resident) -> dict:
    """Everything held about one resident (their access request); the export is audited."""
    from .exports import resident_data

    record(
        "engagement.resident.exported",
        actor=actor,
        obj=resident,
        community=resident.community,
        object_label=resident.pseudonym,
    )
    return resident_data(resident)


@transaction.atomic
def rotate_qr(*, actor, resident: Resident) -> Resident:
    """Revoke the resident's QR code and issue a new one (lost phone, leaked screenshot)."""
    _refuse_erased(resident)
    resident.qr_secret = tokens.new_secret()
    resident.qr_issued_at = timezone.now()
    resident.save(update_fields=["qr_secret", "qr_issued_at"])
    record(
        "engagement.resident.qr_revoked",
        actor=actor,
        obj=resident,
        community=resident.community,
        object_label=_label(resident),
    )
    return resident


@transaction.atomic
def erase_resident(*, actor, resident: Resident) -> Resident:
    """Erase a resident's personal data on request. The row stays under its pseudonym so
    counts, KPIs and the points ledger still add up; name, phone, household, sign-in, photos
    and the QR code are gone."""
    _refuse_erased(resident)
    resident.name = resident.pseudonym
    _set_phone(resident, "")
    resident.household = None
    resident.consent_at = None
    resident.qr_secret = tokens.new_secret()
    user = resident.user
    resident.user = None
    resident.erased_at = timezone.now()
    resident.save()
    for log in CareLog.objects.filter(adoption__resident=resident).exclude(photo=""):
        log.photo.delete(save=False)
        log.photo = ""
        log.save(update_fields=["photo"])
    for item in Feedback.objects.filter(resident=resident).exclude(photo=""):
        item.photo.delete(save=False)
        item.photo = ""
        item.save(update_fields=["photo"])
    if user is not None:
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
    record(
        "engagement.resident.erased",
        actor=actor,
        obj=resident,
        community=resident.community,
        object_label=resident.pseudonym,
    )
    return resident


# --- events ----------------------------------------------------------------------------------

EVENT_FIELDS = (
    "site",
    "activity_type",
    "title",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_open",
    "self_check_in",
    "status",
)


def _check_event(event: Event) -> None:
    if event.site.community_id != event.community_id:
        raise EngagementError(
            "wrong_community", _("the site is in another community"), field="site"
        )
    type_ = event.activity_type
    if type_.community_id not in (None, event.community_id):
        raise EngagementError(
            "wrong_community", _("the activity type is in another community"), field="activity_type"
        )
    if event.ends_at < event.starts_at:
        raise EngagementError(
            "ends_before_start", _("the event ends before it starts"), field="ends_at"
        )


@transaction.atomic
def create_event(
    *,
    actor,
    community,
    site,
    activity_type,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int | None = None,
    registration_open: bool = True,
    self_check_in: bool = False,
    description: str = "",
) -> Event:
    """Schedule an event; its carbon label and points are copied from the activity type."""
    event = Event(
        community=community,
        site=site,
        activity_type=activity_type,
        title=title.strip() or activity_type.name,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        registration_open=registration_open,
        self_check_in=self_check_in,
        poster_secret=tokens.new_secret(),
        carbon_label_g=activity_type.carbon_label_g,
        label_basis=activity_type.label_basis,
        label_unit=activity_type.label_unit,
        label_methodology=activity_type.label_methodology,
        points=activity_type.points,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _check_event(event)
    event.save()
    record(
        "engagement.event.created",
        actor=actor,
        obj=event,
        community=community,
        changes={k: [None, v] for k, v in snapshot(event, EVENT_FIELDS).items()},
    )
    return event


@transaction.atomic
def update_event(*, actor, event: Event, **values) -> Event:
    old = snapshot(event, EVENT_FIELDS)
    for name, value in values.items():
        if name not in (*EVENT_FIELDS, "description"):
            raise TypeError(name)
        setattr(event, name, value)
    _check_event(event)
    event.save()
    record(
        "engagement.event.updated",
        actor=actor,
        obj=event,
        community=event.community,
        changes=diff(old, snapshot(event, EVENT_FIELDS)),
    )
    return event


@transaction.atomic
def register_for_event(*, actor, event: Event, resident: Resident) -> Registration:
    _refuse_erased(resident)
    if resident.community_id != event.community_id:
        raise EngagementError("wrong_community", _("the resident lives in another community"))
    if not event.registration_open or event.status == EventStatus.CANCELLED:
        raise EngagementError("registration_closed", _("registration for this event is closed"))
    if event.ends_at < timezone.now():
        raise EngagementError("event_over", _("this event is over"))
    existing = Registration.objects.filter(event=event, resident=resident).first()
    if existing:
        return existing
    locked = Event.objects.select_for_update().get(pk=event.pk)  # serialise the capacity check
    if locked.capacity is not None and locked.registrations.count() >= locked.capacity:
        raise EngagementError("event_full", _("this event is full"))
    registration = Registration.objects.create(event=event, resident=resident)
    record(
        "engagement.event.registered",
        actor=actor,
        obj=event,
        community=event.community,
        changes={"registration": [None, resident.pseudonym]},
    )
    return registration


# --- check-in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    created: bool  # False: the resident was already checked in (a repeat scan or a retry)

    @property
    def status(self) -> str:
        return "checked_in" if self.created else "already_checked_in"


def resident_for_token(token: str, *, community=None) -> Resident:
    """The resident whose personal QR code holds ``token``; errors name forged, revoked and
    foreign codes apart."""
    try:
        secret = pii.verify_token(token)
    except DomainError:
        raise EngagementError(
            "bad_token", _("this is not a nearzero resident code"), field="token"
        ) from None
    try:
        resident = Resident.objects.get(qr_secret=secret)
    except Resident.DoesNotExist:
        resident = None
    if resident is None or resident.erased_at:
        raise EngagementError(
            "revoked_token", _("this code was revoked; ask for the new one"), field="token"
        )
    if community is not None and resident.community_id != community.pk:
        raise EngagementError(
            "wrong_community", _("this resident belongs to another community"), field="token"
        )
    return resident


def _check_window(event: Event, at: dt.datetime) -> None:
    if event.status == EventStatus.CANCELLED:
        raise EngagementError("event_cancelled", _("this event was cancelled"))
    opens = event.starts_at - dt.timedelta(hours=CHECK_IN_OPENS_BEFORE_H)
    closes = event.ends_at + dt.timedelta(hours=CHECK_IN_CLOSES_AFTER_H)
    if not opens <= at <= closes:
        raise EngagementError(
            "outside_event_time",
            _("check-in is open from 2 hours before the event until 12 hours after it ends"),
        )


@transaction.atomic
def check_in(
    *,
    actor,
    event: Event,
    token: str | None = None,
    resident: Resident | None = None,
    source: str = CheckInSource.SCAN,
    nonce: str | None = None,
    at: dt.datetime | None = None,
    units: Decimal | float | None = None,
) -> CheckInResult:
    """Check a resident in at an event, exactly once.

    However many times a code is scanned, a request retried, or an offline queue uploaded,
    a resident has one check-in per event: a repeated client ``nonce`` returns the check-in
    it made, and the (event, resident) constraint settles concurrent first scans (the loser
    of the race reads the winner's row). ``at`` is when the scan happened (offline scans
    upload later)."""
    at = at or timezone.now()
    try:
        if resident is None:
            resident = resident_for_token(token or "", community=event.community)
        elif resident.community_id != event.community_id or resident.erased_at:
            raise EngagementError(
                "wrong_community", _("this resident belongs to another community")
            )
        _check_window(event, at)
    except EngagementError:
        # A retry of a check-in that succeeded still succeeds, even after the code was
        # rotated or the check-in window closed.
        done = nonce and CheckIn.objects.filter(nonce=nonce, event=event).first()
        if done:
            return CheckInResult(done, False)
        raise
    if event.label_basis == "unit" and units is not None:
        units = Decimal(str(units))
        if not units.is_finite() or units < 0:
            raise EngagementError(
                "bad_quantity", _("the quantity must be zero or more"), field="units"
            )
    checkin = CheckIn(
        event=event,
        resident=resident,
        community_id=event.community_id,
        checked_in_at=at,
        source=source,
        nonce=nonce or None,
        units=units,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        # First scans are the common case: insert, and let the constraints settle repeats
        # and races (a concurrent loser waits for the winner's commit, then lands here).
        with transaction.atomic():
            checkin.save(force_insert=True)
    except IntegrityError:
        return CheckInResult(_existing_check_in(event, resident, nonce), False)
    record(
        "engagement.checkin.created",
        actor=actor,
        obj=event,
        community=event.community,
        changes={"checkin": [None, resident.pseudonym], "source": [None, source]},
    )
    return CheckInResult(checkin, True)


def _existing_check_in(event: Event, resident: Resident, nonce: str | None) -> CheckIn:
    """The check-in that made a new one collide: the resident's at this event, or the one
    a retried request (same ``nonce``) already made."""
    done = CheckIn.objects.filter(event=event, resident=resident).first()
    if done is None and nonce:
        done = CheckIn.objects.filter(nonce=nonce, event=event).select_related("resident").first()
    if done is None:
        # The nonce belongs to another event's check-in: a client bug, not a double scan.
        raise EngagementError("nonce_reused", _("this request id was used for another check-in"))
    if done.resident_id == resident.pk:
        done.resident = resident
    return done


@dataclass(frozen=True)
class QueuedScan:
    event_id: int
    token: str
    nonce: str
    scanned_at: dt.datetime


@dataclass(frozen=True)
class QueueOutcome:
    nonce: str
    status: str  # checked_in, already_checked_in, or an error code
    message: str = ""
    resident: str = ""


def upload_queue(
    *, actor, events: Mapping[int, Event], scans: Iterable[QueuedScan]
) -> list[QueueOutcome]:
    """Check in a queue of scans made offline. Each scan stands alone (one bad code does not
    undo the others) and repeats change nothing, so a queue may be uploaded any number of
    times. ``events`` are the events the uploader may write, by id."""
    outcomes = []
    for scan in scans:
        event = events.get(scan.event_id)
        if event is None:
            outcomes.append(QueueOutcome(scan.nonce, "unknown_event", _("no such event")))
            continue
        try:
            result = check_in(
                actor=actor,
                event=event,
                token=scan.token,
                nonce=scan.nonce,
                at=scan.scanned_at,
                source=CheckInSource.OFFLINE,
            )
        except DomainError as exc:
            outcomes.append(QueueOutcome(scan.nonce, exc.code, exc.message))
        else:
            outcomes.append(
                QueueOutcome(scan.nonce, result.status, "", str(result.checkin.resident))
            )
    return outcomes


@transaction.atomic
def self_check_in(*, user, poster_secret: str) -> CheckInResult:
    """A signed-in resident checks in by scanning the event's poster."""
    event = Event.objects.filter(poster_secret=poster_secret, self_check_in=True).first()
    resident = getattr(user, "resident", None) if user.is_authenticated else None
    if event is None or resident is None:
        raise EngagementError("not_found", _("this poster code is not valid"))
    return check_in(actor=user, event=event, resident=resident, source=CheckInSource.SELF)


# --- practices -------------------------------------------------------------------------------


def _site_in(community, site) -> None:
    if site is not None and site.community_id != community.pk:
        raise EngagementError(
            "wrong_community", _("the site is in another community"), field="site"
        )


@transaction.atomic
def record_shift(
    *, actor, site, resident: Resident, starts_at: dt.datetime, ends_at: dt.datetime, note: str = ""
) -> SortingShift:
    """Record a garbage-sorting supervision shift; its hours count once staff verify it."""
    _site_in(resident.community, site)
    if ends_at <= starts_at:
        raise EngagementError(
            "ends_before_start", _("the shift ends before it starts"), field="ends_at"
        )
    hours = Decimal((ends_at - starts_at).total_seconds() / 3600).quantize(Decimal("0.01"))
    if hours > 12:
        raise EngagementError("shift_too_long", _("a shift is at most 12 hours"), field="ends_at")
    if SortingShift.objects.filter(resident=resident, starts_at=starts_at).exists():
        raise EngagementError(
            "duplicate_shift", _("this volunteer already has a shift starting then")
        )
    shift = SortingShift.objects.create(
        community=resident.community,
        site=site,
        resident=resident,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
        note=note,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record(
        "engagement.shift.recorded",
        actor=actor,
        obj=shift,
        community=shift.community,
        object_label=f"{resident.pseudonym} {hours} h",
        changes={"hours": [None, hours], "site": [None, site.pk]},
    )
    return shift


@transaction.atomic
def verify_shift(*, actor, shift: SortingShift) -> SortingShift:
    if shift.verified_at:
        return shift
    shift.verified_at, shift.verified_by = timezone.now(), actor
    shift.save(update_fields=["verified_at", "verified_by"])
    record(
        "engagement.shift.verified",
        actor=actor,
        obj=shift,
        community=shift.community,
        object_label=f"{shift.resident.pseudonym} {shift.hours} h",
        changes={"verified_at": [None, shift.verified_at]},
    )
    return shift


@transaction.atomic
def record_weighing(
    *,
    actor,
    site,
    material: str,
    kg: Decimal | float,
    resident: Resident | None = None,
    weighed_at: dt.datetime | None = None,
    nonce: str | None = None,
) -> Weighing:
    """Record recyclables weighed at a post; CO2e from the cited factor of the material."""
    if nonce:
        done = Weighing.objects.filter(nonce=nonce).first()
        if done is not None:
            return done
    kg = Decimal(str(kg))
    if not kg.is_finite() or kg <= 0 or kg > 10_000:
        raise EngagementError(
            "bad_quantity", _("the mass must be more than 0 and at most 10,000 kg"), field="kg"
        )
    try:
        spec = recycling.materials()[material]
    except KeyError:
        raise EngagementError(
            "unknown_material", _("unknown recyclable material"), field="material"
        ) from None
    if resident is not None and resident.community_id != site.community_id:
        raise EngagementError(
            "wrong_community", _("the resident lives in another community"), field="resident"
        )
    factor = Decimal(str(spec.kgco2e_per_kg))
    weighing = Weighing.objects.create(
        community=site.community,
        site=site,
        resident=resident,
        material=material,
        kg=kg,
        factor_kgco2e_per_kg=factor,
        factor_source=spec.source,
        co2e_kg=(kg * factor).quantize(Decimal("0.001")),
        weighed_at=weighed_at or timezone.now(),
        nonce=nonce or None,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record(
        "engagement.weighing.recorded",
        actor=actor,
        obj=weighing,
        community=site.community,
        object_label=f"{material} {kg} kg",
        changes={"kg": [None, kg], "co2e_kg": [None, weighing.co2e_kg]},
    )
    return weighing


@transaction.atomic
def adopt_plant(
    *,
    actor,
    resident: Resident,
    plant: str,
    site=None,
    location: str = "",
    adopted_on: dt.date | None = None,
) -> PlantAdoption:
    _refuse_erased(resident)
    _site_in(resident.community, site)
    adoption = PlantAdoption.objects.create(
        community=resident.community,
        site=site,
        resident=resident,
        plant=plant.strip(),
        location=location,
        adopted_on=adopted_on or timezone.localdate(),
    )
    record(
        "engagement.plant.adopted",
        actor=actor,
        obj=adoption,
        community=resident.community,
        object_label=f"{plant} · {resident.pseudonym}",
    )
    return adoption


@transaction.atomic
def log_care(
    *, actor, adoption: PlantAdoption, note: str = "", photo=None, at: dt.datetime | None = None
) -> CareLog:
    if photo is not None and getattr(photo, "size", 0) > 5 * 1024 * 1024:
        raise EngagementError("photo_too_large", _("the photo is larger than 5 MB"), field="photo")
    log = CareLog.objects.create(
        adoption=adoption,
        note=note,
        photo=photo or "",
        logged_at=at or timezone.now(),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record(
        "engagement.plant.cared",
        actor=actor,
        obj=adoption,
        community=adoption.community,
        changes={"care_log": [None, log.pk]},
    )
    return log


# --- quizzes and surveys ---------------------------------------------------------------------


@transaction.atomic
def create_quiz(
    *, actor, community, title: str, kind: str, questions_text: str, pass_mark_pct: int = 60
) -> Quiz:
    """Create a quiz or survey from a plain-text question bank (see
    :mod:`nearzero.core.engagement.quiz` for the format)."""
    if not 0 < pass_mark_pct <= 100:
        raise EngagementError(
            "bad_pass_mark", _("the pass mark is a percentage from 1 to 100"), field="pass_mark_pct"
        )
    try:
        specs = quiz.parse_questions(questions_text, graded=kind == QuizKind.QUIZ)
    except DomainError as exc:
        raise EngagementError(exc.code, exc.message, field="questions_text") from None
    item = Quiz.objects.create(
        community=community, title=title.strip(), kind=kind, pass_mark_pct=pass_mark_pct
    )
    for q_pos, spec in enumerate(specs, start=1):
        question = Question.objects.create(
            quiz=item, position=q_pos, text=spec.text[:300], kind=QuestionKind(spec.kind)
        )
        Option.objects.bulk_create(
            Option(question=question, position=o_pos, text=o.text[:200], is_correct=o.correct)
            for o_pos, o in enumerate(spec.options, start=1)
        )
    record(
        "engagement.quiz.created",
        actor=actor,
        obj=item,
        community=community,
        changes={"questions": [None, len(specs)], "kind": [None, kind]},
    )
    return item


@transaction.atomic
def submit_attempt(
    *,
    actor,
    quiz_obj: Quiz,
    resident: Resident,
    chosen: Mapping[int, Iterable[int]],
    nonce: str | None = None,
    at: dt.datetime | None = None,
) -> Attempt:
    """Score and keep a resident's answers. Every question must be answered; a single-choice
    question takes exactly one option."""
    if nonce:
        done = Attempt.objects.filter(nonce=nonce).first()
        if done is not None:
            return done
    _refuse_erased(resident)
    if resident.community_id != quiz_obj.community_id:
        raise EngagementError("wrong_community", _("the resident lives in another community"))
    if not quiz_obj.is_open:
        raise EngagementError("quiz_closed", _("this quiz is closed"))
    questions = list(quiz_obj.questions.prefetch_related("options"))
    picks: dict[int, set[int]] = {}
    for question in questions:
        valid = {o.pk for o in question.options.all()}
        selected = {int(x) for x in chosen.get(question.pk, ())}
        if not selected:
            raise EngagementError(
                "unanswered", _("please answer every question"), field=f"q{question.pk}"
            )
        if not selected <= valid or (question.kind == QuestionKind.SINGLE and len(selected) != 1):
            raise EngagementError(
                "bad_answer", _("choose one of the options"), field=f"q{question.pk}"
            )
        picks[question.pk] = selected
    attempt = Attempt(
        quiz=quiz_obj,
        resident=resident,
        community_id=quiz_obj.community_id,
        submitted_at=at or timezone.now(),
        total=len(questions),
        nonce=nonce or None,
    )
    if quiz_obj.kind == QuizKind.QUIZ:
        correct = {q.pk: [o.pk for o in q.options.all() if o.is_correct] for q in questions}
        result = quiz.score(correct, picks)
        attempt.correct = result.correct
        attempt.score_pct = Decimal(str(round(result.pct, 1)))
        attempt.passed = quiz.passed(result, quiz_obj.pass_mark_pct)
    attempt.save()
    Answer.objects.bulk_create(
        Answer(attempt=attempt, question_id=q, option_id=o)
        for q, options in picks.items()
        for o in options
    )
    record(
        "engagement.quiz.answered",
        actor=actor,
        obj=quiz_obj,
        community=quiz_obj.community,
        changes={"attempt": [None, resident.pseudonym], "score_pct": [None, attempt.score_pct]},
    )
    return attempt


# --- feedback and the reading corner ---------------------------------------------------------


@transaction.atomic
def send_feedback(
    *,
    actor,
    community,
    category: str,
    text: str,
    resident: Resident | None = None,
    site=None,
    photo=None,
    at: dt.datetime | None = None,
) -> Feedback:
    text = (text or "").strip()
    if not text:
        raise EngagementError("text_required", _("please write your suggestion"), field="text")
    _site_in(community, site)
    if photo is not None and getattr(photo, "size", 0) > 5 * 1024 * 1024:
        raise EngagementError("photo_too_large", _("the photo is larger than 5 MB"), field="photo")
    item = Feedback.objects.create(
        community=community,
        site=site,
        resident=resident,
        category=category,
        text=text,
        photo=photo or "",
        created_at=at or timezone.now(),
    )
    record(
        "engagement.feedback.sent",
        actor=actor,
        obj=item,
        community=community,
        object_label=f"{item.get_category_display()} #{item.pk}",
    )
    return item


@transaction.atomic
def answer_feedback(*, actor, feedback: Feedback, reply: str, status: str) -> Feedback:
    if status == FeedbackStatus.OPEN or status not in FeedbackStatus.values:
        raise EngagementError(
            "bad_status", _("choose answered, adopted or declined"), field="status"
        )
    if not (reply or "").strip():
        raise EngagementError("reply_required", _("please write an answer"), field="reply")
    old = snapshot(feedback, ("status", "reply"))
    feedback.reply, feedback.status = reply.strip(), status
    feedback.replied_by, feedback.replied_at = actor, timezone.now()
    feedback.save(update_fields=["reply", "status", "replied_by", "replied_at"])
    record(
        "engagement.feedback.answered",
        actor=actor,
        obj=feedback,
        community=feedback.community,
        object_label=f"#{feedback.pk}",
        changes=diff(old, snapshot(feedback, ("status", "reply"))),
    )
    return feedback


@transaction.atomic
def add_book(
    *,
    actor,
    site,
    title: str,
    author: str = "",
    added_on: dt.date | None = None,
    feedback: Feedback | None = None,
) -> Book:
    """Add a book to a reading corner, optionally linked to the feedback that asked for it."""
    if feedback is not None and feedback.community_id != site.community_id:
        raise EngagementError(
            "wrong_community", _("the feedback is from another community"), field="feedback"
        )
    book = Book.objects.create(
        site=site,
        title=title.strip(),
        author=author.strip(),
        added_on=added_on or timezone.localdate(),
        feedback=feedback,
    )
    record(
        "engagement.book.added",
        actor=actor,
        obj=book,
        community=site.community,
        changes={"feedback": [None, feedback.pk if feedback else None]},
    )
    return book
