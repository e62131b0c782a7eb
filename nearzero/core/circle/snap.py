"""Snap points (homes, sites, candidate posts) to the nearest street segment, exactly.

A point joins the network where the perpendicular from it meets the nearest segment, not
at the nearest node: on a long block the nearest node can be hundreds of metres further
along the street than the door is.

Method: a uniform grid of square cells over the network, each cell listing every segment
that passes through it (a segment is cut into pieces no longer than a cell, and listed in
every cell a piece's bounding box touches, once). A point looks at its own cell, then at
rings of cells around it, one ring at a time; it stops when its best segment is no further
than the nearest edge of the block of cells it has looked at, because a segment it has not
seen lies wholly outside that block. The answer is exact, not approximate, and a tie goes to
the lowest segment index whatever the order of the search. The grid is built in one pass
over the segments and the points run in parallel, compiled with Numba (``_grid.py``).

References
----------
J. Amanatides, A. Woo, "A Fast Voxel Traversal Algorithm for Ray Tracing", Eurographics
1987 (uniform grids); C. Ericson, *Real-Time Collision Detection*, Morgan Kaufmann 2004,
§5.1.2 (closest point on a segment) and §7.1 (uniform grids).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .network import Network

#: A cell's side, in units of the network's mean segment spacing √(area / segments): about
#: two segments a cell on a town's streets, so most points are proven by their own cell
#: and the first ring.
CELL_SPACINGS = 1.5
#: The grid never has more cells than this many per segment (a sparse network with a far
#: outlier would otherwise ask for a huge, empty grid; cells then grow instead).
MAX_CELLS_PER_SEGMENT = 4

#: Numba's own thread pool (its "workqueue" layer) aborts the process if two Python threads
#: enter a parallel loop at once, and the web server answers requests on several threads:
#: one parallel search at a time per process (each takes milliseconds).
_PARALLEL = threading.Lock()


@dataclass(frozen=True, eq=False)
class Snapped:
    """Where points join the network.

    ``edge`` indexes :attr:`Network.u`/``v``; ``t`` is the fraction of the edge from ``u``
    (0..1); ``access_m`` the straight distance [m] from the point to the street.
    """

    edge: np.ndarray
    t: np.ndarray
    access_m: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)

    def take(self, index: np.ndarray) -> Snapped:
        return Snapped(self.edge[index], self.t[index], self.access_m[index])


@dataclass(frozen=True, eq=False)
class Grid:
    """Cells of side ``cell`` [m] from (``x0``, ``y0``), ``nx`` × ``ny`` of them; the
    segments of cell ``c`` are ``items[start[c]:start[c + 1]]``."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    start: np.ndarray
    items: np.ndarray


class Snapper:
    """A reusable index of a network's segments (build once, snap many point sets)."""

    def __init__(self, network: Network, *, cell_m: float | None = None) -> None:
        self.network = network
        self.cell_m = cell_m
        x, y = network.xy
        self.x1, self.y1 = x[network.u], y[network.u]
        self.x2, self.y2 = x[network.v], y[network.v]

    @cached_property
    def grid(self) -> Grid:
        """The segments by grid cell (built by the first snap, or on demand)."""
        ends_x = np.concatenate([self.x1, self.x2])
        ends_y = np.concatenate([self.y1, self.y2])
        x0, y0 = float(ends_x.min()), float(ends_y.min())
        width = max(float(ends_x.max()) - x0, 1.0)
        height = max(float(ends_y.max()) - y0, 1.0)
        segments = max(len(self.x1), 1)
        cell = self.cell_m or CELL_SPACINGS * math.sqrt(width * height / segments)
        cell = max(cell, math.sqrt(width * height / (MAX_CELLS_PER_SEGMENT * segments)), 0.5)
        nx, ny = math.floor(width / cell) + 1, math.floor(height / cell) + 1
        from ._grid import register  # Numba loads with the first snap, not with the CLI

        start, items = register(self.x1, self.y1, self.x2, self.y2, x0, y0, cell, nx, ny)
        return Grid(x0, y0, cell, nx, ny, start, items)

    def nearest_xy(
        self, px: np.ndarray, py: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For planar points [m]: the nearest segment, the foot's ``t`` along it, the
        distance [m], and how many rings of cells around its own each point searched."""
        px = np.ascontiguousarray(px, dtype=np.float64)
        py = np.ascontiguousarray(py, dtype=np.float64)
        n = len(px)
        edge = np.empty(n, dtype=np.int32)
        t = np.empty(n, dtype=np.float64)
        dist = np.empty(n, dtype=np.float64)
        rings = np.empty(n, dtype=np.int32)
        if n and len(self.x1):
            from ._grid import nearest

            g = self.grid
            with _PARALLEL:
                segments = (self.x1, self.y1, self.x2, self.y2)
                grid = (g.start, g.items, g.x0, g.y0, g.cell, g.nx, g.ny)
                nearest(px, py, segments, *grid, edge, t, dist, rings)
        return edge, t, dist, rings

    def snap(self, lat: np.ndarray, lon: np.ndarray) -> Snapped:
        """Snap WGS 84 points [°]; returns one :class:`Snapped` row per point."""
        px, py = self.network.projection.forward(lat, lon)
        edge, t, dist, _rings = self.nearest_xy(px, py)
        return Snapped(edge, t, dist)
