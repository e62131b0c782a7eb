"""Read street networks (OSM PBF/XML, GeoJSON, Shapefile) and point files (CSV, GeoJSON).

Every failure is a :class:`~nearzero.core.circle.network.NetworkError` or a
:class:`PointsError` naming the file, and for point files the row and column at fault.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nearzero.core.errors import DomainError

from .network import BACKWARD, BOTH, FORWARD, Network, NetworkError, build

#: highway=* values a pedestrian cannot use. The walking filter follows OSMnx's "walk"
#: network type (osmnx/_overpass.py): these highways, area=yes, foot=no, service=private
#: and access=private are left out; we also leave out access=no, and keep a private or
#: no-access way that says foot=yes/designated/permissive.
NOT_WALKABLE = frozenset(
    {
        "abandoned",
        "bus_guideway",
        "construction",
        "cycleway",
        "motor",
        "motorway",
        "motorway_link",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
    }
)
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.xml", ".xml", ".osm.bz2", ".osm.gz")
GEOJSON_SUFFIXES = (".geojson", ".json")
SHAPEFILE_SUFFIXES = (".shp", ".zip")


def walkable(tags) -> bool:
    """Whether a way with these OSM tags is part of the walking network."""
    highway = tags.get("highway")
    if not highway or highway in NOT_WALKABLE:
        return False
    if tags.get("area") == "yes" or tags.get("service") == "private":
        return False
    foot = tags.get("foot")
    if foot == "no":
        return False
    return not (tags.get("access") in {"private", "no"} and foot not in FOOT_ALLOWED)


def one_way(tags) -> int:
    """Direction a bicycle may ride the way: :data:`BOTH`, :data:`FORWARD` or
    :data:`BACKWARD` (oneway=*, junction=roundabout, oneway:bicycle=no)."""
    if tags.get("oneway:bicycle") == "no" or str(tags.get("cycleway", "")).startswith("opposite"):
        return BOTH
    value = tags.get("oneway")
    if value in {"yes", "true", "1"} or (
        value is None and tags.get("junction") in {"roundabout", "circular"}
    ):
        return FORWARD
    if value in {"-1", "reverse"}:
        return BACKWARD
    return BOTH


class _Collector:
    """Vertex runs of ways → node arrays and segments."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.seg_a: list[int] = []
        self.seg_b: list[int] = []
        self.direction: list[int] = []
        self.ways = 0

    def add_run(self, run: list[tuple[int, float, float]], direction: int) -> None:
        if len(run) < 2:
            return
        base = len(self.ids)
        for ref, lat, lon in run:
            self.ids.append(ref)
            self.lat.append(lat)
            self.lon.append(lon)
        self.seg_a.extend(range(base, base + len(run) - 1))
        self.seg_b.extend(range(base + 1, base + len(run)))
        self.direction.extend([direction] * (len(run) - 1))

    def network(self, meta: dict) -> Network:
        if not self.seg_a:
            raise NetworkError(
                "empty",
                "{name} holds no walkable streets (no highway=* way a pedestrian may use)".format(
                    name=meta.get("source", "the file")
                ),
            )
        ids = np.asarray(self.ids, dtype=np.int64)
        unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        lat = np.asarray(self.lat)[first]
        lon = np.asarray(self.lon)[first]
        a = inverse[np.asarray(self.seg_a)]
        b = inverse[np.asarray(self.seg_b)]
        return build(lat, lon, unique, a, b, np.asarray(self.direction, dtype=np.int8), meta=meta)


