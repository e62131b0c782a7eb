"""REST API of the engagement app: events, idempotent check-in, practices, quizzes, feedback
and KPIs. The same services and scope rules as the pages."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from nearzero.accounts import scope
from nearzero.api.auth import staff_session
from nearzero.core.engagement import tokens

from . import selectors, services
from .checkin import ScanGrantInvalid
from .choices import CheckInSource
from .models import Event, Feedback, Quiz, Resident, SortingShift

router = Router(tags=["engagement"])


class EventOut(Schema):
    id: int
    title: str
    site_id: int
    activity_type: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None
    status: str
    carbon_label_g: float | None
    label_basis: str
    points: int

    @staticmethod
    def resolve_activity_type(obj: Event) -> str:
        return obj.activity_type.code


class EventIn(Schema):
    site_id: int
    activity_type: str
    title: str = ""
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None = None
    registration_open: bool = True
    self_check_in: bool = False
    description: str = ""


class CheckInIn(Schema):
    token: str | None = None
    resident_id: int | None = None
    nonce: str | None = None
    scanned_at: dt.datetime | None = None
    units: float | None = None


class CheckInOut(Schema):
    status: str  # checked_in or already_checked_in
    checkin_id: int
    resident: str
    phone: str
    checked_in_at: dt.datetime
    participations: int


class QueuedIn(Schema):
    event_id: int
    token: str
    nonce: str
    scanned_at: dt.datetime


class QueueIn(Schema):
    scans: list[QueuedIn]


class ShiftIn(Schema):
    site_id: int
    resident_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str = ""


class WeighingIn(Schema):
    site_id: int
    material: str
    kg: float
    resident_id: int | None = None
    weighed_at: dt.datetime | None = None
    nonce: str | None = None


class AnswerIn(Schema):
    status: str
    reply: str


def _events_writable(request):
    """Events whose check-ins the user may record: at sites where the user works."""
    return Event.objects.filter(site__in=scope.frontline_sites_for(request.user)).select_related(
        "community", "site", "activity_type"
    )


def _event_writable(request, event_id: int) -> Event:
    """One such event, for the check-in hot path: fetched by key, its scope decided from the
    user's roles in memory (404 outside it, as everywhere)."""
    event = Event.objects.select_related("community", "site").filter(pk=event_id).first()
    if event is None or not scope.works_at(request.user, event.site):
        raise Http404
    return event


def _site(request, site_id: int):
    """A site where the user works on the ground."""
    return scope.get_or_404(
        scope.frontline_sites_for(request.user).select_related("community"), pk=site_id
    )


def _resident_in(community, resident_id: int | None) -> Resident | None:
    if resident_id is None:
        return None
    return scope.get_or_404(
        Resident.objects.filter(community=community, erased_at=None), pk=resident_id
    )


class ScanGrantBearer(HttpBearer):
    """A scan grant's token (``Authorization: Bearer NZS1.…``). Only its shape is checked
    here; the check-in statement checks the grant itself in the same round trip as its work,
    and the other operations through :func:`_granted_event`."""

    def authenticate(self, request, token):
        return token if tokens.grant_digest(token) else None


#: Who may record check-ins: a scan grant, or a signed-in staff member.
SCANNERS = [ScanGrantBearer(), staff_session]


def _grant(request) -> str | None:
    """The scan grant's token the request authenticated with, if any."""
    return request.auth if isinstance(request.auth, str) else None


def _granted_event(grant: str) -> Event:
    found = selectors.live_scan_grant(grant)
    if found is None:
        raise ScanGrantInvalid
    return found.event


@router.get("/communities/{slug}/events", response=list[EventOut])
def list_events(request, slug: str, year: int | None = None):
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    events = Event.objects.filter(community=community).select_related("activity_type")
    if year:
        start, end = selectors.year_bounds(community, year)
        events = events.filter(starts_at__gte=start, starts_at__lt=end)
    return events.order_by("starts_at")


