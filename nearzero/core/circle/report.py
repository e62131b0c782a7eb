"""The questions a community asks of its circle, answered as plain dicts (JSON-ready).

Both the ``nearzero circle`` command (files) and the web pages (a community's stored
network, homes and sites) call these, so the numbers are computed once, one way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import access, siting
from .io import Points, PointsError, candidate_points
from .network import Network
from .snap import Snapped, Snapper

#: A point further than this beyond the network's bounding box is "outside its area" [m].
OUTSIDE_MARGIN_M = 1000.0
#: Street nodes offered as candidates are thinned to one per cell of this size [m].
CANDIDATE_CELL_M = 100.0


def outside_area(network: Network, points: Points, *, margin_m: float = OUTSIDE_MARGIN_M):
    """Indices of points more than ``margin_m`` beyond the network's bounding box."""
    x, y = network.xy
    px, py = network.projection.forward(points.lat, points.lon)
    return np.flatnonzero(
        (px < x.min() - margin_m)
        | (px > x.max() + margin_m)
        | (py < y.min() - margin_m)
        | (py > y.max() + margin_m)
    )


def check_inside(network: Network, points: Points, *, what: str, source: str) -> None:
    """Raise :class:`PointsError` naming the points that lie outside the network's area."""
    outside = outside_area(network, points)
    if len(outside):
        shown = ", ".join(points.ids[i] for i in outside[:10])
        more = f" and {len(outside) - 10} more" if len(outside) > 10 else ""
        raise PointsError(
            f"{source}: {len(outside)} {what} lie outside the street network's area "
            f"(more than {OUTSIDE_MARGIN_M:,.0f} m beyond it): {shown}{more}",
            code="outside_network",
        )


@dataclass(frozen=True, eq=False)
class Prepared:
    """A network with homes and sites snapped to it (snap once, ask many questions)."""

    network: Network
    snapper: Snapper
    homes: Points
    sites: Points
    home_snap: Snapped
    site_snap: Snapped


def prepare(network: Network, homes: Points, sites: Points) -> Prepared:
    snapper = Snapper(network)
    return Prepared(
        network,
        snapper,
        homes,
        sites,
        snapper.snap(homes.lat, homes.lon),
        snapper.snap(sites.lat, sites.lon),
    )


