"""Reads of the engagement app: outcome KPIs (the seeds' definitions), lists, exports.

KPI definitions (docs/algorithms/engagement-kpis.md):

- events held: events of the year, not cancelled, that have started;
- participations (人次): check-ins at those events (a resident counts once per event);
- distinct participants: residents with at least one such check-in;
- resident services: every verified service to a resident — check-ins, verified sorting
  shifts, weighings, plant-care logs, quiz and survey answers, answered feedback;
- sites with events: distinct sites (stations, posts …) that held at least one event;
- knowledge rate: share of distinct residents whose latest knowledge-quiz attempt of the
  year passed;
- volunteer hours: hours of verified sorting-supervision shifts;
- recycled kg and the CO2e of labelled actions (event carbon labels × participations or
  units, plus recyclables × their cited factors).

Every figure is counted from rows in a fixed number of grouped queries, whatever the number
of events, sites or months (a test guards the count).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from nearzero.accounts import scope
from nearzero.core.engagement import phones, recycling, tokens
from nearzero.core.engagement.catalogue import labelled_co2e_g
from nearzero.core.engagement.quiz import knowledge_rate_pct
from nearzero.core.errors import DomainError
from nearzero.sites.choices import SiteKind

from . import checkin, pii
from .choices import EventStatus, FeedbackStatus, QuizKind, ScanGrantKind
from .models import (
    Attempt,
    CareLog,
    CheckIn,
    Event,
    Feedback,
    Registration,
    Resident,
    ScanGrant,
    SortingShift,
    Weighing,
)


@dataclass
class Kpis:
    events: int = 0
    participations: int = 0
    distinct_participants: int = 0
    resident_services: int = 0
    sites_with_events: int = 0
    stations_with_events: int = 0
    posts_with_events: int = 0
    quiz_takers: int = 0
    knowledge_rate_pct: float | None = None
    volunteer_hours: float = 0.0
    recycled_kg: float = 0.0
    labelled_co2e_kg: float = 0.0

    def as_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("volunteer_hours", "recycled_kg", "labelled_co2e_kg"):
            out[key] = round(out[key], 3)
        if out["knowledge_rate_pct"] is not None:
            out["knowledge_rate_pct"] = round(out["knowledge_rate_pct"], 1)
        return out


@dataclass
class Summary:
    year: int
    total: Kpis
    months: list[tuple[dt.date, Kpis]] = field(default_factory=list)
    sites: list[tuple[object, Kpis]] = field(default_factory=list)


def year_bounds(community, year: int, month: int | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a year or a month at local midnight in the community's time zone."""
    tz = zoneinfo.ZoneInfo(community.time_zone)
    if month is None:
        return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def _month(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _held(community, start: dt.datetime, end: dt.datetime, now: dt.datetime):
    """Events the KPIs count: started in [start, end) by ``now`` and not cancelled."""
    return Event.objects.filter(
        community=community, starts_at__gte=start, starts_at__lt=end, starts_at__lte=now
    ).exclude(status=EventStatus.CANCELLED)


def summary(
    community, year: int, *, month: int | None = None, now: dt.datetime | None = None, sites=None
) -> Summary:
    """KPIs of a community for a year (or one month of it): the total, each month, each site.

    ``sites`` (the community's sites, if the caller has them) names the per-site rows."""
    tz = zoneinfo.ZoneInfo(community.time_zone)
    start, end = year_bounds(community, year, month)
    now = now or timezone.now()
    held = _held(community, start, end, now)
    checkins = CheckIn.objects.filter(event__in=held)
    by_key: dict[tuple, Kpis] = defaultdict(Kpis)  # (month | None, site_id | None)

    def add(month_value, site_id, **values) -> None:
        keys = [(month_value, None), (None, None)]
        if site_id is not None:
            keys.append((None, site_id))
        for key in keys:
            kpis = by_key[key]
            for name, value in values.items():
                setattr(kpis, name, getattr(kpis, name) + value)

    site_kind: dict[int, str] = {}
    event_sites: dict[int, set] = defaultdict(set)
    for row in (
        held.annotate(m=TruncMonth("starts_at", tzinfo=tz))
        .values("m", "site_id", "site__kind")
        .annotate(n=Count("id"))
    ):
        month_value = _month(row["m"])
        add(month_value, row["site_id"], events=row["n"])
        site_kind[row["site_id"]] = row["site__kind"]
        event_sites[month_value].add(row["site_id"])
        event_sites[None].add(row["site_id"])
    for row in (
        checkins.annotate(m=TruncMonth("event__starts_at", tzinfo=tz))
        .values("m", "event__site_id", "event__carbon_label_g", "event__label_basis")
        .annotate(n=Count("id"), units=Sum("units"))
    ):
        co2e_kg = (
            labelled_co2e_g(
                row["event__carbon_label_g"],
                row["event__label_basis"],
                row["n"],
                float(row["units"] or 0),
            )
            / 1000
        )
        add(
            _month(row["m"]),
            row["event__site_id"],
            participations=row["n"],
            resident_services=row["n"],
            labelled_co2e_kg=co2e_kg,
        )
    shifts = SortingShift.objects.filter(
        community=community, starts_at__gte=start, starts_at__lt=end, verified_at__isnull=False
    )
    for row in (
        shifts.annotate(m=TruncMonth("starts_at", tzinfo=tz))
        .values("m", "site_id")
        .annotate(n=Count("id"), h=Sum("hours"))
    ):
        add(
            _month(row["m"]),
            row["site_id"],
            volunteer_hours=float(row["h"] or 0),
            resident_services=row["n"],
        )
    weighings = Weighing.objects.filter(
        community=community, weighed_at__gte=start, weighed_at__lt=end
    )
    for row in (
        weighings.annotate(m=TruncMonth("weighed_at", tzinfo=tz))
        .values("m", "site_id")
        .annotate(n=Count("id"), kg=Sum("kg"), co2e=Sum("co2e_kg"))
    ):
        add(
            _month(row["m"]),
            row["site_id"],
            recycled_kg=float(row["kg"] or 0),
            labelled_co2e_kg=float(row["co2e"] or 0),
            resident_services=row["n"],
        )
    care = CareLog.objects.filter(
        adoption__community=community, logged_at__gte=start, logged_at__lt=end
    )
    for row in (
        care.annotate(m=TruncMonth("logged_at", tzinfo=tz))
        .values("m", "adoption__site_id")
        .annotate(n=Count("id"))
    ):
        add(_month(row["m"]), row["adoption__site_id"], resident_services=row["n"])
    attempts = Attempt.objects.filter(
        community=community, submitted_at__gte=start, submitted_at__lt=end
    )
    for row in (
        attempts.annotate(m=TruncMonth("submitted_at", tzinfo=tz))
        .values("m")
        .annotate(n=Count("id"))
    ):
        add(_month(row["m"]), None, resident_services=row["n"])
    answered = Feedback.objects.filter(
        community=community, replied_at__gte=start, replied_at__lt=end
    ).exclude(status=FeedbackStatus.OPEN)
    for row in (
        answered.annotate(m=TruncMonth("replied_at", tzinfo=tz))
        .values("m", "site_id")
        .annotate(n=Count("id"))
    ):
        add(_month(row["m"]), row["site_id"], resident_services=row["n"])

    # Distinct counts cannot be added up: one grouped query for each breakdown.
    distinct_total = checkins.aggregate(n=Count("resident_id", distinct=True))["n"]
    for row in (
        checkins.annotate(m=TruncMonth("event__starts_at", tzinfo=tz))
        .values("m")
        .annotate(n=Count("resident_id", distinct=True))
    ):
        by_key[(_month(row["m"]), None)].distinct_participants = row["n"]
    for row in checkins.values("event__site_id").annotate(n=Count("resident_id", distinct=True)):
        by_key[(None, row["event__site_id"])].distinct_participants = row["n"]

    latest = (
        Attempt.objects.filter(
            resident=OuterRef("resident"),
            quiz__kind=QuizKind.QUIZ,
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    rate = Attempt.objects.filter(
        community=community,
        quiz__kind=QuizKind.QUIZ,
        submitted_at__gte=start,
        submitted_at__lt=end,
        pk=Subquery(latest),
    ).aggregate(takers=Count("id"), passed=Count("id", filter=Q(passed=True)))

    total = by_key[(None, None)]
    total.distinct_participants = distinct_total
    total.quiz_takers = rate["takers"]
    if rate["takers"]:
        total.knowledge_rate_pct = knowledge_rate_pct(
            [True] * rate["passed"] + [False] * (rate["takers"] - rate["passed"])
        )
    for key, kpis in by_key.items():
        ids = event_sites.get(key[0]) if key[1] is None else ({key[1]} & event_sites[None])
        ids = ids or set()
        kpis.sites_with_events = len(ids)
        kpis.stations_with_events = sum(site_kind.get(i) == SiteKind.STATION for i in ids)
        kpis.posts_with_events = sum(site_kind.get(i) == SiteKind.POST for i in ids)

    months = []
    first = 1 if month is None else month
    last = 12 if month is None else month
    for m in range(first, last + 1):
        day = dt.date(year, m, 1)
        months.append((day, by_key.get((day, None), Kpis())))
    site_rows = []
    for site in sites or []:
        site_rows.append((site, by_key.get((None, site.pk), Kpis())))
    return Summary(year=year, total=total, months=months, sites=site_rows)


def latest_year(community) -> int | None:
    """The latest year with a held event, or None."""
    last = (
        Event.objects.filter(community=community, starts_at__lte=timezone.now())
        .exclude(status=EventStatus.CANCELLED)
        .order_by("-starts_at")
        .values("starts_at")
        .first()
    )
    if not last:
        return None
    return timezone.localtime(last["starts_at"], zoneinfo.ZoneInfo(community.time_zone)).year


def held_events(community, year: int):
    """The year's held events (not cancelled, started), as the KPIs count them, with their
    registrations, check-ins and labelled CO2e; three queries."""
    start, end = year_bounds(community, year)
    events = list(
        _held(community, start, end, timezone.now())
        .select_related("site", "activity_type")
        .order_by("starts_at", "pk")
    )
    ids = [e.pk for e in events]
    checkins = {
        row["event_id"]: (row["n"], float(row["units"] or 0))
        for row in CheckIn.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(n=Count("id"), units=Sum("units"))
        .order_by()
    }
    registrations = dict(
        Registration.objects.filter(event_id__in=ids)
        .values_list("event_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    out = []
    for event in events:
        n, units = checkins.get(event.pk, (0, 0.0))
        out.append(
            {
                "event": event,
                "registrations": registrations.get(event.pk, 0),
                "checkins": n,
                "labelled_co2e_kg": labelled_kg(event, n, units),
            }
        )
    return out


def with_counts(events):
    """Events with their registrations and check-ins counted in subqueries (no N+1)."""

    def count(model):
        return Coalesce(
            Subquery(
                model.objects.filter(event=OuterRef("pk"))
                .order_by()
                .values("event")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )

    return events.select_related("site").annotate(
        n_registrations=count(Registration), n_checkins=count(CheckIn)
    )


def latest_quiz_year(community) -> int | None:
    """The latest year in which a resident answered a quiz, or None."""
    last = (
        Attempt.objects.filter(community=community, quiz__kind=QuizKind.QUIZ)
        .order_by("-submitted_at")
        .values("submitted_at")
        .first()
    )
    if not last:
        return None
    zone = zoneinfo.ZoneInfo(community.time_zone)
    return timezone.localtime(last["submitted_at"], zone).year


def event_figures(event: Event) -> dict:
    """One event's participations, registrations and labelled CO2e."""
    agg = event.checkins.aggregate(n=Count("id"), units=Sum("units"))
    return {
        "participations": agg["n"],
        "registrations": event.registrations.count(),
        "labelled_co2e_kg": labelled_co2e_g(
            event.carbon_label_g, event.label_basis, agg["n"], float(agg["units"] or 0)
        )
        / 1000,
    }


def live_scan_grant(token: str) -> ScanGrant | None:
    """The scan grant holding ``token`` while it still works (the same conditions a scan
    checks), with its event and site."""
    digest = tokens.grant_digest(token)
    grant_id = checkin.live_grant_id(digest) if digest else None
    if grant_id is None:
        return None
    return ScanGrant.objects.select_related("event__site", "event__community").get(pk=grant_id)


def scan_links(event: Event) -> list[ScanGrant]:
    """An event's scanner links, newest first, with the check-ins each recorded."""
    return list(
        event.scan_grants.filter(kind=ScanGrantKind.LINK)
        .select_related("issued_by")
        .annotate(scans=Count("checkins"))
        .order_by("-created_at")
    )


def labelled_kg(event: Event, participations: int, units: float = 0.0) -> float:
    """The labelled CO2e of one event [kg CO2e]."""
    return labelled_co2e_g(event.carbon_label_g, event.label_basis, participations, units) / 1000


def recycled_by_material(community, year: int) -> list[dict]:
    """Recyclables of a year by material: kg, kg CO2e and the factor with its source."""
    start, end = year_bounds(community, year)
    rows = (
        Weighing.objects.filter(community=community, weighed_at__gte=start, weighed_at__lt=end)
        .values("material", "factor_kgco2e_per_kg", "factor_source")
        .annotate(kg=Sum("kg"), co2e=Sum("co2e_kg"), n=Count("id"))
        .order_by("material")
    )
    return [{**row, "label": material_label(row["material"])} for row in rows]


def material_label(code: str) -> str:
    """A recyclable material's name in the active language (its code if not shipped)."""
    spec = recycling.materials().get(code)
    if spec is None:
        return code
    return spec.en if (get_language() or "").startswith("en") else spec.zh


def quiz_results(quiz) -> list[dict]:
    """Each question with its options and how often each option was chosen."""
    from .models import Answer

    counts = dict(
        Answer.objects.filter(attempt__quiz=quiz).values_list("option_id").annotate(n=Count("id"))
    )
    attempts = quiz.attempts.count() or 1
    out = []
    for question in quiz.questions.prefetch_related("options"):
        options = [
            {"option": o, "n": counts.get(o.pk, 0), "pct": 100.0 * counts.get(o.pk, 0) / attempts}
            for o in question.options.all()
        ]
        out.append({"question": question, "options": options})
    return out


def my_totals(resident) -> dict:
    """A resident's own record: participations, verified hours, kg recycled, labelled CO2e."""
    checkins = list(
        resident.checkins.values("event__carbon_label_g", "event__label_basis", "units")
    )
    co2e_g = sum(
        labelled_co2e_g(
            c["event__carbon_label_g"], c["event__label_basis"], 1, float(c["units"] or 0)
        )
        for c in checkins
    )
    weighed = resident.weighings.aggregate(kg=Sum("kg"), co2e=Sum("co2e_kg"))
    hours = resident.shifts.filter(verified_at__isnull=False).aggregate(h=Sum("hours"))["h"]
    return {
        "participations": len(checkins),
        "volunteer_hours": float(hours or 0),
        "recycled_kg": float(weighed["kg"] or 0),
        "co2e_kg": co2e_g / 1000 + float(weighed["co2e"] or 0),
    }


def open_events(resident):
    """Events of the resident's community that have not ended, soonest first."""
    return (
        Event.objects.filter(community_id=resident.community_id, ends_at__gte=timezone.now())
        .exclude(status=EventStatus.CANCELLED)
        .select_related("site")
        .annotate(registered=Count("registrations"))
        .order_by("starts_at")
    )


def search_residents(community, query: str):
    """Residents by phone number (through its keyed digest), registry number or name."""
    residents = Resident.objects.filter(community=community, erased_at=None).select_related(
        "home_site", "household__building"
    )
    digits = query.replace(" ", "").replace("-", "")
    if digits.lstrip("+").isdigit() and len(digits) >= 7:
        try:
            return residents.filter(phone_digest=pii.phone_digest(phones.normalize_phone(digits)))
        except DomainError:
            return residents.none()
    if query.upper().startswith("R") and query[1:].isalnum() and len(query) > 6:
        return residents.filter(pseudonym=query.upper())
    return residents.filter(name__icontains=query)


def visible_resident(user, pk: int) -> Resident:
    """A resident of one of the user's communities (404 otherwise), with the rows their
    pages show."""
    return scope.get_or_404(
        Resident.objects.filter(community__in=scope.communities_for(user)).select_related(
            "community", "home_site", "household__building"
        ),
        pk=pk,
    )