def read_osm(path: str | Path) -> Network:
    """Walking network of an OSM PBF or XML file.

    Ways cut at the edge of an extract refer to nodes the file does not hold; such a way
    keeps its runs of at least two present nodes, so the border costs no street inside.
    """
    import osmium  # imported here: the GeoJSON and CSV readers need no compiled library

    path = Path(path)
    collector = _Collector()
    clipped = 0
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        for obj in processor.with_locations():
            if not obj.is_way() or not walkable(obj.tags):
                continue
            collector.ways += 1
            direction = one_way(obj.tags)
            run: list[tuple[int, float, float]] = []
            for node in obj.nodes:
                location = node.location
                if location.valid():
                    run.append((node.ref, location.lat, location.lon))
                else:
                    clipped += 1
                    collector.add_run(run, direction)
                    run = []
            collector.add_run(run, direction)
    except RuntimeError as exc:
        raise NetworkError(
            "not_osm",
            f"{path.name} is not a readable OpenStreetMap PBF or XML file ({exc})",
        ) from None
    return collector.network(
        {"source": path.name, "format": "osm", "ways": collector.ways, "clipped_nodes": clipped}
    )


def _line_runs(geometry: dict) -> Iterable[list[list[float]]]:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "LineString":
        yield geometry.get("coordinates") or []
    elif kind == "MultiLineString":
        yield from geometry.get("coordinates") or []
    elif kind == "GeometryCollection":
        for part in geometry.get("geometries") or []:
            yield from _line_runs(part)


class _CoordinateIds:
    """GeoJSON and Shapefile lines share a node where they share a vertex (to 1e-7°)."""

    def __init__(self) -> None:
        self.ids: dict[tuple[int, int], int] = {}

    def __call__(self, lon: float, lat: float) -> int:
        key = (round(lon * 1e7), round(lat * 1e7))
        return self.ids.setdefault(key, len(self.ids))


def _add_lines(
    collector: _Collector, ids: _CoordinateIds, lines, tags: dict, *, where: str
) -> None:
    if "highway" in tags and not walkable(tags):
        return
    collector.ways += 1
    direction = one_way(tags)
    for line in lines:
        run = []
        for position in line:
            try:
                lon, lat = float(position[0]), float(position[1])
            except (TypeError, ValueError, IndexError):
                raise NetworkError(
                    "bad_geometry", f"{where} holds a malformed coordinate {position!r}"
                ) from None
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise NetworkError(
                    "bad_geometry",
                    f"{where} has a coordinate outside WGS 84 degrees ({lon}, {lat}); "
                    "lines must be longitude/latitude (EPSG:4326)",
                )
            run.append((ids(lon, lat), lat, lon))
        collector.add_run(run, direction)


def read_geojson_lines(path: str | Path) -> Network:
    """Walking network of a GeoJSON FeatureCollection of LineStrings (WGS 84). A
    ``highway`` property, where present, goes through the same walking filter as OSM."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NetworkError("not_geojson", f"{path.name} is not GeoJSON ({exc})") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise NetworkError("not_geojson", f"{path.name} is not a GeoJSON FeatureCollection")
    collector, ids = _Collector(), _CoordinateIds()
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        tags = {k: str(v) for k, v in ((feature or {}).get("properties") or {}).items()}
        _add_lines(
            collector, ids, _line_runs(geometry), tags, where=f"{path.name} feature {number}"
        )
    return collector.network({"source": path.name, "format": "geojson", "ways": collector.ways})


def read_shapefile(path: str | Path) -> Network:
    """Walking network of a polyline Shapefile (``.shp`` with its ``.dbf``, or a ``.zip``
    holding them) in WGS 84."""
    import shapefile  # pyshp

    path = Path(path)
    collector, ids = _Collector(), _CoordinateIds()
    try:
        with shapefile.Reader(str(path)) as reader:
            if reader.shapeType not in (
                shapefile.POLYLINE,
                shapefile.POLYLINEZ,
                shapefile.POLYLINEM,
            ):
                raise NetworkError(
                    "not_lines", f"{path.name} holds {reader.shapeTypeName} shapes, not lines"
                )
            fields = [f[0] for f in reader.fields[1:]]
            for number, shape_record in enumerate(reader.iterShapeRecords(), start=1):
                shape = shape_record.shape
                tags = {k: str(v) for k, v in zip(fields, shape_record.record, strict=False) if v}
                parts = [*shape.parts, len(shape.points)]
                lines = [shape.points[parts[i] : parts[i + 1]] for i in range(len(parts) - 1)]
                _add_lines(collector, ids, lines, tags, where=f"{path.name} shape {number}")
    except shapefile.ShapefileException as exc:
        raise NetworkError("not_shapefile", f"{path.name} is not a Shapefile ({exc})") from None
    return collector.network({"source": path.name, "format": "shapefile", "ways": collector.ways})


def read_network(path: str | Path) -> Network:
    """Read a street network, choosing the reader by the file name's ending."""
    path = Path(path)
    name = path.name.lower()
    if not path.exists():
        raise NetworkError("missing", f"{path} does not exist")
    if name.endswith(OSM_SUFFIXES):
        return read_osm(path)
    if name.endswith(GEOJSON_SUFFIXES):
        return read_geojson_lines(path)
    if name.endswith(SHAPEFILE_SUFFIXES):
        return read_shapefile(path)
    raise NetworkError(
        "unknown_format",
        f"{path.name}: a street network must be OSM PBF/XML (.osm.pbf, .osm), GeoJSON "
        "(.geojson) or a Shapefile (.shp, .zip)",
    )


