"""The generated demo street networks: deterministic bytes, read by the OSM reader, the
walking filter drops what it must, one connected piece, every site on a street, and a
plausible, incomplete 15-minute coverage of the Dongping-like town.

No database: the inputs are rebuilt from the demo's constants with the demo's own random
sequence (``nearzero.sites.demo._create_housing``), so the buildings are the ones the demo
loads.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass

import numpy as np
import osmium
import pytest
from scipy.sparse.csgraph import connected_components

from nearzero.circle.demo_network import write_demo_network
from nearzero.core.circle import access, io
from nearzero.core.circle.snap import Snapper
from nearzero.sites import demo
from nearzero.sites.choices import SiteKind

#: Seed the circle demo passes for Dongping (Qiyang gets the next one).
NETWORK_SEED = 20240715
#: The circle's kinds: the centre, stations and posts (partners are not walked to).
CIRCLE_KINDS = (SiteKind.CENTRE, SiteKind.STATION, SiteKind.POST)


@dataclass(frozen=True)
class Inputs:
    boundary: dict
    sites: list[tuple[float, float]]
    homes: list[tuple[float, float]]
    residents: np.ndarray  # per building


def _housing(rng, *, lat0, lon0, clusters, target, units, floors, spread_km):
    """The buildings of ``demo._create_housing``, drawn in the same order from ``rng``."""
    homes, residents = [], []
    total, number = 0, 0
    while total < target:
        number += 1
        cx, cy = clusters[number % len(clusters)]
        homes.append(
            demo._offset(lat0, lon0, cx + rng.gauss(0, spread_km), cy + rng.gauss(0, spread_km))
        )
        rng.randint(*floors)  # the storeys: drawn to keep the sequence
        people = 0
        for _ in range(rng.randint(*units)):
            size = min(demo._household_size(rng), max(1, target - total))
            people += size
            total += size
            if total >= target:
                break
        residents.append(people)
    return homes, np.asarray(residents, dtype=float)


@pytest.fixture(scope="module")
def inputs() -> dict[str, Inputs]:
    rng = random.Random(demo.SEED)  # noqa: S311 - the demo's seeded sequence, not a secret
    out = {}
    for key, (lat0, lon0), corners, specs, housing in (
        (
            "town",
            demo.DONGPING_CENTRE,
            demo.DONGPING_CORNERS,
            demo._dongping_sites(),
            {
                "clusters": demo._STATION_OFFSETS + demo._POST_OFFSETS,
                "target": 6000,
                "units": (8, 24),
                "floors": (2, 6),
                "spread_km": 0.35,
            },
        ),
        (
            "village",
            demo.QIYANG_CENTRE,
            demo.QIYANG_CORNERS,
            demo._qiyang_sites(),
            {
                "clusters": [(-1.3, 1.1), (1.2, 0.9), (0.4, -1.4), (0.0, 0.2), (-1.6, -0.5)],
                "target": 3500,
                "units": (1, 4),
                "floors": (1, 3),
                "spread_km": 0.4,
            },
        ),
    ):
        sites = [
            demo._offset(lat0, lon0, s.dx_km, s.dy_km) for s in specs if s.kind in CIRCLE_KINDS
        ]
        homes, residents = _housing(rng, lat0=lat0, lon0=lon0, **housing)
        out[key] = Inputs(demo._boundary(lat0, lon0, corners), sites, homes, residents)
    return out


def _write(path, data: Inputs, style: str) -> dict:
    seed = NETWORK_SEED if style == "town" else NETWORK_SEED + 1
    return write_demo_network(
        path,
        boundary=data.boundary,
        sites=data.sites,
        homes=data.homes,
        seed=seed,
        style=style,
    )


@pytest.fixture(scope="module")
def written(inputs, tmp_path_factory) -> dict[str, tuple]:
    folder = tmp_path_factory.mktemp("demo-network")
    out = {}
    for style in ("town", "village"):
        path = folder / f"{style}.osm.pbf"
        start = time.perf_counter()
        summary = _write(path, inputs[style], style)
        out[style] = (path, summary, time.perf_counter() - start)
    return out


def _way_tags(path) -> list[dict]:
    return [
        dict(obj.tags) for obj in osmium.FileProcessor(str(path), osmium.osm.WAY) if obj.is_way()
    ]


def test_the_same_inputs_and_seed_give_the_same_bytes(inputs, written, tmp_path):
    for style in ("town", "village"):
        path, summary, _ = written[style]
        again = tmp_path / f"again-{style}.osm.pbf"
        assert _write(again, inputs[style], style) == summary
        assert hashlib.sha256(again.read_bytes()).hexdigest() == (
            hashlib.sha256(path.read_bytes()).hexdigest()
        )
    other = tmp_path / "other-seed.osm.pbf"
    write_demo_network(
        other,
        boundary=inputs["town"].boundary,
        sites=inputs["town"].sites,
        homes=inputs["town"].homes,
        seed=NETWORK_SEED + 7,
        style="town",
    )
    assert other.read_bytes() != written["town"][0].read_bytes()


def test_the_town_is_generated_fast_and_the_village_is_smaller(written):
    _, town, seconds = written["town"]
    _, village, _ = written["village"]
    assert seconds < 3.0
    assert 8_000 <= town["nodes"] <= 30_000
    assert 1_500 <= village["nodes"] < town["nodes"]


def test_ids_are_positive_unique_and_every_way_node_is_in_the_file(written):
    for style in ("town", "village"):
        path, summary, _ = written[style]
        node_ids, way_ids, refs = [], [], []
        for obj in osmium.FileProcessor(str(path)):
            if obj.is_node():
                node_ids.append(obj.id)
            elif obj.is_way():
                way_ids.append(obj.id)
                refs.extend(n.ref for n in obj.nodes)
        assert min(node_ids) > 0 and min(way_ids) > 0
        assert len(set(node_ids)) == len(node_ids) == summary["nodes"]
        assert len(set(way_ids)) == len(way_ids) == summary["ways"]
        assert set(refs) <= set(node_ids)
        assert set(refs) == set(node_ids)  # no stray nodes either


def test_the_town_holds_what_a_town_holds(written):
    path, summary, _ = written["town"]
    tags = _way_tags(path)
    highways = summary["highway"]
    for kind in ("primary", "secondary", "tertiary", "residential", "unclassified"):
        assert highways.get(kind, 0) >= 1, kind
    for kind in ("service", "footway", "path", "track", "motorway", "pedestrian"):
        assert highways.get(kind, 0) >= 1, kind
    assert summary["waterway"]["canal"] >= 5
    names = {t.get("name") for t in tags}
    assert {"北沿公路", "沪陕高速"} <= names
    assert any(t.get("name:en") == "Beiyan Highway" for t in tags)
    assert sum(t.get("oneway") == "yes" and t["highway"] != "motorway" for t in tags) >= 3
    bridges = [t for t in tags if t.get("bridge") == "yes" and t.get("highway") != "motorway"]
    assert 5 <= len(bridges) < 150
    assert any(t.get("access") == "private" for t in tags)
    assert any(t.get("foot") == "no" for t in tags)


def test_the_walking_filter_drops_the_expressway_and_closed_ways(written):
    path, _, _ = written["town"]
    tags = _way_tags(path)
    dropped = [t for t in tags if "highway" in t and not io.walkable(t)]
    kinds = {t["highway"] for t in dropped}
    assert "motorway" in kinds
    assert any(t.get("access") == "private" for t in dropped)
    assert any(t.get("foot") == "no" for t in dropped)
    network = io.read_osm(path)
    assert network.meta["ways"] == sum(1 for t in tags if "highway" in t and io.walkable(t))
    # Nodes only dropped ways use (the expressway's, the far ends of the yards) are gone.
    kept, dropped_only = set(), set()
    for obj in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if obj.is_way() and "highway" in obj.tags:
            refs = {n.ref for n in obj.nodes}
            (kept if io.walkable(obj.tags) else dropped_only).update(refs)
    dropped_only -= kept
    assert len(dropped_only) > 100
    assert not dropped_only & set(network.node_ids.tolist())


def test_the_expressway_shares_no_node_with_a_street_and_canals_none_with_anything(written):
    path, _, _ = written["town"]
    by_kind: dict[str, set[int]] = {"motorway": set(), "street": set(), "water": set()}
    for obj in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if not obj.is_way():
            continue
        refs = {n.ref for n in obj.nodes}
        if obj.tags.get("highway") == "motorway":
            by_kind["motorway"] |= refs
        elif "highway" in obj.tags:
            by_kind["street"] |= refs
        else:
            by_kind["water"] |= refs
    assert by_kind["motorway"] and by_kind["water"]
    assert not by_kind["motorway"] & by_kind["street"]
    assert not by_kind["water"] & (by_kind["street"] | by_kind["motorway"])


@pytest.mark.parametrize("style", ["town", "village"])
def test_the_walking_network_is_one_piece_and_every_site_is_on_a_street(inputs, written, style):
    path, _, _ = written[style]
    network = io.read_osm(path)
    _, labels = connected_components(network.graph(), directed=False)
    assert np.bincount(labels).max() >= 0.95 * network.node_count
    snapper = Snapper(network)
    sites = np.asarray(inputs[style].sites)
    assert snapper.snap(sites[:, 0], sites[:, 1]).access_m.max() <= 150.0
    homes = np.asarray(inputs[style].homes)
    near = snapper.snap(homes[:, 0], homes[:, 1]).access_m <= 150.0
    assert near.mean() >= 0.97


@pytest.mark.parametrize(
    ("style", "site_count", "low", "high"), [("town", 17, 60.0, 98.0), ("village", 8, 50.0, 98.0)]
)
def test_the_circle_covers_most_but_not_all_homes(inputs, written, style, site_count, low, high):
    """Dongping: 1 centre + 6 stations + 10 posts; Qiyang: 1 centre + 3 stations + 4 posts.
    Canals, the expressway, the river and far farmhouses leave some homes out of reach."""
    path, _, _ = written[style]
    network = io.read_osm(path)
    data = inputs[style]
    assert len(data.sites) == site_count
    snapper = Snapper(network)
    sites = np.asarray(data.sites)
    homes = np.asarray(data.homes)
    result = access.coverage(
        network,
        snapper.snap(homes[:, 0], homes[:, 1]),
        data.residents,
        snapper.snap(sites[:, 0], sites[:, 1]),
        max_walk_m=1000.0,
    )
    assert low <= result.coverage_pct <= high
    assert low <= 100.0 * result.covered.mean() <= high  # by building, too


def test_an_unknown_style_or_no_site_is_refused(inputs, tmp_path):
    data = inputs["town"]
    with pytest.raises(ValueError, match="style"):
        write_demo_network(
            tmp_path / "x.osm.pbf",
            boundary=data.boundary,
            sites=data.sites,
            homes=data.homes,
            seed=1,
            style="city",
        )
    with pytest.raises(ValueError, match="site"):
        write_demo_network(
            tmp_path / "x.osm.pbf",
            boundary=data.boundary,
            sites=[],
            homes=data.homes,
            seed=1,
            style="town",
        )
