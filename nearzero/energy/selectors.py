"""Reads of the energy app: PV assessment through nearzero.core.energy, aggregates through the
interval store."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from nearzero.core.energy import pv, solar
from nearzero.core.geo import bbox

from .models import CandidateRoof, OtherRenewable, PVSystem


def community_point(community) -> tuple[float, float]:
    """(lat, lon) of a community: its boundary's centre, else its first site."""
    if community.boundary:
        box = bbox(community.boundary.get("geometry", community.boundary))
        return (box.min_lat + box.max_lat) / 2, (box.min_lon + box.max_lon) / 2
    site = community.sites.order_by("pk").first()
    if site is None:
        raise ValueError("the community has neither a boundary nor sites")
    return site.lat, site.lon


@lru_cache(maxsize=32)
def _station_year(code: str, lat: float, lon: float, year: int):
    return solar.station_year(code, latitude_deg=lat, longitude_deg=lon, year=year)


@dataclass(frozen=True)
class Weather:
    frame: object  # pandas DataFrame, hourly
    station: solar.Station
    distance_km: float
    lat: float
    lon: float


def community_weather(community, year: int = 2023) -> Weather:
    """The nearest shipped station's monthly climate laid over the community's sun."""
    from .models import SolarStation

    lat, lon = community_point(community)
    own = [s.as_core() for s in SolarStation.objects.filter(community=community)]
    station, distance = solar.nearest_station(lat, lon, own)
    if station in own:
        frame = solar.station_year(station, latitude_deg=lat, longitude_deg=lon, year=year)
    else:
        frame = _station_year(station.code, round(lat, 3), round(lon, 3), year)
    return Weather(frame, station, distance, lat, lon)


def grid_factor_for(community) -> pv.GridFactor:
    return pv.grid_factor(province=community.province, grid_region=community.grid_region)


@dataclass(frozen=True)
class RoofResult:
    roof: CandidateRoof
    assessment: pv.Assessment


def assess_roofs(
    community, *, tariff_cny_per_kwh: float = 0.61, capex_cny_per_kwp: float = 3_500.0
) -> tuple[Weather, list[RoofResult]]:
    """Every candidate roof of the community as a PV system, in one vectorised run.

    The tariff and capex defaults are illustrative (a commercial tariff near 0.61 CNY/kWh and
    a rooftop system near 3,500 CNY/kWp in 2024) and are shown as such on the page.
    """
    roofs = list(CandidateRoof.objects.filter(community=community).select_related("site"))
    weather = community_weather(community)
    if not roofs:
        return weather, []
    specs = [
        pv.system_for_roof(
            pv.Roof(
                area_m2=r.area_m2,
                tilt_deg=r.tilt_deg,
                azimuth_deg=r.azimuth_deg,
                shading_loss_pct=(1 - r.shading_factor) * 100,
                name=r.name,
            )
        )
        for r in roofs
    ]
    results = pv.assess_fleet(
        weather.frame,
        specs,
        grid_factor_for(community),
        tariff_cny_per_kwh=tariff_cny_per_kwh,
        capex_cny_per_kwp=capex_cny_per_kwp,
        latitude_deg=weather.lat,
        longitude_deg=weather.lon,
    )
    return weather, [RoofResult(r, a) for r, a in zip(roofs, results, strict=True)]


def system_spec(system: PVSystem) -> pv.PVSystemSpec:
    ratio = system.kwp / system.inverter_ac_kw if system.inverter_ac_kw else pv.DEFAULT_DC_AC_RATIO
    return pv.PVSystemSpec(
        kwp=system.kwp,
        tilt_deg=system.tilt_deg,
        azimuth_deg=system.azimuth_deg,
        losses_pct=system.losses_pct,
        dc_ac_ratio=ratio,
        name=system.name,
    )


def renewables(community) -> dict:
    return {
        "pv": list(
            PVSystem.objects.filter(community=community).select_related(
                "site", "generation_meter", "load_meter"
            )
        ),
        "other": list(OtherRenewable.objects.filter(community=community).select_related("site")),
    }