# -- point files ---------------------------------------------------------------------------


class PointsError(DomainError):
    """A row of a residents or sites file is wrong (``row`` 1 is the header)."""

    def __init__(
        self, message: str, *, code: str, row: int | None = None, column: str | None = None
    ):
        super().__init__(code, message, field=column)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Points:
    """Points read from a file: ids, coordinates [°] and one value column (residents per
    home, or the kind of each site)."""

    ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    residents: np.ndarray | None = None
    kinds: list[str] | None = None
    names: list[str] | None = None

    def __len__(self) -> int:
        return len(self.ids)


def candidate_points(ids: list[str], lat, lon) -> Points:
    """Candidate places for new posts (no residents, kind ``candidate``)."""
    return Points(
        ids=list(ids),
        lat=np.asarray(lat, dtype=float),
        lon=np.asarray(lon, dtype=float),
        kinds=["candidate"] * len(ids),
        names=[""] * len(ids),
    )


def _number(value, *, where: str, row: int, column: str) -> float:
    text = "" if value is None else str(value).strip()
    if not text:
        raise PointsError(
            f"{where}, column {column}: empty — every point needs coordinates"
            if column in ("lat", "lon")
            else f"{where}, column {column}: empty",
            code="missing_value",
            row=row,
            column=column,
        )
    try:
        number = float(text)
    except ValueError:
        raise PointsError(
            f"{where}, column {column}: {text!r} is not a number",
            code="not_a_number",
            row=row,
            column=column,
        ) from None
    if not math.isfinite(number):
        raise PointsError(
            f"{where}, column {column}: {text!r} is not a finite number",
            code="not_a_number",
            row=row,
            column=column,
        )
    return number


def _points(records: Iterable[tuple[int, str, dict]], *, source: str, value: str) -> Points:
    """Check (row, label, record) triples and gather them. ``label`` names the row in
    messages ("sites.csv row 7", "homes.geojson feature 3")."""
    ids: list[str] = []
    lat: list[float] = []
    lon: list[float] = []
    values: list = []
    names: list[str] = []
    seen: dict[str, str] = {}
    for row, where, record in records:
        point_id = str(record.get("id") or "").strip()
        if not point_id:
            raise PointsError(
                f"{where}, column id: empty", code="missing_value", row=row, column="id"
            )
        if point_id in seen:
            raise PointsError(
                f"{where}, column id: {point_id!r} repeats {seen[point_id]}",
                code="duplicate_id",
                row=row,
                column="id",
            )
        seen[point_id] = where
        y = _number(record.get("lat"), where=where, row=row, column="lat")
        x = _number(record.get("lon"), where=where, row=row, column="lon")
        for column, number, bound in (("lat", y, 90), ("lon", x, 180)):
            if not -bound <= number <= bound:
                raise PointsError(
                    f"{where}, column {column}: {number} is outside -{bound}..{bound}",
                    code="out_of_range",
                    row=row,
                    column=column,
                )
        if value == "residents":
            count = _number(record.get("residents"), where=where, row=row, column="residents")
            if count < 0 or count != int(count):
                raise PointsError(
                    f"{where}, column residents: {count:g} is not a whole number ≥ 0",
                    code="bad_residents",
                    row=row,
                    column="residents",
                )
            values.append(int(count))
        else:
            values.append(str(record.get(value) or "").strip())
        names.append(str(record.get("name") or "").strip())
        ids.append(point_id)
        lat.append(y)
        lon.append(x)
    if not ids:
        raise PointsError(f"{source} holds no points", code="empty")
    return Points(
        ids=ids,
        lat=np.asarray(lat),
        lon=np.asarray(lon),
        residents=np.asarray(values, dtype=np.int64) if value == "residents" else None,
        kinds=values if value != "residents" else None,
        names=names,
    )


