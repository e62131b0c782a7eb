"""Snap points (homes, sites, candidate posts) to the nearest street segment, exactly.

A point joins the network where the perpendicular from it meets the nearest segment, not
at the nearest node: on a long block the nearest node can be hundreds of metres further
along the street than the door is.

Method: every segment is cut into pieces no longer than ``piece_m``; a k-d tree over the
pieces' midpoints proposes the ``k`` nearest pieces; the exact point-to-segment distance
picks the best of their segments. The answer is exact, not approximate: a segment at
distance *d* has a piece midpoint within *d* + ``piece_m``/2, so when the k-th proposed
midpoint is further than the best distance + ``piece_m``/2 no other segment can be
nearer; the rare points where that test fails are re-searched with a radius query.
Points are processed in tiles of ``tile`` so two million homes fit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

from .network import Network

#: Longest piece a segment is cut into for the k-d tree [m].
PIECE_M = 40.0
#: Pieces proposed per point: a first round for all points, wider rounds for the few whose
#: nearest segment the first could not prove.
ROUNDS = (10, 40, 160)
#: Points are visited in the order of the square of this size they fall in [m].
SORT_CELL_M = 250.0
#: Points per tile.
TILE = 250_000


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


class Snapper:
    """A reusable index of a network's segments (build once, snap many point sets)."""

    def __init__(self, network: Network, *, piece_m: float = PIECE_M) -> None:
        self.network = network
        self.piece_m = piece_m
        x, y = network.xy
        self.x1, self.y1 = x[network.u], y[network.u]
        self.x2, self.y2 = x[network.v], y[network.v]

    @cached_property
    def _pieces(self) -> tuple[cKDTree, np.ndarray]:
        dx, dy = self.x2 - self.x1, self.y2 - self.y1
        planar = np.hypot(dx, dy)
        count = np.maximum(1, np.ceil(planar / self.piece_m)).astype(np.int64)
        owner = np.repeat(np.arange(len(count)), count)
        starts = np.cumsum(count) - count
        within = np.arange(len(owner)) - np.repeat(starts, count)
        frac = (within + 0.5) / count[owner]
        mx = self.x1[owner] + frac * dx[owner]
        my = self.y1[owner] + frac * dy[owner]
        return cKDTree(np.column_stack([mx, my]), balanced_tree=False), owner

    def _distance(self, px, py, seg) -> tuple[np.ndarray, np.ndarray]:
        """Exact planar distance from points to segments (broadcast) and the foot's t."""
        x1, y1, x2, y2 = self.x1[seg], self.y1[seg], self.x2[seg], self.y2[seg]
        dx, dy = x2 - x1, y2 - y1
        norm = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(norm > 0, ((px - x1) * dx + (py - y1) * dy) / norm, 0.0)
        t = np.clip(t, 0.0, 1.0)
        return np.hypot(px - (x1 + t * dx), py - (y1 + t * dy)), t

    def _nearest(self, px, py, k):
        """Best of the k nearest pieces' segments and whether that is proven nearest."""
        tree, owner = self._pieces
        k = min(k, tree.n)
        near, idx = tree.query(np.column_stack([px, py]), k=k, workers=-1)
        if k == 1:
            near, idx = near[:, None], idx[:, None]
        seg = owner[idx]
        dist, t = self._distance(px[:, None], py[:, None], seg)
        best = np.argmin(dist, axis=1)
        rows = np.arange(len(px))
        best_dist = dist[rows, best]
        # A segment not proposed has every piece midpoint at or beyond near[:, -1].
        proven = (
            np.full(len(px), True) if k == tree.n else near[:, -1] > best_dist + self.piece_m / 2
        )
        return seg[rows, best], t[rows, best], best_dist, proven

    def snap(self, lat: np.ndarray, lon: np.ndarray, *, tile: int = TILE) -> Snapped:
        """Snap WGS 84 points [°]; returns one :class:`Snapped` row per point."""
        px_all, py_all = self.network.projection.forward(lat, lon)
        n = len(px_all)
        edge = np.empty(n, dtype=np.int32)
        t_all = np.empty(n, dtype=np.float64)
        access = np.empty(n, dtype=np.float64)
        # Nearby points one after the other: the tree's walks then share cache lines (at
        # city scale this halves the time; the answer does not depend on the order).
        order = np.lexsort(((px_all // SORT_CELL_M), (py_all // SORT_CELL_M)))
        for start in range(0, n, tile):
            todo = order[start : start + tile]
            for k in ROUNDS:
                seg, t, dist, proven = self._nearest(px_all[todo], py_all[todo], k)
                edge[todo], t_all[todo], access[todo] = seg, t, dist
                todo = todo[~proven]
                if not len(todo):
                    break
            tree, owner = self._pieces
            for i in todo:  # still unproven after the widest round: search by radius
                radius = access[i] + self.piece_m / 2
                ids = tree.query_ball_point([px_all[i], py_all[i]], radius)
                segs = np.unique(owner[np.asarray(ids, dtype=np.int64)])
                d, tt = self._distance(px_all[i], py_all[i], segs)
                j = int(np.argmin(d))
                edge[i], t_all[i], access[i] = segs[j], tt[j], d[j]
        return Snapped(edge, t_all, access)
