"""Walking access from homes to the nearest site: one multi-source Dijkstra per question.

Every site joins the network as a virtual node tied to both ends of the street segment it
snaps to (tie lengths: access leg + the part of the segment to that end). One Dijkstra
from all virtual nodes at once (:func:`scipy.sparse.csgraph.dijkstra` with
``min_only=True``) gives every street node its distance to the nearest site and which
site that is. A home on segment (u, v) at fraction t, ``a`` metres off the street, then
walks

    a + min(d[u] + t·L, d[v] + (1 − t)·L)

or, when a site sits on the same segment, ``a + |t − t_s|·L + a_s`` if shorter.

References
----------
E. W. Dijkstra, "A note on two problems in connexion with graphs", Numerische Mathematik
1, 269–271 (1959). GB 50180-2018 城市居住区规划设计标准: the 15-minute life circle is a walk
of about 800–1,000 m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .network import Network
from .snap import Snapped

#: Default walking-distance threshold [m] (GB 50180-2018, upper end of 800–1,000 m).
MAX_WALK_M = 1000.0
#: Default walking speed [m/min]: 80 m/min = 4.8 km/h, the planning speed GB 50180-2018's
#: 15 minutes ≈ 1,000–1,200 m implies.
SPEED_M_PER_MIN = 80.0
#: Elderly walking speed [m/min]: about 1.0 m/s, the lower range of older pedestrians'
#: comfortable gait speed (Bohannon 1997, Age and Ageing 26(1), 15–19).
ELDERLY_SPEED_M_PER_MIN = 60.0


@dataclass(frozen=True, eq=False)
class NodeDistances:
    """Distance [m] from every street node to its nearest source and that source's index
    (−1 where no source is reachable); ``sources``, where known, the sources' snaps (an
    isochrone also reaches along a source's own segment)."""

    dist_m: np.ndarray
    source: np.ndarray
    sources: Snapped | None = None


def _tie_graph(network: Network, snapped: Snapped) -> sp.csr_matrix:
    """The network plus one virtual node per snapped point, tied to its segment's ends
    (ties point away from the virtual node only, so no path runs through it)."""
    n, s = network.node_count, len(snapped)
    base = network.graph(extra_nodes=s).tocoo()
    length = network.length_m[snapped.edge]
    virtual = np.arange(n, n + s)
    rows = np.concatenate([base.row, virtual, virtual])
    cols = np.concatenate([base.col, network.u[snapped.edge], network.v[snapped.edge]])
    data = np.concatenate(
        [
            base.data,
            snapped.access_m + snapped.t * length,
            snapped.access_m + (1 - snapped.t) * length,
        ]
    )
    # One matrix from all entries, not base + ties: sparse addition drops explicit zeros,
    # and a zero here is a real edge (a site exactly at a street node, or two street nodes
    # at the same place). Two parallel ties cannot occur (u != v), and a base edge never
    # starts at a virtual node, so no entries are summed.
    return sp.csr_matrix((data, (rows, cols)), shape=(n + s, n + s))


def nearest_source(network: Network, sources: Snapped, *, limit_m: float = np.inf) -> NodeDistances:
    """Multi-source Dijkstra from snapped sources; distances beyond ``limit_m`` are inf."""
    n = network.node_count
    if len(sources) == 0:
        return NodeDistances(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))
    graph = _tie_graph(network, sources)
    dist, _pred, origin = dijkstra(
        graph,
        directed=True,
        indices=np.arange(n, n + len(sources)),
        min_only=True,
        return_predecessors=True,
        limit=limit_m,
    )
    origin = np.where(origin >= 0, origin - n, -1)
    return NodeDistances(dist[:n], origin[:n].astype(np.int64), sources)


def point_distances(
    network: Network, points: Snapped, nodes: NodeDistances, sources: Snapped
) -> tuple[np.ndarray, np.ndarray]:
    """Walking distance [m] from each snapped point to its nearest source and which one."""
    length = network.length_m[points.edge]
    u, v = network.u[points.edge], network.v[points.edge]
    via_u = nodes.dist_m[u] + points.t * length
    via_v = nodes.dist_m[v] + (1 - points.t) * length
    use_v = via_v < via_u
    dist = points.access_m + np.where(use_v, via_v, via_u)
    which = np.where(use_v, nodes.source[v], nodes.source[u])
    # A source on the same segment may be reached directly along it.
    shared = np.flatnonzero(np.isin(points.edge, sources.edge))
    if len(shared):
        for s in range(len(sources)):
            on = shared[points.edge[shared] == sources.edge[s]]
            if not len(on):
                continue
            direct = (
                points.access_m[on]
                + np.abs(points.t[on] - sources.t[s]) * length[on]
                + sources.access_m[s]
            )
            better = direct < dist[on]
            dist[on[better]] = direct[better]
            which[on[better]] = s
    which = np.where(np.isfinite(dist), which, -1)
    return dist, which


@dataclass(frozen=True, eq=False)
class Coverage:
    """Who can walk to a site within the threshold.

    Per point: ``walk_m`` (inf when no site is reachable), ``walk_min``, ``site`` (index
    into the sites, −1 when none is reachable), ``covered``. ``weights`` are residents per
    point.
    """

    walk_m: np.ndarray
    site: np.ndarray
    weights: np.ndarray
    max_walk_m: float
    speed_m_per_min: float
    site_count: int

    @property
    def walk_min(self) -> np.ndarray:
        return self.walk_m / self.speed_m_per_min

    @property
    def covered(self) -> np.ndarray:
        return self.walk_m <= self.max_walk_m

    @property
    def total_residents(self) -> int:
        return int(self.weights.sum())

    @property
    def covered_residents(self) -> int:
        return int(self.weights[self.covered].sum())

    @property
    def coverage_pct(self) -> float:
        total = self.total_residents
        return 100.0 * self.covered_residents / total if total else 0.0

    def median_walk_min(self) -> float:
        """Resident-weighted median walking time [min] (lower median); inf if more than
        half the residents can reach no site."""
        return weighted_median(self.walk_min, self.weights)

    def catchments(self) -> np.ndarray:
        """Residents per site whose nearest site it is, within the threshold."""
        covered = self.covered
        return np.bincount(
            self.site[covered], weights=self.weights[covered], minlength=self.site_count
        ).astype(np.int64)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The lower weighted median: the smallest value at which the cumulative weight
    reaches half the total."""
    if len(values) == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def coverage(
    network: Network,
    homes: Snapped,
    weights: np.ndarray,
    sites: Snapped,
    *,
    max_walk_m: float = MAX_WALK_M,
    speed_m_per_min: float = SPEED_M_PER_MIN,
) -> Coverage:
    """Coverage of snapped homes (``weights`` residents each) by snapped sites."""
    nodes = nearest_source(network, sites)
    walk, which = point_distances(network, homes, nodes, sites)
    return Coverage(
        walk_m=walk,
        site=which,
        weights=np.asarray(weights, dtype=np.float64),
        max_walk_m=float(max_walk_m),
        speed_m_per_min=float(speed_m_per_min),
        site_count=len(sites),
    )