def read_points_csv(data: bytes | str, *, source: str, value: str) -> Points:
    """Residents (``value="residents"``: columns ``id,lat,lon,residents``) or sites
    (``value="kind"``: ``id,lat,lon,kind``), each with an optional ``name``, from CSV."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    except UnicodeDecodeError:
        raise PointsError(f"{source} is not UTF-8 text", code="not_csv") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    needed = ["id", "lat", "lon", value]
    missing = [c for c in needed if c not in header]
    if missing:
        raise PointsError(
            "{source} row 1: missing column(s) {cols}; expected {expected}".format(
                source=source, cols=", ".join(missing), expected=",".join(needed)
            ),
            code="missing_column",
            row=1,
            column=missing[0],
        )
    records = (
        (row, f"{source} row {row}", record)
        for row, record in enumerate(reader, start=2)
        if any(str(v or "").strip() for v in record.values())
    )
    return _points(records, source=source, value=value)


def read_points_geojson(data: bytes | str, *, source: str, value: str) -> Points:
    """The same from a GeoJSON FeatureCollection of Points or building Polygons (a
    polygon counts at its centroid); properties ``id`` (or ``name``) and ``residents``
    (or ``population``) / ``kind``."""
    import shapely.geometry

    try:
        doc = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PointsError(f"{source} is not GeoJSON ({exc})", code="not_geojson") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise PointsError(f"{source} is not a GeoJSON FeatureCollection", code="not_geojson")

    def records():
        for number, feature in enumerate(features, start=1):
            props = (feature or {}).get("properties") or {}
            geometry = (feature or {}).get("geometry")
            where = f"{source} feature {number}"
            lat = lon = None
            if geometry:
                try:
                    centre = shapely.geometry.shape(geometry).centroid
                except Exception as exc:  # shapely raises several types for bad input
                    raise PointsError(
                        f"{where}: unreadable geometry ({exc})", code="bad_geometry", row=number
                    ) from None
                if not centre.is_empty:
                    lat, lon = centre.y, centre.x
            amount = props.get(value)
            if amount is None and value == "residents":
                amount = props.get("population")
            yield (
                number,
                where,
                {
                    "id": props.get("id", props.get("name", number)),
                    "name": props.get("name", ""),
                    "lat": lat,
                    "lon": lon,
                    value: amount,
                },
            )

    return _points(records(), source=source, value=value)


def read_points(path: str | Path, *, value: str) -> Points:
    """CSV or GeoJSON points by file ending."""
    path = Path(path)
    if not path.exists():
        raise PointsError(f"{path} does not exist", code="missing")
    data = path.read_bytes()
    if path.name.lower().endswith(GEOJSON_SUFFIXES):
        return read_points_geojson(data, source=path.name, value=value)
    return read_points_csv(data, source=path.name, value=value)


def read_candidates(data: bytes | str, *, source: str) -> Points:
    """Candidate places for new posts from CSV: ``id,lat,lon`` (other columns ignored)."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    except UnicodeDecodeError:
        raise PointsError(f"{source} is not UTF-8 text", code="not_csv") from None
    rows = list(csv.reader(io.StringIO(text)))
    if rows and "kind" not in [h.strip() for h in rows[0]]:
        rows = [[*rows[0], "kind"], *([*r, "candidate"] if r else r for r in rows[1:])]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return read_points_csv(out.getvalue(), source=source, value="kind")
