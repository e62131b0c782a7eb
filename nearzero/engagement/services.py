"""Writes of the engagement app, each in a transaction with an audit entry.

Audit entries about residents name them by pseudonym and masked phone only: the audit log is
append-only, so anything written there could never be erased on request.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nearzero.audit.services import diff, record, snapshot
from nearzero.core.engagement import phones, quiz, recycling, tokens
from nearzero.core.errors import DomainError

from . import checkin, pii
from .choices import (
    CHECK_IN_CLOSES_AFTER_H,
    CheckInSource,
    EventStatus,
    FeedbackStatus,
    QuestionKind,
    QuizKind,
    ScanGrantKind,
)
from .errors import EngagementError
from .models import (
    Answer,
    Attempt,
    Book,
    CareLog,
    Event,
    Feedback,
    Option,
    PlantAdoption,
    Question,
    Quiz,
    Registration,
    Resident,
    ScanGrant,
    SortingShift,
    Weighing,
)


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

# The rules and the writing of a check-in live in .checkin (one statement, one round trip).
CheckInResult = checkin.CheckInResult


def _secret_of(token: str) -> str:
    try:
        return pii.verify_token(token)
    except DomainError:
        raise EngagementError(
            "bad_token", _("this is not a nearzero resident code"), field="token"
        ) from None


def check_in(
    *,
    actor=None,
    event: Event | int,
    token: str | None = None,
    resident: Resident | int | None = None,
    source: str = CheckInSource.SCAN,
    nonce: str | None = None,
    at: dt.datetime | None = None,
    units: Decimal | float | None = None,
    grant: str | None = None,
) -> CheckInResult:
    """Check a resident in at an event, exactly once.

    The resident is named by the ``token`` of their QR code (forged or mistyped codes are
    refused by its MAC, before any lookup) or, from a name search, by ``resident``. The
    scanner is either ``actor``, whose scope at the event the caller checked (``None`` for
    the system), or a scan grant's token ``grant``, which the statement checks itself.

    However many times a code is scanned, a request retried, or an offline queue uploaded,
    a resident has one check-in per event: a repeated client ``nonce`` returns the check-in
    it made, and the (event, resident) constraint settles concurrent first scans. ``at`` is
    when the scan happened (offline scans upload later)."""
    if grant is not None:
        digest = tokens.grant_digest(grant)
        if digest is None:
            raise checkin.ScanGrantInvalid
    scan = checkin.Scan(
        event_id=event if isinstance(event, int) else event.pk,
        at=at or timezone.now(),
        source=source,
        secret=_secret_of(token or "") if resident is None else None,
        resident_id=None if resident is None else getattr(resident, "pk", resident),
        actor=actor if grant is None else None,
        grant_digest=digest if grant is not None else None,
        nonce=nonce or None,
        units=checkin.parse_units(units),
    )
    return checkin.record_scan(scan)


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
    *,
    actor=None,
    events: Collection[int],
    scans: Iterable[QueuedScan],
    grant: str | None = None,
) -> list[QueueOutcome]:
    """Check in a queue of scans made offline. Each scan stands alone (one bad code does not
    undo the others) and repeats change nothing, so a queue may be uploaded any number of
    times. ``events`` are the ids of the events the uploader may write (``actor``'s, or the
    one event of the scan grant ``grant``)."""
    outcomes = []
    for scan in scans:
        if scan.event_id not in events:
            outcomes.append(QueueOutcome(scan.nonce, "unknown_event", _("no such event")))
            continue
        try:
            result = check_in(
                actor=actor,
                grant=grant,
                event=scan.event_id,
                token=scan.token,
                nonce=scan.nonce,
                at=scan.scanned_at,
                source=CheckInSource.OFFLINE,
            )
        except DomainError as exc:
            outcomes.append(QueueOutcome(scan.nonce, exc.code, exc.message))
        else:
            outcomes.append(QueueOutcome(scan.nonce, result.status, "", result.resident))
    return outcomes


def self_check_in(*, user, poster_secret: str) -> CheckInResult:
    """A signed-in resident checks in by scanning the event's poster."""
    event = Event.objects.filter(poster_secret=poster_secret, self_check_in=True).first()
    resident = getattr(user, "resident", None) if user.is_authenticated else None
    if event is None or resident is None:
        raise EngagementError("not_found", _("this poster code is not valid"))
    return check_in(actor=user, event=event, resident=resident, source=CheckInSource.SELF)


# --- scan grants -----------------------------------------------------------------------------


@transaction.atomic
def issue_scan_grant(
    *,
    actor,
    event: Event,
    kind: str,
    label: str = "",
    session_key: str | None = None,
    at: dt.datetime | None = None,
) -> tuple[ScanGrant, str]:
    """Give a phone leave to check residents in at ``event`` until its check-in window
    closes; returns the grant and its token, which is shown once and never stored (the scan
    page keeps it in the signed-in session; a scanner link carries it in its QR code).

    ``actor`` must work at the event's site (the caller checks; every scan checks again). A
    page grant names the session it belongs to and ends with it."""
    now = at or timezone.now()
    if event.status == EventStatus.CANCELLED:
        raise EngagementError("event_cancelled", _("this event was cancelled"))
    expires = event.ends_at + dt.timedelta(hours=CHECK_IN_CLOSES_AFTER_H)
    if expires <= now:
        raise EngagementError("check_in_closed", _("check-in for this event has closed"))
    label = " ".join((label or "").split())[:60]
    if kind == ScanGrantKind.LINK and not label:
        raise EngagementError("label_required", _("say whose phone the link is for"), field="label")
    if kind == ScanGrantKind.PAGE:
        label = label or actor.get_username()
        if not session_key:
            raise EngagementError("no_session", _("sign in again to scan"))
    token = tokens.new_grant_token()
    grant = ScanGrant.objects.create(
        event=event,
        kind=kind,
        label=label,
        issued_by=actor,
        digest=tokens.grant_digest(token),
        session_id=session_key if kind == ScanGrantKind.PAGE else None,
        expires_at=expires,
    )
    if kind == ScanGrantKind.LINK:  # page grants come and go with sessions: not worth an entry
        record(
            "engagement.scan_link.issued",
            actor=actor,
            obj=event,
            community=event.community,
            changes={"scan_link": [None, label], "expires_at": [None, expires]},
        )
    return grant, token


@transaction.atomic
def revoke_scan_grant(*, actor, grant: ScanGrant, at: dt.datetime | None = None) -> ScanGrant:
    """Withdraw a scan grant at once (a lost phone, a volunteer who left)."""
    if grant.revoked_at is None:
        grant.revoked_at = at or timezone.now()
        grant.revoked_by = actor
        grant.save(update_fields=["revoked_at", "revoked_by"])
        record(
            "engagement.scan_link.revoked",
            actor=actor,
            obj=grant.event,
            community=grant.event.community,
            changes={"scan_link": [grant.label, None]},
        )
    return grant


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