def capacity(community) -> dict:
    """Renewable capacity in a few numbers (dashboard tile, evaluation): rooftop PV [kWp] and
    the other renewables' generation [MWh/yr] and the part used in the community [MWh/yr]."""
    pv = list(PVSystem.objects.filter(community=community).values_list("kwp", flat=True))
    others = list(
        OtherRenewable.objects.filter(community=community).values_list(
            "annual_kwh", "annual_kwh_used_on_site"
        )
    )
    return {
        "pv_systems": len(pv),
        "pv_kwp": float(sum(pv)),
        "other_renewables": len(others),
        "other_mwh_per_yr": sum(a or 0 for a, _u in others) / 1000,
        "other_used_mwh_per_yr": sum(u or 0 for _a, u in others) / 1000,
    }


def store():
    from .store import IntervalStore

    return IntervalStore(settings.DATA_DIR)


def latest_year(community) -> int | None:
    months = store().months(community.slug)
    return int(months[-1][:4]) if months else None


@dataclass
class MeterYear:
    meter: object
    year: int
    daily: object  # DataFrame: day, kwh, intervals, expected_intervals
    monthly: object  # DataFrame: month, kwh, …
    profile_kwh: list  # 96 mean values per 15-minute slot of the day
    heat: list  # [[day index, hour, kWh], …] for the heat map
    peak_kw: float | None
    peak_at: object
    gaps: list  # [(start, end)] local
    total: float


