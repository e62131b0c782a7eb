"""Small geometry helpers on plain GeoJSON (RFC 7946) and WGS 84 coordinates.

Coordinates are ``[lon, lat]`` in degrees, as GeoJSON orders them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: Mean Earth radius [m], IUGG. Used by :func:`haversine_m`.
EARTH_RADIUS_M = 6_371_008.8


class GeometryError(ValueError):
    """A geometry is not valid GeoJSON for its purpose."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class BBox:
    """Bounding box in degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


def check_lon_lat(lon: float, lat: float) -> None:
    """Raise :class:`GeometryError` unless ``lon``/``lat`` are WGS 84 degrees."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError("not_finite", "coordinates must be finite numbers")
    if not -180.0 <= lon <= 180.0:
        raise GeometryError("lon_out_of_range", f"longitude {lon} is outside -180..180")
    if not -90.0 <= lat <= 90.0:
        raise GeometryError("lat_out_of_range", f"latitude {lat} is outside -90..90")


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords
    else:
        raise GeometryError("not_polygon", f"expected a Polygon or MultiPolygon, got {kind!r}")
    if not isinstance(polygons, list) or not polygons:
        raise GeometryError("empty", "the polygon has no coordinates")
    rings: list[list[list[float]]] = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError("empty", "a polygon has no rings")
        rings.extend(polygon)
    return rings


def validate_polygon(geometry: Any) -> dict[str, Any]:
    """Check a GeoJSON Polygon or MultiPolygon and return it unchanged.

    Each ring needs at least four positions, the first equal to the last (RFC 7946 §3.1.6),
    and every position must be a valid longitude/latitude pair.
    """
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict):
        raise GeometryError("not_geojson", "expected a GeoJSON geometry object")
    for index, ring in enumerate(_rings(geometry), start=1):
        if not isinstance(ring, list) or len(ring) < 4:
            raise GeometryError("short_ring", f"ring {index} needs at least 4 positions")
        for position in ring:
            if not isinstance(position, list | tuple) or len(position) < 2:
                raise GeometryError("bad_position", f"ring {index} holds a malformed position")
            try:
                check_lon_lat(float(position[0]), float(position[1]))
            except (TypeError, ValueError) as exc:
                if isinstance(exc, GeometryError):
                    raise GeometryError(exc.code, f"ring {index}: {exc}") from None
                raise GeometryError("bad_position", f"ring {index} holds a non-number") from None
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise GeometryError("open_ring", f"ring {index} is not closed (first ≠ last position)")
    return geometry


def bbox(geometry: dict[str, Any]) -> BBox:
    """Bounding box of a Polygon or MultiPolygon."""
    lons = [p[0] for ring in _rings(geometry) for p in ring]
    lats = [p[1] for ring in _rings(geometry) for p in ring]
    return BBox(min(lons), min(lats), max(lons), max(lats))


def point_in_polygon(lon: float, lat: float, geometry: dict[str, Any]) -> bool:
    """Even-odd ray casting over all rings (holes count as outside)."""
    inside = False
    for ring in _rings(geometry):
        n = len(ring)
        j = n - 1
        for i in range(n):
            xi, yi = ring[i][0], ring[i][1]
            xj, yj = ring[j][0], ring[j][1]
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
    return inside


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance [m] between two WGS 84 points on a sphere of radius
    :data:`EARTH_RADIUS_M`.

    References
    ----------
    R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 159 (1984).
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