@router.post("/communities/{slug}/events", response={201: EventOut})
def create_event(request, slug: str, payload: EventIn):
    from .models import ActivityType

    community = scope.get_or_404(scope.frontline_communities(request.user), slug=slug)
    site = _site(request, payload.site_id)
    if site.community_id != community.pk:
        raise Http404
    type_ = ActivityType.objects.filter(code=payload.activity_type).filter(
        community__in=[community]
    ).first() or scope.get_or_404(
        ActivityType.objects.filter(community=None), code=payload.activity_type
    )
    values = payload.dict(exclude={"site_id", "activity_type"})
    event = services.create_event(
        actor=request.user, community=community, site=site, activity_type=type_, **values
    )
    return Status(201, event)


@router.post(
    "/events/{event_id}/checkins",
    response={201: CheckInOut, 200: CheckInOut},
    url_name="engagement_check_in",
    auth=SCANNERS,
)
def check_in(request, event_id: int, payload: CheckInIn):
    """Check a resident in by their QR token (or registry id). Idempotent: a repeated scan or
    a retried request answers 200 ``already_checked_in`` with the existing check-in.

    A scan page or scanner link authenticates with its scan grant (``Authorization: Bearer``):
    the grant, the rules and the writing of the check-in then take one database round trip.
    A signed-in staff member may post with the session instead."""
    grant = _grant(request)
    resident = None
    if grant is None:
        event = _event_writable(request, event_id)
        resident = _resident_in(event.community_id, payload.resident_id)
    elif payload.resident_id is not None:
        raise Http404  # name search is for signed-in staff only (residents' names)
    result = services.check_in(
        actor=None if grant else request.user,
        grant=grant,
        event=event_id,
        token=payload.token,
        resident=resident,
        nonce=payload.nonce,
        at=payload.scanned_at,
        units=payload.units,
        source=CheckInSource.SEARCH if resident else CheckInSource.SCAN,
    )
    body = {
        "status": result.status,
        "checkin_id": result.checkin_id,
        "resident": result.resident,
        "phone": result.phone,
        "checked_in_at": result.checked_in_at,
        "participations": result.participations,
    }
    return Status(201 if result.created else 200, body)


@router.post("/checkins/queue", url_name="engagement_upload_queue", auth=SCANNERS)
def upload_queue(request, payload: QueueIn):
    """Upload scans queued offline. Each scan answers on its own; uploading the same queue
    again creates nothing."""
    grant = _grant(request)
    if grant is None:
        ids = {s.event_id for s in payload.scans}
        events = set(_events_writable(request).filter(pk__in=ids).values_list("pk", flat=True))
    else:
        events = {_granted_event(grant).pk}
    outcomes = services.upload_queue(
        actor=None if grant else request.user,
        grant=grant,
        events=events,
        scans=[
            services.QueuedScan(s.event_id, s.token, s.nonce, s.scanned_at) for s in payload.scans
        ],
    )
    return {"results": [o.__dict__ for o in outcomes]}


@router.get("/events/{event_id}/figures", url_name="engagement_event_figures", auth=SCANNERS)
def event_figures(request, event_id: int):
    grant = _grant(request)
    if grant is not None:
        event = _granted_event(grant)
        if event.pk != event_id:
            raise Http404
    else:
        event = scope.get_or_404(
            Event.objects.filter(community__in=scope.communities_for(request.user)), pk=event_id
        )
    return selectors.event_figures(event)


@router.get("/scan-grant", url_name="engagement_scan_grant", auth=ScanGrantBearer())
def scan_grant(request):
    """What a scanner link's phone needs to show: its event, site and figures."""
    grant = selectors.live_scan_grant(request.auth)
    if grant is None:
        raise ScanGrantInvalid
    event = grant.event
    return {
        "label": grant.label,
        "expires_at": grant.expires_at,
        "event": {
            "id": event.pk,
            "title": event.title,
            "site": event.site.name,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
        },
        "figures": selectors.event_figures(event),
        "checkin_url": reverse("api:engagement_check_in", kwargs={"event_id": event.pk}),
        "figures_url": reverse("api:engagement_event_figures", kwargs={"event_id": event.pk}),
    }