def meter_year(community, meter, year: int) -> MeterYear:
    """A meter's year from the store: days, months, the average day, an hour × day grid,
    the largest 15-minute demand and the gaps."""
    import datetime as dt
    import zoneinfo

    import numpy as np

    tz = community.time_zone
    s = store()
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    res = {meter.pk: meter.resolution_min}
    daily = s.daily(community.slug, [meter.pk], start, end, tz, resolution_min=res)
    monthly = s.monthly(community.slug, [meter.pk], start, end, tz, resolution_min=res)
    zone = zoneinfo.ZoneInfo(tz)
    a, b = dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)
    quarter = s.series(community.slug, [meter.pk], a, b, 15, time_zone=tz)
    profile = [0.0] * 96
    heat: list = []
    if not quarter.empty:
        local = quarter["ts"].dt.tz_convert(tz) if hasattr(quarter["ts"], "dt") else quarter["ts"]
        slot = (local.dt.hour * 4 + local.dt.minute // 15).to_numpy()
        values = quarter["kwh"].to_numpy(dtype=float)
        sums = np.bincount(slot, weights=values, minlength=96)
        counts = np.bincount(slot, minlength=96)
        profile = [round(float(x), 3) for x in np.divide(sums, np.maximum(counts, 1))]
        day_index = (local.dt.normalize() - local.dt.normalize().min()).dt.days.to_numpy()
        hour = local.dt.hour.to_numpy()
        grid = np.zeros((int(day_index.max()) + 1, 24))
        np.add.at(grid, (day_index, hour), values)
        heat = [
            [int(d), int(h), round(float(grid[d, h]), 2)]
            for d in range(grid.shape[0])
            for h in range(24)
        ]
    peak_kw, peak_at = None, None
    peaks = [
        s.peak_demand_kw(community.slug, [meter.pk], f"{year}-{m:02d}", tz) for m in range(1, 13)
    ]
    for frame in peaks:
        if not frame.empty and (peak_kw is None or frame["peak_kw"].max() > peak_kw):
            peak_kw = float(frame["peak_kw"].max())
            peak_at = frame.loc[frame["peak_kw"].idxmax(), "peak_start"]
    gaps = s.gaps(community.slug, meter.pk, a, b, meter.resolution_min, time_zone=tz)
    return MeterYear(
        meter,
        year,
        daily,
        monthly,
        profile,
        heat,
        peak_kw,
        peak_at,
        gaps,
        float(np.nansum(daily["kwh"].to_numpy(dtype=float))),
    )


def charging_summary(community) -> dict:
    """Sessions, kWh and the net CO2 avoided against petrol, by vehicle kind."""
    from django.db.models import Count, Sum

    from nearzero.core.energy.charging import charging_co2

    from .models import ChargingSession

    factor = grid_factor_for(community)
    gasoline = 2.9251  # kgCO2/kg, cn.fuel.gasoline.co2 (省级温室气体清单编制指南)
    rows = (
        ChargingSession.objects.filter(community=community)
        .values("vehicle")
        .annotate(n=Count("id"), kwh=Sum("kwh"))
        .order_by("vehicle")
    )
    out = []
    for row in rows:
        co2 = charging_co2(
            row["kwh"] or 0.0,
            row["vehicle"],
            gasoline_kgco2_per_kg=gasoline,
            grid_kgco2_per_kwh=factor.kgco2_per_kwh,
        )
        out.append(
            {
                "vehicle": row["vehicle"],
                "sessions": row["n"],
                "kwh": row["kwh"],
                "net_avoided_t": co2.net_avoided_kgco2 / 1000.0,
            }
        )
    return {"rows": out, "factor": factor}


#: Labels of the monitoring causes (nearzero.core.energy.monitoring).
CAUSE_LABELS = {
    "outage": _("outage"),
    "clipping": _("clipping"),
    "underperformance": _("underperformance"),
    "degradation_or_soiling": _("degradation or soiling"),
}


@dataclass
class SystemStatus:
    system: PVSystem
    year: int | None
    expected_annual_kwh: float
    report: object | None  # MonitoringReport
    selfcons: object | None  # SelfConsumption
    gaps: list

    @property
    def underperformance(self) -> list:
        if self.report is None:
            return []
        return [f for f in self.report.findings if f.cause == "underperformance"]


def pv_systems_status(community, weather: Weather) -> list[SystemStatus]:
    """Expected (the model on the station year) vs actual (the generation meter) per system,
    with performance ratio, findings and self-consumption from co-timed meters."""
    import datetime as dt
    import zoneinfo

    import pandas as pd

    from nearzero.core.energy import monitoring, pv, selfcons

    out = []
    systems = list(
        PVSystem.objects.filter(community=community).select_related(
            "generation_meter", "load_meter"
        )
    )
    year = latest_year(community)
    for system in systems:
        spec = system_spec(system)
        frame = community_weather(community, year=year or 2023).frame
        fleet = pv.simulate_fleet(
            frame, [spec], latitude_deg=weather.lat, longitude_deg=weather.lon, keep_hourly=True
        )
        report = balance = None
        gaps: list = []
        if system.generation_meter and year:
            tz = community.time_zone
            zone = zoneinfo.ZoneInfo(tz)
            a, b = dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)
            hours = frame.index.floor("h").tz_convert("UTC")
            expected = pd.Series(fleet.hourly_ac_kw[:, 0], index=hours)
            poa = pd.Series(fleet.hourly_poa_w_per_m2[:, 0], index=hours)
            meters = [system.generation_meter.pk] + (
                [system.load_meter.pk] if system.load_meter else []
            )
            hourly = store().series(
                community.slug, [system.generation_meter.pk], a, b, 60, time_zone=tz
            )
            actual = (
                hourly.set_index("ts")["kwh"].reindex(hours).fillna(0.0)
                if not hourly.empty
                else pd.Series(0.0, index=hours)
            )
            report = monitoring.evaluate(
                actual,
                expected,
                kwp=system.kwp,
                poa_w_per_m2=poa,
                ac_limit_kw=system.inverter_ac_kw,
                tz=tz,
            )
            gaps = store().gaps(
                community.slug,
                system.generation_meter.pk,
                a,
                b,
                system.generation_meter.resolution_min,
                time_zone=tz,
            )
            if system.load_meter:
                quarter = store().series(community.slug, meters, a, b, 15, time_zone=tz)
                wide = quarter.pivot(index="ts", columns="meter_id", values="kwh").dropna()
                if not wide.empty and len(wide.columns) == 2:
                    balance = selfcons.self_consumption(
                        wide[system.generation_meter.pk], wide[system.load_meter.pk]
                    )
        out.append(SystemStatus(system, year, float(fleet.annual_kwh[0]), report, balance, gaps))
    return out


def community_months(community, year: int) -> list[dict]:
    """Monthly totals of the community's electricity meters by direction (kWh), from the store:
    the sum of each direction's meters, month by month (months without data stay empty)."""
    import datetime as dt

    from .models import Meter

    meters = list(Meter.objects.filter(community=community, carrier="electricity"))
    if not meters:
        return []
    frame = store().monthly(
        community.slug,
        [m.pk for m in meters],
        dt.date(year, 1, 1),
        dt.date(year + 1, 1, 1),
        community.time_zone,
        resolution_min={m.pk: m.resolution_min for m in meters},
    )
    direction = {m.pk: m.direction for m in meters}
    frame["direction"] = frame["meter_id"].map(direction)
    table = frame.pivot_table(
        index="month", columns="direction", values="kwh", aggfunc="sum", dropna=False
    )
    return [
        {"month": str(month)[:7], **{k: (None if v != v else v) for k, v in row.items()}}
        for month, row in table.iterrows()
    ]


