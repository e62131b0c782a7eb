"""REST API of the energy app: meters, reading pushes, aggregates and PV assessment."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from nearzero.accounts import scope
from nearzero.core.energy import intervals, pv

from . import selectors, services
from .models import Meter

router = Router(tags=["energy"])


class MeterOut(Schema):
    id: int
    code: str
    name: str
    carrier: str
    direction: str
    unit: str
    register_type: str  # "interval" or "counter" (a field may not be called "register")
    resolution_min: int
    site_id: int | None

    @staticmethod
    def resolve_register_type(obj: Meter) -> str:
        return obj.register


class Reading(Schema):
    meter: str
    timestamp: str
    value: float
    unit: str | None = None


class PushIn(Schema):
    readings: list[Reading]
    timestamp_is_end: bool = False


class BatchOut(Schema):
    id: int
    already_imported: bool
    rows_in: int
    inserted: int
    duplicates: int
    rejected: int
    revisions: int
    months: list[str]
    rejected_rows: list[dict]


class Aggregate(Schema):
    meter_id: int
    period: str
    value: float | None
    intervals: int
    expected_intervals: int


class AssessIn(Schema):
    kwp: float
    tilt_deg: float
    azimuth_deg: float = 180.0
    losses_pct: float = pv.DEFAULT_LOSSES_PCT


def _meter(request, meter_id: int) -> Meter:
    return scope.get_or_404(
        Meter.objects.filter(community__in=scope.communities_for(request.user)).select_related(
            "community"
        ),
        pk=meter_id,
    )


@router.get("/communities/{slug}/meters", response=list[MeterOut])
def list_meters(request, slug: str):
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    return Meter.objects.filter(community=community)


@router.post("/communities/{slug}/readings", response={201: BatchOut, 200: BatchOut})
def push_readings(request, slug: str, payload: PushIn):
    """A gateway's push: each reading is validated like a file row; the same push twice is a
    no-op (200), a new one answers 201 with the batch and its rejected rows."""
    community = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
    records = [r.dict() for r in payload.readings]
    outcome = services.import_readings(
        actor=request.user,
        community=community,
        filename="api push",
        records=records,
        source="api",
        mapping=intervals.ColumnMapping(timestamp_is_end=payload.timestamp_is_end),
    )
    batch = outcome.batch
    body = {
        "id": batch.pk,
        "already_imported": outcome.already_imported,
        "rows_in": batch.rows_in,
        "inserted": batch.inserted,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
        "revisions": batch.revisions,
        "months": batch.months,
        "rejected_rows": [
            {"row": r.row, "column": r.column, "value": r.value, "code": r.code, "reason": r.reason}
            for r in batch.rejected_rows.all()[:1000]
        ],
    }
    return Status(200 if outcome.already_imported else 201, body)


@router.get("/meters/{meter_id}/daily", response=list[Aggregate])
def meter_daily(request, meter_id: int, start: dt.date | None = None, end: dt.date | None = None):
    """Energy per local day in [start, end); default the last 31 days of the latest year."""
    meter = _meter(request, meter_id)
    if end is None:
        year = selectors.latest_year(meter.community) or dt.date.today().year
        end = min(dt.date.today(), dt.date(year + 1, 1, 1))
    start = start or end - dt.timedelta(days=31)
    frame = selectors.store().daily(
        meter.community.slug,
        [meter.pk],
        start,
        end,
        meter.community.time_zone,
        resolution_min={meter.pk: meter.resolution_min},
    )
    return [
        {
            "meter_id": meter.pk,
            "period": str(r.day),
            "value": None if r.kwh != r.kwh else float(r.kwh),
            "intervals": int(r.intervals),
            "expected_intervals": int(r.expected_intervals),
        }
        for r in frame.itertuples()
    ]


@router.get("/meters/{meter_id}/monthly", response=list[Aggregate])
def meter_monthly(request, meter_id: int, year: int | None = None):
    """Energy per local month of a year; default the latest year with data."""
    meter = _meter(request, meter_id)
    year = year or selectors.latest_year(meter.community) or dt.date.today().year
    frame = selectors.store().monthly(
        meter.community.slug,
        [meter.pk],
        dt.date(year, 1, 1),
        dt.date(year + 1, 1, 1),
        meter.community.time_zone,
        resolution_min={meter.pk: meter.resolution_min},
    )
    return [
        {
            "meter_id": meter.pk,
            "period": str(r.month)[:7],
            "value": None if r.kwh != r.kwh else float(r.kwh),
            "intervals": int(r.intervals),
            "expected_intervals": int(r.expected_intervals),
        }
        for r in frame.itertuples()
    ]


@router.post("/communities/{slug}/pv/assess")
def assess_pv(request, slug: str, payload: AssessIn) -> dict:
    """PV yield of a system at the community (its station's solar resource)."""
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    weather = selectors.community_weather(community)
    spec = pv.PVSystemSpec(
        kwp=payload.kwp,
        tilt_deg=payload.tilt_deg,
        azimuth_deg=payload.azimuth_deg,
        losses_pct=payload.losses_pct,
    )
    pv.check_system(spec)
    result = pv.assess(
        weather.frame,
        spec,
        selectors.grid_factor_for(community),
        latitude_deg=weather.lat,
        longitude_deg=weather.lon,
    )
    return {**result.as_dict(), "station": weather.station.code, "model": pv.model_description()}
