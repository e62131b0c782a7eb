"""Writes of the circle: import a street network or a homes file, change the settings,
keep a siting run. Each is atomic, audited, and a repeated import of the same file changes
nothing."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from nearzero.audit.services import record
from nearzero.core.circle import io as circle_io
from nearzero.core.circle import report
from nearzero.core.circle.io import Points, PointsError
from nearzero.core.circle.network import NetworkError
from nearzero.core.errors import DomainError

from . import selectors
from .choices import CandidateSource, Profile, SitingMethod
from .models import CircleSettings, Home, SitingRun, StreetNetwork

#: Largest number of new posts one siting run may propose.
MAX_NEW_POSTS = 20
#: Largest candidate set the exact (integer programming) mode accepts.
MAX_EXACT_CANDIDATES = 300


@dataclass(frozen=True)
class ImportResult:
    changed: bool
    count: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def import_network(*, actor, community, data: bytes, filename: str) -> ImportResult:
    """Read a street network file (OSM PBF/XML, GeoJSON, Shapefile .zip) and store it as the
    community's walking network. The same file again changes nothing.

    Raises :class:`NetworkError` (not_osm, empty, unknown_format …) or, when the community's
    sites lie outside the file's area (the wrong extract), ``outside_network``.
    """
    digest = _sha256(data)
    current = StreetNetwork.objects.select_for_update().filter(community=community).first()
    if current is not None and current.sha256 == digest:
        return ImportResult(False, current.nodes)
    suffix = "".join(Path(filename).suffixes[-2:]) or ".bin"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"network{suffix.lower()}"
        path.write_bytes(data)
        try:
            network = circle_io.read_network(path)
        except NetworkError as exc:
            raise NetworkError(exc.code, exc.message.replace(path.name, filename)) from None
    sites, _rows = selectors.circle_sites(community)
    if len(sites):
        try:
            report.check_inside(network, sites, what="sites", source=filename)
        except PointsError as exc:
            raise NetworkError("outside_network", exc.message) from None
    west, south, east, north = network.bbox()
    fields = {
        "source_name": filename[:255],
        "source_format": network.meta.get("format", "osm"),
        "sha256": digest,
        "nodes": network.node_count,
        "edges": network.edge_count,
        "ways": network.meta.get("ways", 0),
        "clipped_nodes": network.meta.get("clipped_nodes", 0),
        "length_km": round(network.total_length_m() / 1000, 3),
        "min_lon": west,
        "min_lat": south,
        "max_lon": east,
        "max_lat": north,
        "data": network.to_bytes(),
        "imported_by": actor if getattr(actor, "pk", None) else None,
    }
    row, _created = StreetNetwork.objects.update_or_create(community=community, defaults=fields)
    record(
        "circle.network.imported",
        actor=actor,
        community=community,
        obj=row,
        changes={
            "source_name": [current.source_name if current else None, row.source_name],
            "nodes": [current.nodes if current else None, row.nodes],
            "edges": [current.edges if current else None, row.edges],
        },
    )
    return ImportResult(True, network.node_count)


def read_homes(data: bytes, filename: str) -> Points:
    """Homes from a CSV (``id,lat,lon,residents``) or GeoJSON file."""
    if filename.lower().endswith(circle_io.GEOJSON_SUFFIXES):
        return circle_io.read_points_geojson(data, source=filename, value="residents")
    return circle_io.read_points_csv(data, source=filename, value="residents")


@transaction.atomic
def import_homes(*, actor, community, data: bytes, filename: str) -> ImportResult:
    """Replace the community's imported homes with a file's (all or nothing). The same file
    again changes nothing. With a stored network, homes outside its area are refused."""
    points = read_homes(data, filename)
    for point_id in points.ids:
        if len(point_id) > 80:
            raise PointsError(
                f"{filename}: id {point_id[:20]!r}… is longer than 80 characters",
                code="long_id",
                column="id",
            )
    digest = _sha256(data)
    config, _created = CircleSettings.objects.select_for_update().get_or_create(community=community)
    if config.homes_sha256 == digest and Home.objects.filter(community=community).exists():
        return ImportResult(False, len(points))
    stored = selectors.network(community)
    if stored is not None:
        report.check_inside(stored, points, what="homes", source=filename)
    before = Home.objects.filter(community=community).count()
    Home.objects.filter(community=community).delete()
    Home.objects.bulk_create(
        [
            Home(
                community=community,
                ref=points.ids[i],
                name=(points.names[i] if points.names else "")[:120],
                lat=float(points.lat[i]),
                lon=float(points.lon[i]),
                residents=int(points.residents[i]),
            )
            for i in range(len(points))
        ],
        batch_size=1000,
    )
    config.homes_sha256 = digest
    config.homes_source_name = filename[:255]
    config.save(update_fields=["homes_sha256", "homes_source_name"])
    record(
        "circle.homes.imported",
        actor=actor,
        community=community,
        obj=config,
        changes={
            "homes": [before, len(points)],
            "residents": [None, int(points.residents.sum())],
            "source": [None, filename],
        },
    )
    return ImportResult(True, len(points))


@transaction.atomic
def clear_homes(*, actor, community) -> int:
    """Forget the imported homes; the household register serves again."""
    count, _ = Home.objects.filter(community=community).delete()
    CircleSettings.objects.filter(community=community).update(homes_sha256="", homes_source_name="")
    if count:
        record(
            "circle.homes.cleared",
            actor=actor,
            community=community,
            object_type="sites.community",
            object_id=str(community.pk),
            object_label=str(community),
            changes={"homes": [count, 0]},
        )
    return count


@transaction.atomic
def update_settings(
    *,
    actor,
    community,
    max_walk_m: int,
    speed_m_per_min: float,
    elderly_speed_m_per_min: float,
) -> CircleSettings:
    config, _created = CircleSettings.objects.select_for_update().get_or_create(community=community)
    new = {
        "max_walk_m": int(max_walk_m),
        "speed_m_per_min": float(speed_m_per_min),
        "elderly_speed_m_per_min": float(elderly_speed_m_per_min),
    }
    for name, value in new.items():
        field = CircleSettings._meta.get_field(name)
        for validator in field.validators:
            try:
                validator(value)
            except Exception as exc:  # Django's ValidationError: the message names the bound
                raise DomainError(
                    "out_of_range", f"{field.verbose_name}: {exc}", field=name
                ) from None
    changes = {k: [getattr(config, k), v] for k, v in new.items() if getattr(config, k) != v}
    if not changes:
        return config
    for name, value in new.items():
        setattr(config, name, value)
    config.save(update_fields=list(new))
    record("circle.settings.updated", actor=actor, community=community, obj=config, changes=changes)
    return config


@transaction.atomic
def run_siting(
    *,
    actor,
    community,
    new: int,
    candidates: Points | None = None,
    candidate_source: str = CandidateSource.NODES,
    method: str = SitingMethod.GREEDY,
    profile: str = Profile.ADULT,
) -> SitingRun:
    """Choose ``new`` posts among candidates (street junctions when ``candidates`` is None)
    and keep the answer as a :class:`SitingRun`."""
    if not 1 <= new <= MAX_NEW_POSTS:
        raise DomainError("bad_new", f"choose between 1 and {MAX_NEW_POSTS} new posts", field="new")
    inputs = selectors.Inputs(community)
    if not inputs.ready:
        raise DomainError(
            "not_ready",
            "the circle needs a street network, homes with residents and at least one site",
        )
    prepared = inputs.prepared()
    if candidates is None:
        candidates = report.node_candidates(prepared.network)
        candidate_source = CandidateSource.NODES
    if not len(candidates):
        raise DomainError("no_candidates", "there are no candidate places", field="candidates")
    report.check_inside(prepared.network, candidates, what="candidates", source="candidates")
    exact = method == SitingMethod.EXACT
    if exact and len(candidates) > MAX_EXACT_CANDIDATES:
        raise DomainError(
            "too_many_for_exact",
            f"the exact mode takes at most {MAX_EXACT_CANDIDATES} candidates "
            f"({len(candidates)} given); use greedy",
            field="method",
        )
    max_walk_m, speed = selectors.speed_for(inputs.config, profile)
    result = report.siting_report(
        prepared, candidates, new=new, max_walk_m=max_walk_m, speed_m_per_min=speed, exact=exact
    )
    run = SitingRun.objects.create(
        community=community,
        created_by=actor if getattr(actor, "pk", None) else None,
        profile=profile,
        method=method,
        candidate_source=candidate_source,
        candidates=len(candidates),
        new=new,
        max_walk_m=max_walk_m,
        coverage_pct_before=result["coverage_pct_before"],
        coverage_pct_after=result["coverage_pct_after"],
        result=result,
    )
    record(
        "circle.siting.run",
        actor=actor,
        community=community,
        obj=run,
        changes={
            "new": [None, new],
            "coverage_pct": [result["coverage_pct_before"], result["coverage_pct_after"]],
        },
    )
    return run