def roof_features(roofs: list[RoofResult], community) -> dict:
    """GeoJSON: the community boundary and the candidate roofs (at their site) with yields."""
    features = []
    if community.boundary:
        features.append(
            {
                "type": "Feature",
                "properties": {"role": "boundary"},
                "geometry": community.boundary.get("geometry", community.boundary),
            }
        )
    for r in roofs:
        site = r.roof.site
        if site is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                "properties": {
                    "name": r.roof.name,
                    "kwp": round(r.assessment.kwp, 1),
                    "annual_kwh": round(r.assessment.annual_kwh),
                    "avoided_t": round(r.assessment.avoided_tco2e, 1),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


#: How far back :func:`pv_day` looks for a day with readings [months]: a year; a generation
#: meter silent for longer has no "latest day" worth showing as today's.
PV_DAY_LOOKBACK_MONTHS = 12


def pv_day(community, day=None) -> dict | None:
    """PV generation of one local day per 15 minutes, from the store (big screen).

    The day is ``day`` (default: today in the community's time zone) or, when it has no
    reading of the community's active generation meters, the latest earlier day that has
    one (up to :data:`PV_DAY_LOOKBACK_MONTHS` back). None without a generation meter.

    Returns ``day`` (datetime.date, None if no day has readings), ``requested`` (the day
    asked for), ``kwh`` (the day's energy [kWh]: the store's daily sum over the meters),
    ``slots`` (local start of each 15-minute bucket, "HH:MM"), ``kwh_per_slot`` [kWh per
    15 min] (None where no reading, never 0) and ``meters`` (how many).
    """
    import datetime as dt
    import zoneinfo

    from django.utils import timezone

    from .choices import Carrier, Direction
    from .models import Meter

    meters = list(
        Meter.objects.filter(
            community=community,
            carrier=Carrier.ELECTRICITY,
            direction=Direction.GENERATION,
            is_active=True,
        ).values_list("pk", "resolution_min")
    )
    if not meters:
        return None
    tz = community.time_zone
    zone = zoneinfo.ZoneInfo(tz)
    requested = day or timezone.localdate(timezone=zone)
    ids, resolution = [pk for pk, _r in meters], dict(meters)
    s = store()
    out = {
        "day": None,
        "requested": requested,
        "kwh": None,
        "slots": [],
        "kwh_per_slot": [],
        "meters": len(ids),
    }
    months = [m for m in s.months(community.slug) if m <= requested.isoformat()[:7]]
    for month in reversed(months[-PV_DAY_LOOKBACK_MONTHS:]):
        first = dt.date.fromisoformat(f"{month}-01")
        following = (first + dt.timedelta(days=31)).replace(day=1)
        daily = s.daily(
            community.slug,
            ids,
            first,
            min(following, requested + dt.timedelta(days=1)),
            tz,
            resolution_min=resolution,
        )
        with_data = daily[daily["intervals"] > 0]
        if len(with_data):
            found = max(with_data["day"])
            out["day"] = found
            out["kwh"] = float(with_data.loc[with_data["day"] == found, "kwh"].sum())
            break
    if out["day"] is None:
        return out
    start = dt.datetime(out["day"].year, out["day"].month, out["day"].day, tzinfo=zone)
    nxt = out["day"] + dt.timedelta(days=1)
    end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    quarter = s.series(community.slug, ids, start, end, 15, time_zone=tz)
    by_ts = {
        ts.to_pydatetime(): float(kwh) for ts, kwh in quarter.groupby("ts")["kwh"].sum().items()
    }
    step = dt.timedelta(minutes=15)
    moment = start.astimezone(dt.UTC)
    while moment < end:
        value = by_ts.get(moment)
        out["slots"].append(f"{moment.astimezone(zone):%H:%M}")
        out["kwh_per_slot"].append(None if value is None else round(float(value), 3))
        moment += step
    return out
