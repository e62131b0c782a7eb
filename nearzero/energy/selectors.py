"""Reads of the energy app: PV assessment through nearzero.core.energy, aggregates through the
interval store."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

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
    lat, lon = community_point(community)
    station, distance = solar.nearest_station(lat, lon)
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


def store():
    from .store import IntervalStore

    return IntervalStore(settings.DATA_DIR)
