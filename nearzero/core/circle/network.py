"""A street network as flat arrays: nodes with coordinates, undirected edges with lengths.

The network keeps every vertex of every way (no contraction of degree-2 nodes), so an
edge is a straight segment between two consecutive way vertices. That makes snapping a
point to the nearest street exact and keeps the geometry for isochrones. Lengths are
great-circle distances on a sphere of the IUGG mean radius (:data:`EARTH_RADIUS_M`), the
convention OSMnx uses for street lengths.

Coordinates are also projected to a local plane (equirectangular about the network's
centre, metres) for snapping and drawing; on a town or a city (< 50 km across) the
projection distorts a short access leg by well under 0.5 %, and the walking distance along
the streets never uses it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from nearzero.core.errors import DomainError
from nearzero.core.geo import EARTH_RADIUS_M

#: Edge direction flags. Walking ignores them; cycling respects them.
BOTH, FORWARD, BACKWARD = 0, 1, 2


class NetworkError(DomainError):
    """A street network could not be read or built (codes: not_osm, empty, bad_geometry …)."""


def haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance [m] between arrays of WGS 84 points (radius
    :data:`EARTH_RADIUS_M`).

    References
    ----------
    R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 159 (1984).
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection about (``lat0``, ``lon0``) to metres east/north."""

    lat0: float
    lon0: float

    @property
    def _kx(self) -> float:
        return np.radians(1.0) * EARTH_RADIUS_M * np.cos(np.radians(self.lat0))

    def forward(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) [m] of WGS 84 degrees."""
        x = (np.asarray(lon, dtype=float) - self.lon0) * self._kx
        y = (np.asarray(lat, dtype=float) - self.lat0) * (np.radians(1.0) * EARTH_RADIUS_M)
        return x, y

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lat, lon) [°] of plane coordinates."""
        lat = self.lat0 + np.asarray(y, dtype=float) / (np.radians(1.0) * EARTH_RADIUS_M)
        lon = self.lon0 + np.asarray(x, dtype=float) / self._kx
        return lat, lon


@dataclass(frozen=True, eq=False)
class Network:
    """An undirected street network.

    Attributes
    ----------
    lat, lon : node coordinates [°], float64, shape (n,)
    node_ids : source ids of the nodes (OSM node ids, or 0.. for GeoJSON), int64
    u, v : edge end nodes, int32, shape (m,), ``u < v``
    length_m : edge lengths [m], float64
    direction : :data:`BOTH`, :data:`FORWARD` (u→v only) or :data:`BACKWARD`, for cycling
    """

    lat: np.ndarray
    lon: np.ndarray
    node_ids: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    direction: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def node_count(self) -> int:
        return len(self.lat)

    @property
    def edge_count(self) -> int:
        return len(self.u)

    @cached_property
    def projection(self) -> Projection:
        return Projection(
            float((self.lat.min() + self.lat.max()) / 2),
            float((self.lon.min() + self.lon.max()) / 2),
        )

    @cached_property
    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        return self.projection.forward(self.lat, self.lon)

    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) [°]."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def total_length_m(self) -> float:
        return float(self.length_m.sum())

    def graph(self, *, extra_nodes: int = 0, cycling: bool = False) -> sp.csr_matrix:
        """The network as a sparse adjacency matrix (n + ``extra_nodes`` square) of lengths.

        Walking uses every edge both ways; cycling respects one-way streets.
        """
        n = self.node_count + extra_nodes
        if cycling:
            fwd = self.direction != BACKWARD
            bwd = self.direction != FORWARD
            rows = np.concatenate([self.u[fwd], self.v[bwd]])
            cols = np.concatenate([self.v[fwd], self.u[bwd]])
            data = np.concatenate([self.length_m[fwd], self.length_m[bwd]])
        else:
            rows = np.concatenate([self.u, self.v])
            cols = np.concatenate([self.v, self.u])
            data = np.concatenate([self.length_m, self.length_m])
        return sp.csr_matrix((data, (rows, cols)), shape=(n, n))

    def degree(self) -> np.ndarray:
        return np.bincount(np.concatenate([self.u, self.v]), minlength=self.node_count).astype(
            np.int32
        )

    # -- storage -------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """A compressed ``.npz`` of the arrays, the stored form of a community's network."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            lat=self.lat,
            lon=self.lon,
            node_ids=self.node_ids,
            u=self.u,
            v=self.v,
            length_m=self.length_m,
            direction=self.direction,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Network:
        with np.load(io.BytesIO(bytes(blob))) as data:
            return cls(**{name: data[name] for name in data.files})


def build(
    lat: np.ndarray,
    lon: np.ndarray,
    node_ids: np.ndarray,
    seg_a: np.ndarray,
    seg_b: np.ndarray,
    seg_direction: np.ndarray | None = None,
    *,
    meta: dict | None = None,
) -> Network:
    """Build a :class:`Network` from node arrays and segments between node indices.

    Self-loops are dropped; parallel segments between the same two nodes are merged,
    keeping the shortest length (the direction flags of the merged segments are united:
    a street usable both ways in one of them is usable both ways); nodes no segment
    touches are removed.

    Raises
    ------
    NetworkError
        ``empty`` when no segment is left.
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    seg_a = np.asarray(seg_a, dtype=np.int64)
    seg_b = np.asarray(seg_b, dtype=np.int64)
    if seg_direction is None:
        seg_direction = np.zeros(len(seg_a), dtype=np.int8)
    seg_direction = np.asarray(seg_direction, dtype=np.int8)
    keep = seg_a != seg_b
    seg_a, seg_b, seg_direction = seg_a[keep], seg_b[keep], seg_direction[keep]
    if len(seg_a) == 0:
        raise NetworkError("empty", "the street network has no walkable street segments")
    swap = seg_a > seg_b
    u = np.where(swap, seg_b, seg_a)
    v = np.where(swap, seg_a, seg_b)
    direction = seg_direction.copy()
    flip = swap & (direction != BOTH)
    direction[flip] = np.where(direction[flip] == FORWARD, BACKWARD, FORWARD)
    length = haversine_m(lat[u], lon[u], lat[v], lon[v])

    # Merge parallels: sort by (u, v, length) and keep the first of each pair.
    order = np.lexsort((length, v, u))
    u, v, length, direction = u[order], v[order], length[order], direction[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    group = np.cumsum(first) - 1
    # United direction: bit 1 = forward allowed, bit 2 = backward allowed.
    bits = np.where(direction == BOTH, 3, np.where(direction == FORWARD, 1, 2)).astype(np.int8)
    united = np.zeros(int(group[-1]) + 1, dtype=np.int8)
    np.bitwise_or.at(united, group, bits)
    u, v, length = u[first], v[first], length[first]
    direction = np.where(united == 3, BOTH, np.where(united == 1, FORWARD, BACKWARD)).astype(
        np.int8
    )

    used = np.zeros(len(lat), dtype=bool)
    used[u] = True
    used[v] = True
    remap = np.cumsum(used) - 1
    return Network(
        lat=lat[used],
        lon=lon[used],
        node_ids=np.asarray(node_ids, dtype=np.int64)[used],
        u=remap[u].astype(np.int32),
        v=remap[v].astype(np.int32),
        length_m=length,
        direction=direction,
        meta=dict(meta or {}),
    )
