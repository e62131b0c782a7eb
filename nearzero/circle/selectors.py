"""Read side of the circle: a community's network, homes and sites as core inputs, and the
coverage, isochrone and siting answers the pages, the API and the dashboard show.

Answers are kept in a small in-process cache keyed by a fingerprint of every input (the
network's SHA-256, the homes, the sites and their coordinates, the settings), so an edit
anywhere is seen at once and an unchanged community is not recomputed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

import numpy as np
from django.db.models import Sum

from nearzero.core.circle import access, isochrone, report
from nearzero.core.circle.io import Points
from nearzero.core.circle.network import Network
from nearzero.sites.models import Building, Site

from .choices import CIRCLE_KINDS, HomesSource, Profile
from .models import CircleSettings, Home, SitingRun, StreetNetwork

_CACHE: OrderedDict[tuple, object] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()


def _cached(key: tuple, compute):
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = compute()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def settings_for(community) -> CircleSettings:
    """The community's settings (unsaved defaults when it has none)."""
    found = CircleSettings.objects.filter(community=community).first()
    return found or CircleSettings(community=community)


def network_info(community) -> StreetNetwork | None:
    """The stored network's summary row, without its arrays."""
    return StreetNetwork.objects.filter(community=community).defer("data").first()


def network(community, info: StreetNetwork | None = None) -> Network | None:
    info = info or network_info(community)
    if info is None:
        return None

    def load() -> Network:
        blob = StreetNetwork.objects.values_list("data", flat=True).get(pk=info.pk)
        return Network.from_bytes(blob)

    return _cached(("network", info.pk, info.sha256), load)


def homes_source(community) -> str:
    return (
        HomesSource.FILE
        if Home.objects.filter(community=community).exists()
        else HomesSource.HOUSEHOLDS
    )


def homes(community) -> Points:
    """The circle's homes: imported homes if the community has any, else its buildings
    with the residents of their households (the household register)."""
    rows = list(
        Home.objects.filter(community=community)
        .order_by("ref")
        .values_list("ref", "name", "lat", "lon", "residents")
    )
    if not rows:
        rows = [
            (name, name, lat, lon, residents or 0)
            for name, lat, lon, residents in Building.objects.filter(community=community)
            .annotate(people=Sum("household_set__residents"))
            .order_by("name")
            .values_list("name", "lat", "lon", "people")
        ]
    return Points(
        ids=[r[0] for r in rows],
        names=[r[1] for r in rows],
        lat=np.asarray([r[2] for r in rows], dtype=float),
        lon=np.asarray([r[3] for r in rows], dtype=float),
        residents=np.asarray([r[4] for r in rows], dtype=np.int64),
    )


def circle_sites(community) -> tuple[Points, list[Site]]:
    """The open centre, stations and posts, as core points and as sites (same order)."""
    sites = list(
        Site.objects.filter(community=community, is_active=True, kind__in=CIRCLE_KINDS).order_by(
            "kind", "pk"
        )
    )
    points = Points(
        ids=[str(s.pk) for s in sites],
        names=[s.name for s in sites],
        lat=np.asarray([s.lat for s in sites], dtype=float),
        lon=np.asarray([s.lon for s in sites], dtype=float),
        kinds=[s.kind for s in sites],
    )
    return points, sites


def speed_for(config: CircleSettings, profile: str) -> tuple[float, float]:
    """(threshold [m], speed [m/min]) for a profile. The elderly walk the same minutes."""
    minutes = config.max_walk_m / config.speed_m_per_min
    if profile == Profile.ELDERLY:
        return minutes * config.elderly_speed_m_per_min, config.elderly_speed_m_per_min
    return float(config.max_walk_m), float(config.speed_m_per_min)


class Inputs:
    """Everything a circle answer depends on, loaded once per request."""

    def __init__(self, community) -> None:
        self.community = community
        self.info = network_info(community)
        self.config = settings_for(community)
        self.homes = homes(community)
        self.sites, self.site_rows = circle_sites(community)
        digest = hashlib.sha256()
        digest.update((self.info.sha256 if self.info else "-").encode())
        for array in (self.homes.lat, self.homes.lon, self.homes.residents):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(json.dumps([self.homes.ids, self.sites.ids, self.sites.kinds]).encode())
        for array in (self.sites.lat, self.sites.lon):
            digest.update(np.ascontiguousarray(array).tobytes())
        self.fingerprint = digest.hexdigest()

    @property
    def ready(self) -> bool:
        return self.info is not None and len(self.homes) > 0 and len(self.sites) > 0

    def prepared(self) -> report.Prepared:
        return _cached(
            ("prepared", self.fingerprint),
            lambda: report.prepare(network(self.community, self.info), self.homes, self.sites),
        )