def _minutes(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def coverage_report(
    prepared: Prepared,
    *,
    max_walk_m: float = access.MAX_WALK_M,
    speed_m_per_min: float = access.SPEED_M_PER_MIN,
    detail: bool = True,
) -> dict:
    """Coverage of the homes by the sites: the ``nearzero circle coverage`` answer.

    Keys: ``coverage_pct``, ``covered_residents``, ``total_residents``,
    ``median_walk_min`` (None when more than half cannot reach any site),
    ``max_walk_m``, ``speed_m_per_min``, ``per_site`` (id, name, kind, catchment
    residents), ``by_kind`` (coverage if only sites of that kind counted),
    ``uncovered_residents``, ``uncovered`` (homes beyond the
    threshold, furthest first); with ``detail`` also ``homes`` (every home's walk and
    nearest site).
    """
    p = prepared
    result = access.coverage(
        p.network,
        p.home_snap,
        p.homes.residents,
        p.site_snap,
        max_walk_m=max_walk_m,
        speed_m_per_min=speed_m_per_min,
    )
    catchments = result.catchments()
    kinds = p.sites.kinds or [""] * len(p.sites)
    report: dict = {
        "coverage_pct": round(result.coverage_pct, 2),
        "covered_residents": result.covered_residents,
        "total_residents": result.total_residents,
        "uncovered_residents": result.total_residents - result.covered_residents,
        "median_walk_min": _minutes(result.median_walk_min()),
        "max_walk_m": float(max_walk_m),
        "speed_m_per_min": float(speed_m_per_min),
        "homes_count": len(p.homes),
        "sites_count": len(p.sites),
        "per_site": [
            {
                "id": p.sites.ids[i],
                "name": (p.sites.names or [""] * len(p.sites))[i],
                "kind": kinds[i],
                "catchment_residents": int(catchments[i]),
            }
            for i in range(len(p.sites))
        ],
    }
    by_kind = []
    for kind in sorted(set(kinds)):
        chosen = np.flatnonzero(np.asarray(kinds) == kind)
        only = access.coverage(
            p.network,
            p.home_snap,
            p.homes.residents,
            p.site_snap.take(chosen),
            max_walk_m=max_walk_m,
            speed_m_per_min=speed_m_per_min,
        )
        by_kind.append(
            {
                "kind": kind,
                "sites": len(chosen),
                "coverage_pct": round(only.coverage_pct, 2),
                "covered_residents": only.covered_residents,
            }
        )
    report["by_kind"] = by_kind
    walk_min = result.walk_min
    names = p.homes.names or [""] * len(p.homes)

    def home(i: int) -> dict:
        site = int(result.site[i])
        walk = float(result.walk_m[i])
        return {
            "id": p.homes.ids[i],
            "name": names[i],
            "lat": float(p.homes.lat[i]),
            "lon": float(p.homes.lon[i]),
            "residents": int(p.homes.residents[i]),
            "walk_m": round(walk, 1) if math.isfinite(walk) else None,
            "walk_min": _minutes(float(walk_min[i])),
            "site": p.sites.ids[site] if site >= 0 else None,
            "covered": bool(result.covered[i]),
        }

    # Homes beyond the threshold, furthest first (unreachable ones first of all).
    beyond = np.flatnonzero(~result.covered)
    beyond = beyond[np.argsort(-np.nan_to_num(result.walk_m[beyond], posinf=np.inf), kind="stable")]
    report["uncovered"] = [home(int(i)) for i in beyond]
    if detail:
        report["homes"] = [home(i) for i in range(len(p.homes))]
    report["_coverage"] = result
    return report


def public(report: dict) -> dict:
    """The report without its in-memory parts (for JSON)."""
    return {k: v for k, v in report.items() if not k.startswith("_")}


def node_candidates(network: Network, *, cell_m: float = CANDIDATE_CELL_M) -> Points:
    """Street junctions and dead ends (degree ≠ 2), thinned to one per ``cell_m`` square,
    as candidate places for a new post."""
    degree = network.degree()
    index = np.flatnonzero(degree != 2)
    x, y = network.xy
    cells = (x[index] // cell_m).astype(np.int64) * 1_000_003 + (y[index] // cell_m).astype(
        np.int64
    )
    _, first = np.unique(cells, return_index=True)
    index = np.sort(index[first])
    return candidate_points(
        [f"node/{int(network.node_ids[i])}" for i in index], network.lat[index], network.lon[index]
    )


def siting_report(
    prepared: Prepared,
    candidates: Points,
    *,
    new: int,
    max_walk_m: float = access.MAX_WALK_M,
    speed_m_per_min: float = access.SPEED_M_PER_MIN,
    exact: bool = False,
) -> dict:
    """Where ``new`` more posts bring the most uncovered residents within reach.

    Keys: ``picks`` (id, lat, lon, gain_residents, cumulative coverage_pct), the coverage
    before and after, ``method`` (greedy or exact), ``candidates`` count and, in exact
    mode, ``greedy_residents`` for comparison.
    """
    p = prepared
    now = access.coverage(
        p.network, p.home_snap, p.homes.residents, p.site_snap, max_walk_m=max_walk_m
    )
    uncovered = np.flatnonzero(~now.covered & (p.homes.residents > 0))
    weights = p.homes.residents[uncovered].astype(np.float64)
    cand_snap = p.snapper.snap(candidates.lat, candidates.lon)
    reach = siting.reach_matrix(
        p.network, cand_snap, p.home_snap.take(uncovered), max_walk_m=max_walk_m
    )
    total = now.total_residents
    greedy_picks = siting.greedy(reach, weights, new)
    report: dict = {
        "method": "exact" if exact else "greedy",
        "new": new,
        "candidates": len(candidates),
        "max_walk_m": float(max_walk_m),
        "speed_m_per_min": float(speed_m_per_min),
        "total_residents": total,
        "covered_before": now.covered_residents,
        "coverage_pct_before": round(now.coverage_pct, 2),
    }
    if exact:
        chosen, covered = siting.exact(reach, weights, new)
        report["greedy_residents"] = int(sum(pick.gain for pick in greedy_picks))
        # Order the optimal set by marginal gain so the list reads like greedy's.
        sub = reach[chosen]
        ordered = siting.greedy(sub, weights, len(chosen))
        picks = [siting.Pick(chosen[pick.candidate], pick.gain) for pick in ordered]
        assert abs(sum(pick.gain for pick in picks) - covered) < 1e-6
    else:
        picks = greedy_picks
    running = now.covered_residents
    rows = []
    for pick in picks:
        running += round(pick.gain)
        rows.append(
            {
                "id": candidates.ids[pick.candidate],
                "lat": float(candidates.lat[pick.candidate]),
                "lon": float(candidates.lon[pick.candidate]),
                "gain_residents": round(pick.gain),
                "coverage_pct": round(100.0 * running / total, 2) if total else 0.0,
            }
        )
    report["picks"] = rows
    report["covered_after"] = running
    report["coverage_pct_after"] = round(100.0 * running / total, 2) if total else 0.0
    return report