@router.post("/shifts", response={201: dict})
def record_shift(request, payload: ShiftIn):
    site = _site(request, payload.site_id)
    shift = services.record_shift(
        actor=request.user,
        site=site,
        resident=_resident_in(site.community, payload.resident_id),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        note=payload.note,
    )
    return Status(201, {"id": shift.pk, "hours": float(shift.hours), "verified": False})


@router.post("/shifts/{shift_id}/verify")
def verify_shift(request, shift_id: int):
    shift = scope.get_or_404(
        SortingShift.objects.filter(
            site__in=scope.frontline_sites_for(request.user)
        ).select_related("resident"),
        pk=shift_id,
    )
    shift = services.verify_shift(actor=request.user, shift=shift)
    return {"id": shift.pk, "hours": float(shift.hours), "verified": True}


@router.post("/weighings", response={201: dict})
def record_weighing(request, payload: WeighingIn):
    site = _site(request, payload.site_id)
    weighing = services.record_weighing(
        actor=request.user,
        site=site,
        material=payload.material,
        kg=payload.kg,
        resident=_resident_in(site.community, payload.resident_id),
        weighed_at=payload.weighed_at,
        nonce=payload.nonce,
    )
    return Status(
        201,
        {
            "id": weighing.pk,
            "kg": float(weighing.kg),
            "co2e_kg": float(weighing.co2e_kg),
            "factor_kgco2e_per_kg": float(weighing.factor_kgco2e_per_kg),
            "factor_source": weighing.factor_source,
        },
    )


@router.get("/communities/{slug}/quizzes")
def list_quizzes(request, slug: str):
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    return [
        {
            "id": q.pk,
            "title": q.title,
            "kind": q.kind,
            "pass_mark_pct": q.pass_mark_pct,
            "attempts": q.attempts.count(),
        }
        for q in Quiz.objects.filter(community=community)
    ]


@router.get("/quizzes/{quiz_id}/results")
def quiz_results(request, quiz_id: int):
    quiz = scope.get_or_404(
        Quiz.objects.filter(community__in=scope.communities_for(request.user)), pk=quiz_id
    )
    return [
        {
            "question": r["question"].text,
            "kind": r["question"].kind,
            "options": [
                {"text": o["option"].text, "correct": o["option"].is_correct, "chosen": o["n"]}
                for o in r["options"]
            ],
        }
        for r in selectors.quiz_results(quiz)
    ]


@router.get("/communities/{slug}/feedback")
def list_feedback(request, slug: str, status: str | None = None):
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    items = Feedback.objects.filter(community=community)
    if status:
        items = items.filter(status=status)
    return [
        {
            "id": f.pk,
            "category": f.category,
            "text": f.text,
            "status": f.status,
            "reply": f.reply,
            "site_id": f.site_id,
            "created_at": f.created_at,
        }
        for f in items[:500]
    ]


@router.post("/feedback/{feedback_id}/answer")
def answer_feedback(request, feedback_id: int, payload: AnswerIn):
    item = scope.get_or_404(
        Feedback.objects.filter(community__in=scope.frontline_communities(request.user)),
        pk=feedback_id,
    )
    item = services.answer_feedback(
        actor=request.user, feedback=item, reply=payload.reply, status=payload.status
    )
    return {"id": item.pk, "status": item.status}


@router.get("/communities/{slug}/engagement/kpis")
def kpis(request, slug: str, year: int | None = None, month: int | None = None):
    """Outcome KPIs of a year (default: the latest with events) or of one month of it: the
    total, each month and each site."""
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    year = year or selectors.latest_year(community) or dt.date.today().year
    if month is not None and not 1 <= month <= 12:
        raise Http404
    data = selectors.summary(community, year, month=month, sites=list(community.sites.all()))
    return {
        "community": community.slug,
        "year": year,
        "month": month,
        "total": data.total.as_dict(),
        "months": [{"month": f"{d:%Y-%m}", **k.as_dict()} for d, k in data.months],
        "sites": [
            {"site_id": s.pk, "site": s.name, "kind": s.kind, **k.as_dict()} for s, k in data.sites
        ],
    }