def coverage(inputs: Inputs, profile: str = Profile.ADULT) -> dict | None:
    """The coverage report (see :func:`nearzero.core.circle.report.coverage_report`) for a
    profile, or None when the community lacks a network, homes or sites."""
    if not inputs.ready:
        return None
    max_walk_m, speed = speed_for(inputs.config, profile)

    def compute() -> dict:
        result = report.coverage_report(
            inputs.prepared(), max_walk_m=max_walk_m, speed_m_per_min=speed
        )
        result["profile"] = str(profile)
        result["max_walk_min"] = round(max_walk_m / speed, 2)
        return result

    return _cached(("coverage", inputs.fingerprint, max_walk_m, speed), compute)


#: Isochrone bands as fractions of the walking time budget (e.g. 5, 10, 15 of 15 minutes).
BANDS = (1 / 3, 2 / 3, 1.0)


def isochrones(inputs: Inputs, profile: str = Profile.ADULT) -> list[dict]:
    """GeoJSON features: one MultiPolygon per band, largest first (for drawing order)."""
    if not inputs.ready:
        return []
    max_walk_m, speed = speed_for(inputs.config, profile)

    def compute() -> list[dict]:
        prepared = inputs.prepared()
        nodes = access.nearest_source(prepared.network, prepared.site_snap)
        distances = [max_walk_m * band for band in BANDS]
        polygons = isochrone.isochrone_polygons(prepared.network, nodes, distances)
        features = [
            {
                "type": "Feature",
                "geometry": polygon,
                "properties": {
                    "kind": "isochrone",
                    "walk_m": round(distance, 1),
                    "walk_min": round(distance / speed, 1),
                },
            }
            for distance, polygon in zip(distances, polygons, strict=True)
        ]
        return list(reversed(features))

    return _cached(("isochrones", inputs.fingerprint, max_walk_m, speed), compute)


def latest_siting(community) -> SitingRun | None:
    return SitingRun.objects.filter(community=community).first()


def summary(community) -> dict | None:
    """Coverage in a few numbers (dashboard tile, big screen, evaluation)."""
    inputs = Inputs(community)
    result = coverage(inputs)
    if result is None:
        return None
    return {
        key: result[key]
        for key in (
            "coverage_pct",
            "covered_residents",
            "total_residents",
            "uncovered_residents",
            "median_walk_min",
            "max_walk_m",
            "sites_count",
        )
    }


def _point(lon: float, lat: float, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def map_features(inputs: Inputs, profile: str = Profile.ADULT) -> dict:
    """What the circle map draws besides the streets, as a GeoJSON FeatureCollection:
    isochrone bands, sites, homes with their walk, and the latest proposed posts."""
    features = list(isochrones(inputs, profile))
    for site in inputs.site_rows:
        features.append(
            _point(
                site.lon,
                site.lat,
                {
                    "role": "site",
                    "kind": site.kind,
                    "kind_label": site.get_kind_display(),
                    "name": site.name,
                },
            )
        )
    result = coverage(inputs, profile)
    for home in (result or {}).get("homes", []):
        features.append(
            _point(
                home["lon"],
                home["lat"],
                {
                    "role": "home",
                    **{
                        key: home[key]
                        for key in ("name", "residents", "walk_min", "walk_m", "covered")
                    },
                },
            )
        )
    latest = latest_siting(inputs.community)
    picks = latest.result.get("picks", []) if latest else []
    for rank, pick in enumerate(picks, start=1):
        features.append(
            _point(
                pick["lon"],
                pick["lat"],
                {"role": "proposed", "rank": rank, "gain_residents": pick["gain_residents"]},
            )
        )
    return {"type": "FeatureCollection", "features": features}


def streets(community) -> dict:
    """The walking network in a compact form for the map: node coordinates (5 decimals,
    about 1 m) and edges as flat pairs of node indices."""
    found = network(community)
    if found is None:
        return {"lat": [], "lon": [], "edges": []}
    return {
        "lat": np.round(found.lat, 5).tolist(),
        "lon": np.round(found.lon, 5).tolist(),
        "edges": np.column_stack([found.u, found.v]).ravel().tolist(),
    }
