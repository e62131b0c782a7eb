"""A synthetic street network for a demo community, written as an OpenStreetMap PBF file.

The 15-minute low-carbon circle (issue 7) needs streets to walk along, but no street
extract of the demo towns can ship with nearzero, so the demo generates one: plausible,
deterministic (the same inputs and seed give the same file, byte for byte), and shaped
around the community's sites and buildings so that the coverage it yields is believable:
high, but not complete. **It is not OpenStreetMap data** and maps no real street; the tags
follow OpenStreetMap conventions only so that the file goes through the same reader and
walking filter (:func:`nearzero.core.circle.io.read_osm`) as a real extract would.

Two landscapes:

``"town"`` (a Dongping-like town on the flat Chongming island plain)
    A town centre with a dense, slightly irregular street grid about the first site; a
    primary road through the centre, secondary and tertiary roads across the town;
    villages along straight canals, linked by country roads; field tracks; footways along
    the canals and in a forest park; canals that streets cross only at a few bridges; an
    expressway (G40 沪陕高速) across the whole town on nodes of its own, passed under at a
    few places only.

``"village"`` (a Qiyang-like rural community on the Chengdu plain)
    Groups (组) of houses along lanes at odd angles, a county road, country lanes and field
    paths, a wetland boardwalk, irrigation ditches, and the river 杨柳河 with a couple of
    bridges.

Both hold a few one-way streets and ways the walking filter must drop (``access=private``,
``foot=no``). Every site, and every building but a few, lies within about 100 m of a
walkable street (a lane is laid to any that is not), and the walking network is one piece
but for a few scraps; the gaps of the circle come from the canals, the river, the
expressway and the long way round along country roads, as in a real town.

Method: lines are drawn in a local plane [m] about the first site (equirectangular,
:class:`~nearzero.core.circle.network.Projection`); a street crossing a canal, the river
or the expressway is cut there unless the crossing is a bridge (major roads always, minor
streets at random) or, for the expressway, an underpass (primary and secondary roads);
crossings of streets are then noded (shared nodes); and where the cuts left part of the
walking network unreachable, the cut crossings of the highest-ranked streets are restored
as bridges or underpasses until it is connected (Kruskal's algorithm over the cuts).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree
from shapely import LineString, Point, Polygon, STRtree, affinity
from shapely.ops import substring

from nearzero.core.circle.io import walkable
from nearzero.core.circle.network import Projection

STYLES = ("town", "village")

#: Margin [m] of generated streets beyond the community boundary: an extract of a
#: community also holds the streets just outside it.
MARGIN_M = 350.0
#: Buildings further than this [m] from a walkable street get a lane of their own.
HOME_REACH_M = 100.0
#: Sites further than this [m] from a walkable street get a footway to their door.
SITE_REACH_M = 35.0
#: Points closer than this [m] become one node when the streets are noded.
NODE_TOL_M = 1.0
#: Ways left shorter than this [m] by a cut are dropped.
MIN_PIECE_M = 5.0
#: Offset [m] of a canal-side footway from the canal's centre line.
BANK_OFFSET_M = 18.0
#: Half the span [m] a street needs to cross: a canal (about 20 m wide), the river (about
#: 30 m), the expressway (two carriageways on an embankment).
HALF_SPAN_M = {"canal": 10.0, "river": 18.0, "motorway": 28.0}
#: Offset [m] of each expressway carriageway from the expressway's centre line.
CARRIAGEWAY_OFFSET_M = 14.0
#: Header written into the file (no timestamp, so the bytes depend on the inputs only).
GENERATOR = "nearzero demo_network (synthetic, not OpenStreetMap data)"

#: Rank of a highway class when choosing which cut crossings to restore (lower first).
_RANK = {
    "primary": 0,
    "secondary": 1,
    "tertiary": 2,
    "unclassified": 3,
    "residential": 3,
    "pedestrian": 4,
    "service": 4,
    "footway": 5,
    "track": 5,
    "path": 6,
}
_MAJOR = frozenset({"primary", "secondary", "tertiary"})

#: Chance that a minor street crossing a canal in the town does so on a bridge (the rest
#: end at the bank); the river of the village is crossed by its major roads only.
_TOWN_BRIDGE_CHANCE = {
    "residential": 0.3,
    "pedestrian": 0.5,
    "unclassified": 0.3,
    "service": 0.12,
    "footway": 0.2,
    "track": 0.08,
    "path": 0.08,
}

_TOWN_CORE_NAMES = [
    ("人民路", "Renmin Road"),
    ("新建路", "Xinjian Road"),
    ("育才路", "Yucai Road"),
    ("文化路", "Wenhua Road"),
    ("建设路", "Jianshe Road"),
    ("东平路", "Dongping Road"),
    ("红旗路", "Hongqi Road"),
    ("中心路", "Zhongxin Road"),
    ("光明路", "Guangming Road"),
    ("团结路", "Tuanjie Road"),
    ("和平路", "Heping Road"),
    ("兴东路", "Xingdong Road"),
    ("解放路", "Jiefang Road"),
    ("迎宾路", "Yingbin Road"),
    ("学前路", "Xueqian Road"),
    ("商业街", "Shangye Street"),
    ("园区路", "Yuanqu Road"),
    ("秀水路", "Xiushui Road"),
    ("桥东路", "Qiaodong Road"),
    ("桥西路", "Qiaoxi Road"),
    ("菜场路", "Caichang Road"),
    ("医院路", "Yiyuan Road"),
    ("车站路", "Chezhan Road"),
    ("粮站路", "Liangzhan Road"),
    ("河滨路", "Hebin Road"),
    ("东林路", "Donglin Road"),
]
_TOWN_LANE_NAMES = [
    ("北沿村路", "Beiyan Village Road"),
    ("长征村路", "Changzheng Village Road"),
    ("东风村路", "Dongfeng Village Road"),
    ("跃进村路", "Yuejin Village Road"),
    ("前进村路", "Qianjin Village Road"),
    ("红星路", "Hongxing Road"),
    ("永丰路", "Yongfeng Road"),
    ("五星路", "Wuxing Road"),
    ("向阳路", "Xiangyang Road"),
    ("卫东路", "Weidong Road"),
    ("胜利路", "Shengli Road"),
    ("友谊路", "Youyi Road"),
    ("新民路", "Xinmin Road"),
    ("西沙路", "Xisha Road"),
    ("花园路", "Huayuan Road"),
    ("林场路", "Linchang Road"),
]
_TOWN_COUNTRY_NAMES = [
    ("三星公路", "Sanxing Highway"),
    ("新申路", "Xinshen Road"),
    ("富民路", "Fumin Road"),
    ("兴农路", "Xingnong Road"),
    ("丰收路", "Fengshou Road"),
    ("乔松路", "Qiaosong Road"),
    ("港西路", "Gangxi Road"),
    ("园林路", "Yuanlin Road"),
    ("民生路", "Minsheng Road"),
    ("江海路", "Jianghai Road"),
    ("林海路", "Linhai Road"),
    ("绿岛路", "Lüdao Road"),
    ("瀛东路", "Yingdong Road"),
    ("瀛西路", "Yingxi Road"),
    ("沙田路", "Shatian Road"),
    ("围垦路", "Weiken Road"),
    ("新河路", "Xinhe Road"),
    ("堡镇路", "Baozhen Road"),
    ("芦苇路", "Luwei Road"),
    ("鸣鹤路", "Minghe Road"),
]
_VILLAGE_LANE_NAMES = [
    ("柳岸路", "Liu'an Road"),
    ("杨柳路", "Yangliu Road"),
    ("田园路", "Tianyuan Road"),
    ("稻香路", "Daoxiang Road"),
    ("荷塘路", "Hetang Road"),
    ("竹林路", "Zhulin Road"),
    ("林盘路", "Linpan Road"),
    ("清溪路", "Qingxi Road"),
    ("桤木路", "Qimu Road"),
    ("菜花路", "Caihua Road"),
]


# -- geometry helpers ------------------------------------------------------------------------


def _cumlen(xy: np.ndarray) -> np.ndarray:
    """Arc length [m] at each vertex of a polyline."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])


def _chaikin(points, iterations: int = 2) -> np.ndarray:
    """Corner-cutting smoothing of a control polyline (end points kept)."""
    p = np.asarray(points, dtype=float)
    for _ in range(iterations):
        q = 0.75 * p[:-1] + 0.25 * p[1:]
        r = 0.25 * p[:-1] + 0.75 * p[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2], mid[1::2] = q, r
        p = np.vstack([p[:1], mid, p[-1:]])
    return p


def _resample(xy, spacing: float) -> np.ndarray:
    """A polyline's vertices every ``spacing`` [m] or a little less."""
    xy = np.asarray(xy, dtype=float)
    cum = _cumlen(xy)
    s = np.linspace(0.0, cum[-1], max(2, math.ceil(cum[-1] / spacing) + 1))
    return np.column_stack([np.interp(s, cum, xy[:, 0]), np.interp(s, cum, xy[:, 1])])


def _substring(xy: np.ndarray, cum: np.ndarray, a: float, b: float) -> np.ndarray | None:
    """The part of a polyline between the parameters ``a`` and ``b`` of its vertices."""
    a, b = max(a, 0.0), min(b, float(cum[-1]))
    if b - a < 1e-6:
        return None
    inner = (cum > a) & (cum < b)
    pa = [np.interp(a, cum, xy[:, 0]), np.interp(a, cum, xy[:, 1])]
    pb = [np.interp(b, cum, xy[:, 0]), np.interp(b, cum, xy[:, 1])]
    return np.vstack([pa, xy[inner], pb])


def _ellipse(centre, rx: float, ry: float, *, segments: int = 32) -> Polygon:
    return affinity.scale(Point(centre).buffer(1.0, quad_segs=segments), rx, ry)


class _Wiggle:
    """Smooth offsets [m] of ``n`` lines as functions of the distance along them: two sines
    of random phase, so that streets and canals bend a little instead of ruling a lattice."""

    def __init__(self, rng: np.random.Generator, n: int, amp: float, wavelength: float) -> None:
        self.amp = amp
        self.l1 = wavelength * rng.uniform(0.8, 1.25, n)
        self.l2 = self.l1 * rng.uniform(0.3, 0.45, n)
        self.p1 = rng.uniform(0.0, 2 * np.pi, n)
        self.p2 = rng.uniform(0.0, 2 * np.pi, n)
        self.a2 = rng.uniform(0.15, 0.35, n)

    def __call__(self, i, t):
        return self.amp * (
            (1 - self.a2[i]) * np.sin(2 * np.pi * t / self.l1[i] + self.p1[i])
            + self.a2[i] * np.sin(2 * np.pi * t / self.l2[i] + self.p2[i])
        )


@dataclass
class _FLine:
    """A long, nearly straight line as a function: ``axis="x"`` runs east–west
    (y = f(x)), ``axis="y"`` north–south (x = f(y)); (``t``, ``v``) are its smoothed knots."""

    axis: str
    t: np.ndarray
    v: np.ndarray
    wiggle: _Wiggle

    def value(self, t):
        return np.interp(t, self.t, self.v) + self.wiggle(0, t)

    def coords(self, t0: float, t1: float, spacing: float) -> np.ndarray:
        t = np.linspace(t0, t1, max(2, math.ceil(abs(t1 - t0) / spacing) + 1))
        v = self.value(t)
        return np.column_stack([t, v] if self.axis == "x" else [v, t])

    def at(self, t: float) -> np.ndarray:
        v = float(self.value(t))
        return np.array([t, v] if self.axis == "x" else [v, t])

    def offset(self, p) -> float:
        """Signed offset [m] of a point: + north of an east–west line, + east of a
        north–south one."""
        if self.axis == "x":
            return float(p[1] - self.value(p[0]))
        return float(p[0] - self.value(p[1]))


@dataclass
class _Way:
    xy: np.ndarray
    tags: dict
    bridge: bool = False  # a bridge piece: not noded with what it passes over


@dataclass
class _Barrier:
    geom: LineString
    kind: str  # "canal", "river" or "motorway"


@dataclass
class _Cut:
    """A street crossing left out at a barrier: pieces ``left`` and ``right`` end there."""

    left: int
    right: int
    tags: dict
    kind: str
    point: np.ndarray


@dataclass
class _Pool:
    """Noded ways of one kind: node coordinates [m] and each way's node indices."""

    xy: np.ndarray
    seqs: list


def _node(ways: list[_Way], *, at_grade: np.ndarray, tol: float = NODE_TOL_M) -> _Pool:
    """Share nodes where ways meet: at every crossing of two at-grade ways, where an
    at-grade way ends on another (a T junction), and where vertices lie within ``tol``."""
    geoms = np.array([LineString(w.xy) for w in ways], dtype=object)
    ins_way: list[np.ndarray] = []
    ins_xy: list[np.ndarray] = []
    idx = np.flatnonzero(at_grade)
    if len(idx):
        g = geoms[idx]
        tree = STRtree(g)
        a, b = tree.query(g, predicate="intersects")
        keep = a < b
        a, b = a[keep], b[keep]
        parts, which = shapely.get_parts(shapely.intersection(g[a], g[b]), return_index=True)
        kinds = shapely.get_type_id(parts)
        lines = parts[kinds == 1]  # ways running together: their common part's ends
        xy_all = np.vstack(
            [
                shapely.get_coordinates(parts[kinds == 0]),
                shapely.get_coordinates(shapely.get_point(lines, 0)),
                shapely.get_coordinates(shapely.get_point(lines, -1)),
            ]
        )
        pair = np.concatenate([which[kinds == 0], which[kinds == 1], which[kinds == 1]])
        for side in (a, b):
            ins_way.append(idx[side[pair]])
            ins_xy.append(xy_all)
        ends = np.vstack([[ways[i].xy[0] for i in idx], [ways[i].xy[-1] for i in idx]])
        owner = np.concatenate([np.arange(len(idx)), np.arange(len(idx))])
        e, w = tree.query(shapely.points(ends), predicate="dwithin", distance=tol)
        keep = owner[e] != w
        e, w = e[keep], w[keep]
        if len(e):
            along = shapely.line_locate_point(g[w], shapely.points(ends[e]))
            ins_way.append(idx[w])
            ins_xy.append(shapely.get_coordinates(shapely.line_interpolate_point(g[w], along)))
    ins_way_a = np.concatenate(ins_way) if ins_way else np.zeros(0, dtype=np.int64)
    ins_xy_a = np.vstack(ins_xy) if ins_xy else np.zeros((0, 2))

    counts = np.array([len(w.xy) for w in ways])
    vert_xy = np.vstack([w.xy for w in ways])
    points = np.vstack([vert_xy, ins_xy_a])
    n = len(points)
    pairs = cKDTree(points).query_pairs(tol, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    rep = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(rep, labels, np.arange(n))
    point_node = rep[labels]  # each point → its cluster's first point

    ins_s = (
        shapely.line_locate_point(geoms[ins_way_a], shapely.points(ins_xy_a))
        if len(ins_way_a)
        else np.zeros(0)
    )
    order = np.argsort(ins_way_a, kind="stable")
    bounds = np.searchsorted(ins_way_a[order], np.arange(len(ways) + 1))
    starts = np.concatenate([[0], np.cumsum(counts)])
    raw: list[np.ndarray | None] = []
    for i, way in enumerate(ways):
        ids = point_node[starts[i] : starts[i + 1]]
        extra = order[bounds[i] : bounds[i + 1]]
        if len(extra):
            s = np.concatenate([_cumlen(way.xy), ins_s[extra]])
            ids = np.concatenate([ids, point_node[len(vert_xy) + extra]])[
                np.argsort(s, kind="stable")
            ]
        ids = ids[np.concatenate([[True], ids[1:] != ids[:-1]])]
        raw.append(ids if len(ids) >= 2 else None)
    used = np.unique(np.concatenate([r for r in raw if r is not None]))
    renumber = np.full(n, -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    return _Pool(points[used], [renumber[r] if r is not None else None for r in raw])


def _runs(mask) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    change = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(change[0::2].tolist(), (change[1::2] - 1).tolist(), strict=True))


def _named(tags: dict, names: list[tuple[str, str]], i: int) -> dict:
    zh, en = names[i % len(names)]
    return {**tags, "name": zh, "name:en": en}


# -- the plan --------------------------------------------------------------------------------


class _Plan:
    """The lines of one community in the local plane [m], before noding."""

    def __init__(
        self, area: Polygon, sites: np.ndarray, homes: np.ndarray, rng: np.random.Generator
    ) -> None:
        self.area = area
        self.extent = area.buffer(MARGIN_M, join_style="mitre")
        self.sites = sites
        self.homes = homes
        self.rng = rng
        self.streets: list[_Way] = []
        self.water: list[_Way] = []
        self.barriers: list[_Barrier] = []
        self.motorway: np.ndarray | None = None
        self.motorway_tags: dict = {}
        self.bridge_chance: dict = {}
        self.underpasses: list[np.ndarray] = []
        self.x0, self.y0, x1, y1 = area.bounds
        self.w, self.h = x1 - self.x0, y1 - self.y0
        ex0, ey0, ex1, ey1 = self.extent.bounds
        self.ex0, self.ey0, self.ex1, self.ey1 = ex0 - 200, ey0 - 200, ex1 + 200, ey1 + 200

    def fx(self, f: float) -> float:
        """East offset [m] at fraction ``f`` of the boundary's width."""
        return self.x0 + f * self.w

    def fy(self, f: float) -> float:
        """North offset [m] at fraction ``f`` of the boundary's height."""
        return self.y0 + f * self.h

    def add(self, xy, tags: dict) -> None:
        self.streets.append(_Way(np.asarray(xy, dtype=float), dict(tags)))

    def fline(self, axis: str, knots, *, amp: float, wavelength: float) -> _FLine:
        """A function line through control points ``knots`` [(t, v)], smoothed, extended
        level beyond its ends, bent by a wiggle of amplitude ``amp`` [m]."""
        k = np.asarray(knots, dtype=float)
        k = k[np.argsort(k[:, 0])]
        lo, hi = (self.ex0, self.ex1) if axis == "x" else (self.ey0, self.ey1)
        k = np.vstack([[min(lo, k[0, 0] - 1), k[0, 1]], k, [max(hi, k[-1, 0] + 1), k[-1, 1]]])
        k = _chaikin(k, 3)
        return _FLine(axis, k[:, 0], k[:, 1], _Wiggle(self.rng, 1, amp, wavelength))

    def full(self, line: _FLine, spacing: float) -> np.ndarray:
        lo, hi = (self.ex0, self.ex1) if line.axis == "x" else (self.ey0, self.ey1)
        return line.coords(lo, hi, spacing)

    def curve(self, ctrl, *, spacing: float, amp: float = 0.0, wavelength: float = 1.0):
        """A smoothed polyline through control points, bent a little (not at its ends)."""
        xy = _resample(_chaikin(ctrl, 3), spacing)
        if amp > 0 and len(xy) > 2:
            s = _cumlen(xy)
            d = np.gradient(xy, axis=0)
            normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
            ramp = np.clip(np.minimum(s, s[-1] - s) / 80.0, 0.0, 1.0)
            xy = xy + normal * (_Wiggle(self.rng, 1, amp, wavelength)(0, s) * ramp)[:, None]
        return xy

    def grid(
        self,
        *,
        centre,
        angle: float,
        rows,
        cols,
        amp: float,
        wavelength: float,
        region,
        keep: float,
        tree: bool,
        spacing: float,
        row_tags,
        col_tags,
        base=None,
    ) -> list[_Way]:
        """A warped street grid: rows (local y = row + base(x) + wiggle) and columns (local
        x = column + wiggle) meeting at shared nodes. A segment is kept if its middle lies
        in ``region`` and with chance ``keep``, or when it is on a random spanning tree of
        the segments in ``region`` (``tree``: the grid is then one piece)."""
        rng = self.rng
        rows = np.asarray(rows, dtype=float)
        cols = np.asarray(cols, dtype=float)
        nr, nc = len(rows), len(cols)
        if nr < 2 or nc < 2:
            return []
        wr = _Wiggle(rng, nr, amp, wavelength)
        wc = _Wiggle(rng, nc, amp, wavelength)
        if base is None:

            def base(t):
                return 0.0 * t

        jj, kk = np.meshgrid(np.arange(nr), np.arange(nc), indexing="ij")
        x = cols[kk].copy()
        y = rows[jj] + base(x)
        for _ in range(8):  # the crossing of row j and column k (a contraction)
            x = cols[kk] + wc(kk, y)
            y = rows[jj] + base(x) + wr(jj, x)
        cos, sin = math.cos(angle), math.sin(angle)

        def world(xl, yl):
            return centre[0] + cos * xl - sin * yl, centre[1] + sin * xl + cos * yl

        def row_y(j, xs):
            return rows[j] + base(xs) + wr(j, xs)

        def col_x(k, ys):
            return cols[k] + wc(k, ys)

        rmx = (x[:, :-1] + x[:, 1:]) / 2
        cmy = (y[:-1] + y[1:]) / 2
        in_r = shapely.contains_xy(region, *world(rmx, row_y(jj[:, :-1], rmx)))
        in_c = shapely.contains_xy(region, *world(col_x(kk[:-1], cmy), cmy))
        keep_r = in_r & (rng.random(in_r.shape) < keep)
        keep_c = in_c & (rng.random(in_c.shape) < keep)
        if tree and (in_r.any() or in_c.any()):
            node = jj * nc + kk
            ra, rb = node[:, :-1][in_r], node[:, 1:][in_r]
            ca, cb = node[:-1][in_c], node[1:][in_c]
            a, b = np.concatenate([ra, ca]), np.concatenate([rb, cb])
            weights = rng.random(len(a)) + 1e-3
            mst = minimum_spanning_tree(
                coo_matrix((weights, (a, b)), shape=(nr * nc, nr * nc)).tocsr()
            ).tocoo()
            chosen = set(
                zip(
                    np.minimum(mst.row, mst.col).tolist(),
                    np.maximum(mst.row, mst.col).tolist(),
                    strict=True,
                )
            )
            in_tree = np.array(
                [(p, q) in chosen for p, q in zip(a.tolist(), b.tolist(), strict=True)],
                dtype=bool,
            )
            keep_r[in_r] |= in_tree[: len(ra)]
            keep_c[in_c] |= in_tree[len(ra) :]
        out: list[_Way] = []
        for j in range(nr):
            for k0, k1 in _runs(keep_r[j]):
                parts = []
                for k in range(k0, k1 + 1):
                    n = max(2, math.ceil(abs(x[j, k + 1] - x[j, k]) / spacing) + 1)
                    xs = np.linspace(x[j, k], x[j, k + 1], n)
                    seg = np.column_stack([xs, row_y(j, xs)])
                    seg[0], seg[-1] = (x[j, k], y[j, k]), (x[j, k + 1], y[j, k + 1])
                    parts.append(seg if k == k0 else seg[1:])
                local = np.vstack(parts)
                out.append(_Way(np.column_stack(world(local[:, 0], local[:, 1])), row_tags(j)))
        for k in range(nc):
            for j0, j1 in _runs(keep_c[:, k]):
                parts = []
                for j in range(j0, j1 + 1):
                    n = max(2, math.ceil(abs(y[j + 1, k] - y[j, k]) / spacing) + 1)
                    ys = np.linspace(y[j, k], y[j + 1, k], n)
                    seg = np.column_stack([col_x(k, ys), ys])
                    seg[0], seg[-1] = (x[j, k], y[j, k]), (x[j + 1, k], y[j + 1, k])
                    parts.append(seg if j == j0 else seg[1:])
                local = np.vstack(parts)
                out.append(_Way(np.column_stack(world(local[:, 0], local[:, 1])), col_tags(k)))
        self.streets.extend(out)
        return out

    def lines_between(self, lo: float, hi: float, step: float, jitter: float, avoid, clear):
        """Offsets from ``lo`` to ``hi`` every ``step`` [m] (± ``jitter``), leaving out
        those within ``clear`` of any value in ``avoid``."""
        n = max(1, int((hi - lo) // step))
        values = lo + step * (np.arange(n) + 0.5) + self.rng.uniform(-jitter, jitter, n)
        avoid = np.asarray(list(avoid), dtype=float)
        if len(avoid):
            values = values[np.min(np.abs(values[:, None] - avoid[None, :]), axis=1) > clear]
        return values

    # -- settlements ------------------------------------------------------------------------

    def nuclei(self, exclude: list, *, merge_m: float, far_m: float) -> list[np.ndarray]:
        """Village centres: the sites outside the ``exclude`` regions (one for sites closer
        than ``merge_m``), then the middles of clusters of buildings further than ``far_m``
        from all of them."""
        out: list[np.ndarray] = []
        for p in self.sites:
            if any(region.contains(Point(p)) for region in exclude):
                continue
            if all(np.hypot(*(p - q)) > merge_m for q in out):
                out.append(np.asarray(p, dtype=float))
        far = self.homes
        if len(far) and out:
            far = far[_min_dist(far, np.array(out)) > far_m]
        for region in exclude:
            if len(far):
                far = far[~shapely.contains_xy(region, far[:, 0], far[:, 1])]
        if len(far):
            cells = np.floor(far / 500.0).astype(np.int64)
            _, inverse, counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
            inverse = inverse.ravel()
            for c in np.flatnonzero(counts >= 6):
                out.append(far[inverse == c].mean(axis=0))
        return out

    def spread(self, i: int, nuclei: list[np.ndarray]) -> tuple[float, float]:
        """Half extents [m] east and north of the buildings nearest to nucleus ``i``."""
        if not len(self.homes):
            return 250.0, 180.0
        d = _dist(self.homes, np.array(nuclei))
        mine = self.homes[(np.argmin(d, axis=1) == i) & (np.min(d, axis=1) < 900.0)]
        if len(mine) < 3:
            return 250.0, 180.0
        dx, dy = np.abs(mine - nuclei[i]).T
        return float(np.percentile(dx, 80)), float(np.percentile(dy, 80))

    # -- finishing --------------------------------------------------------------------------

    def clip(self) -> None:
        """Keep what lies within the extent; take the streets off where they run along a
        canal, the river or the expressway (they may cross them, not follow them)."""
        for attr in ("streets", "water"):
            ways = getattr(self, attr)
            clipped = shapely.intersection(
                np.array([LineString(w.xy) for w in ways], dtype=object), self.extent
            )
            kept: list[_Way] = []
            for way, geom in zip(ways, clipped, strict=True):
                for part in shapely.get_parts(geom):
                    if shapely.get_type_id(part) == 1 and part.length >= MIN_PIECE_M:
                        kept.append(_Way(np.asarray(part.coords), way.tags))
            setattr(self, attr, kept)
        self.barriers = [
            _Barrier(LineString(w.xy), w.tags["waterway"])
            for w in self.water
            if w.tags.get("waterway") in ("canal", "river")
        ]
        if self.motorway is not None:
            parts = shapely.get_parts(shapely.intersection(LineString(self.motorway), self.extent))
            longest = max(parts, key=lambda p: p.length)
            self.motorway = np.asarray(longest.coords)
            self.barriers.append(_Barrier(longest, "motorway"))
        if not self.barriers:
            return
        geoms = np.array([LineString(w.xy) for w in self.streets], dtype=object)
        along: list[list] = [[] for _ in self.streets]
        for barrier in self.barriers:
            # A crossing spans the corridor once, at most ~3 widths when oblique; a longer
            # stretch inside it is a street running along the barrier.
            width = 2.0 * (HALF_SPAN_M[barrier.kind] + 2.0)
            corridor = barrier.geom.buffer(width / 2.0, cap_style="flat")
            for i in np.flatnonzero(shapely.intersects(geoms, corridor)):
                for part in shapely.get_parts(shapely.intersection(geoms[i], corridor)):
                    if part.length > 3.0 * width:
                        along[i].append(part.buffer(1.0))
        streets: list[_Way] = []
        for way, geom, parts in zip(self.streets, geoms, along, strict=True):
            if not parts:
                streets.append(way)
                continue
            for part in shapely.get_parts(shapely.difference(geom, shapely.union_all(parts))):
                if shapely.get_type_id(part) == 1 and part.length >= 20.0:
                    streets.append(_Way(np.asarray(part.coords), way.tags))
        self.streets = streets

    def connect(self, points: np.ndarray, *, reach_m: float, tags_for) -> int:
        """Lay a lane from every point further than ``reach_m`` [m] from a walkable street
        to the nearest street it can reach without crossing a barrier, the furthest point
        first (its lane may serve its neighbours). Returns the number of lanes laid."""
        if not len(points):
            return 0
        walk = [LineString(w.xy) for w in self.streets if walkable(w.tags)]
        tree = STRtree(walk)
        pts = shapely.points(points)
        _, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        dist = np.asarray(dist, dtype=float)
        barrier = shapely.union_all([b.geom for b in self.barriers]) if self.barriers else None
        extra: list[LineString] = []
        laid = 0
        while True:
            far = np.flatnonzero(dist > reach_m)
            if not len(far):
                return laid
            i = int(far[np.argmax(dist[far])])
            p = pts[i]
            near = [walk[j] for j in tree.query(p.buffer(dist[i] + 800.0))] + extra
            near.sort(key=lambda g: g.distance(p))
            lane = None
            for g in near[:40]:
                candidate = LineString([g.interpolate(g.project(p)), p])
                if barrier is None or not candidate.intersects(barrier):
                    lane = candidate
                    break
            if lane is None:
                lane = LineString([near[0].interpolate(near[0].project(p)), p])
            xy = _resample(np.asarray(lane.coords), 40.0)
            self.add(xy, tags_for(lane.length))
            extra.append(LineString(xy))
            dist = np.minimum(dist, shapely.distance(pts, extra[-1]))
            dist[i] = 0.0
            laid += 1

    def cut(self) -> tuple[list[_Way], list[_Cut]]:
        """Split the streets where they cross a barrier: into a bridge piece, a gap (kept
        as a :class:`_Cut` that may be restored), or, under the expressway, nothing (an
        underpass)."""
        if not self.barriers:
            return list(self.streets), []
        bgeoms = np.array([b.geom for b in self.barriers], dtype=object)
        geoms = [LineString(w.xy) for w in self.streets]
        wi, bi = STRtree(bgeoms).query(geoms, predicate="intersects")
        hits: dict[int, list[int]] = {}
        for i, b in zip(wi.tolist(), bi.tolist(), strict=True):
            hits.setdefault(i, []).append(b)
        pieces: list[_Way] = []
        cuts: list[_Cut] = []
        for i, way in enumerate(self.streets):
            if i not in hits:
                pieces.append(way)
                continue
            line = geoms[i]
            events = []
            for b in hits[i]:
                barrier = self.barriers[b]
                for p in shapely.get_parts(shapely.intersection(line, barrier.geom)):
                    if shapely.get_type_id(p) != 0:
                        continue
                    s, sb = line.project(p), barrier.geom.project(p)
                    u = np.subtract(
                        line.interpolate(s + 1).coords[0], line.interpolate(s - 1).coords[0]
                    )
                    v = np.subtract(
                        barrier.geom.interpolate(sb + 1).coords[0],
                        barrier.geom.interpolate(sb - 1).coords[0],
                    )
                    sine = abs(u[0] * v[1] - u[1] * v[0]) / max(np.hypot(*u) * np.hypot(*v), 1e-9)
                    half = HALF_SPAN_M[barrier.kind] / max(sine, 0.35)
                    events.append((s, half, barrier.kind, np.asarray(p.coords[0])))
            events.sort(key=lambda e: e[0])
            highway = way.tags.get("highway", "")
            cum = _cumlen(way.xy)
            pos = 0.0
            pending: _Cut | None = None
            for s, half, kind, point in events:
                if kind == "motorway":
                    decision = "under" if highway in ("primary", "secondary") else "cut"
                elif highway in _MAJOR:
                    decision = "bridge"
                else:
                    chance = self.bridge_chance.get(highway, 0.0)
                    decision = "bridge" if self.rng.random() < chance else "cut"
                if decision == "under":
                    self.underpasses.append(point)
                    continue
                a = max(s - half, pos)
                b = max(s + half, a)
                left = _piece(pieces, way, cum, pos, a)
                if pending is not None:
                    pending.right = -1 if left is None else left
                    cuts.append(pending)
                    pending = None
                if decision == "bridge":
                    xy = _substring(way.xy, cum, a, b)
                    if xy is not None:
                        pieces.append(_Way(xy, {**way.tags, "bridge": "yes", "layer": "1"}, True))
                else:
                    pending = _Cut(-1 if left is None else left, -1, way.tags, kind, point)
                pos = b
            last = _piece(pieces, way, cum, pos, float(cum[-1]))
            if pending is not None:
                pending.right = -1 if last is None else last
                cuts.append(pending)
        return pieces, [c for c in cuts if c.left >= 0 and c.right >= 0]


def _piece(pieces: list[_Way], way: _Way, cum: np.ndarray, a: float, b: float) -> int | None:
    if b - a < MIN_PIECE_M:
        return None
    xy = _substring(way.xy, cum, a, b)
    if xy is None:
        return None
    pieces.append(_Way(xy, way.tags))
    return len(pieces) - 1


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])


def _min_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.min(_dist(a, b), axis=1)


# -- the two landscapes ----------------------------------------------------------------------


def _town(plan: _Plan) -> None:
    """A Chongming town: centre grid, canals, villages along them, country roads and field
    tracks, a forest park, the G40 expressway."""
    rng = plan.rng
    fx, fy = plan.fx, plan.fy
    plan.bridge_chance = _TOWN_BRIDGE_CHANCE

    # Canals: long, nearly straight (Chongming's reclaimed land is ruled by them).
    canal_specs = [
        ("x", fy(0.521), "东平河", "Dongping River", 35.0),
        ("x", fy(0.76), "北横引河", "Beiheng Canal", 25.0),
        ("x", fy(0.235), "南横引河", "Nanheng Canal", 25.0),
        ("y", fx(0.24), "团结河", "Tuanjie Canal", 25.0),
        ("y", fx(0.66), "跃进河", "Yuejin Canal", 25.0),
    ]
    canals: list[_FLine] = []
    for axis, c, zh, en, amp in canal_specs:
        lo, hi = (plan.ex0, plan.ex1) if axis == "x" else (plan.ey0, plan.ey1)
        knots = [(t, c + rng.uniform(-60, 60)) for t in np.linspace(lo, hi, 5)]
        line = plan.fline(axis, knots, amp=amp, wavelength=1600.0)
        canals.append(line)
        tags = {"waterway": "canal", "name": zh, "name:en": en, "width": "20"}
        plan.water.append(_Way(plan.full(line, 60.0), tags))

    # Roads across the town; the primary passes the centre (the first site).
    primary = plan.fline(
        "x",
        [(-2500, 60), (-1200, 10), (0, -35), (1200, -50), (2500, -70), (plan.ex1, 60)],
        amp=12.0,
        wavelength=2200.0,
    )
    linfeng = plan.fline(
        "y", [(-2000, 230), (0, 260), (1500, 300), (plan.ey1, 380)], amp=15.0, wavelength=2000.0
    )
    roads = [
        (primary, "primary", "北沿公路", "Beiyan Highway"),
        (linfeng, "secondary", "林风公路", "Linfeng Highway"),
        (
            plan.fline("y", [(0, fx(0.17))], amp=25, wavelength=1800),
            "secondary",
            "长征公路",
            "Changzheng Highway",
        ),
        (
            plan.fline("y", [(0, fx(0.85))], amp=25, wavelength=1800),
            "secondary",
            "东风公路",
            "Dongfeng Highway",
        ),
        (
            plan.fline("x", [(0, fy(0.18))], amp=25, wavelength=1800),
            "secondary",
            "南横公路",
            "Nanheng Highway",
        ),
        (
            plan.fline("x", [(0, fy(0.87))], amp=30, wavelength=1500),
            "tertiary",
            "前哨公路",
            "Qianshao Road",
        ),
        (
            plan.fline("x", [(0, fy(0.665))], amp=30, wavelength=1500),
            "tertiary",
            "前进路",
            "Qianjin Road",
        ),
        (
            plan.fline("y", [(0, fx(0.37))], amp=30, wavelength=1500),
            "tertiary",
            "跃进路",
            "Yuejin Road",
        ),
    ]
    for line, highway, zh, en in roads:
        tags = {"highway": highway, "name": zh, "name:en": en}
        if highway == "primary":
            tags["lanes"] = "4"
        plan.add(plan.full(line, 45.0), tags)

    # The expressway, on nodes of its own.
    ctrl = [(-0.08, 0.45), (0.18, 0.414), (0.49, 0.377), (0.8, 0.393), (1.08, 0.37)]
    plan.motorway = plan.curve([(fx(a), fy(b)) for a, b in ctrl], spacing=60.0)
    plan.motorway_tags = {
        "highway": "motorway",
        "ref": "G40",
        "name": "沪陕高速",
        "name:en": "Shanghai–Shaanxi Expressway",
        "oneway": "yes",
        "lanes": "3",
        "maxspeed": "120",
    }

    # The town centre: a dense grid following the primary road (the primary is its row 0),
    # leaving out rows along the canal and columns along the secondary road.
    core = _ellipse((100.0, 400.0), 1150.0, 750.0)
    t = np.linspace(-1100.0, 1300.0, 50)
    canal_rows = canals[0].value(t) - np.interp(t, primary.t, primary.v)
    rows = np.array([105.0 * j for j in range(-6, 9) if j != 0])
    rows = rows[np.min(np.abs(rows[:, None] - canal_rows[None, :]), axis=1) > 45.0]
    cols = 100.0 + 120.0 * np.arange(-10, 11) + rng.uniform(-15, 15, 21)
    cols = cols[np.abs(cols - 270.0) > 70.0]
    core_ways = plan.grid(
        centre=(0.0, 0.0),
        angle=0.0,
        rows=rows,
        cols=cols,
        amp=5.0,
        wavelength=500.0,
        region=core,
        keep=0.85,
        tree=True,
        spacing=40.0,
        base=lambda t: np.interp(t, primary.t, primary.v),
        row_tags=lambda j: _named({"highway": "residential"}, _TOWN_CORE_NAMES, j),
        col_tags=lambda k: (
            _named({"highway": "residential"}, _TOWN_CORE_NAMES, len(rows) + k // 2)
            if k % 2
            else {"highway": "service" if k % 4 == 0 else "residential"}
        ),
    )
    long_streets = [w for w in core_ways if w.tags["highway"] == "residential" and len(w.xy) > 8]
    for i in rng.choice(len(long_streets), size=min(5, len(long_streets)), replace=False):
        long_streets[int(i)].tags["oneway"] = "yes"
    # The old street by the canal, for people on foot only.
    west = [w for w in core_ways if w.xy[:, 0].mean() < -150.0 and np.ptp(w.xy[:, 0]) > 200.0]
    if west:
        old = min(west, key=lambda w: np.abs(w.xy[:, 1] - canals[0].value(w.xy[:, 0])).mean())
        old.tags = {"highway": "pedestrian", "name": "东平老街", "name:en": "Dongping Old Street"}
    # Footways along both banks of the canal through the town.
    t = np.linspace(-1300.0, 1400.0, 90)
    for side in (1.0, -1.0):
        bank = LineString(np.column_stack([t, canals[0].value(t)])).offset_curve(
            side * BANK_OFFSET_M
        )
        plan.add(
            _resample(np.asarray(bank.coords), 30.0),
            {"highway": "footway", "name": "东平河滨河步道", "name:en": "Dongping Riverside Walk"},
        )

    # The forest park: a loop path and a web of forest paths.
    park_c = (fx(0.40), fy(0.83))
    park = _ellipse(park_c, 700.0, 380.0)
    loop = _ellipse(park_c, 715.0, 395.0, segments=64)
    plan.add(
        _resample(np.asarray(loop.exterior.coords), 25.0),
        {"highway": "footway", "name": "森林公园环路", "name:en": "Forest Park Loop"},
    )
    plan.grid(
        centre=park_c,
        angle=math.radians(rng.uniform(-20, 20)),
        rows=np.arange(-420.0, 421.0, 140.0),
        cols=np.arange(-700.0, 701.0, 150.0),
        amp=30.0,
        wavelength=350.0,
        region=park,
        keep=0.45,
        tree=True,
        spacing=25.0,
        row_tags=lambda j: {"highway": "path", "surface": "compacted"},
        col_tags=lambda k: {"highway": "footway" if k % 3 == 0 else "path"},
    )

    # Villages along the canals: lanes about each site outside the centre, and about
    # clusters of buildings far from any site.
    nuclei = plan.nuclei([core.buffer(150.0), park], merge_m=350.0, far_m=800.0)
    villages = []
    for n, c in enumerate(nuclei):
        sx, sy = plan.spread(n, nuclei)
        sx, sy = float(np.clip(sx, 220, 600)), float(np.clip(sy, 150, 450))
        region = _ellipse(c, sx + 60.0, sy + 60.0, segments=24)
        villages.append(region)
        hx, hy = rng.uniform(85, 110), rng.uniform(95, 130)
        rows_v = hy * np.arange(-math.ceil(sy / hy), math.ceil(sy / hy) + 1)
        cols_v = hx * np.arange(-math.ceil(sx / hx), math.ceil(sx / hx) + 1)
        mid = int(np.argmin(np.abs(rows_v)))
        plan.grid(
            centre=c,
            angle=math.radians(rng.uniform(-5, 5)),
            rows=rows_v + rng.uniform(-20, 20),
            cols=cols_v + rng.uniform(-20, 20),
            amp=6.0,
            wavelength=400.0,
            region=region,
            keep=0.6,
            tree=True,
            spacing=30.0,
            row_tags=lambda j, n=n, mid=mid: (
                _named({"highway": "residential"}, _TOWN_LANE_NAMES, n)
                if j == mid
                else {"highway": "residential" if j % 2 else "service"}
            ),
            col_tags=lambda k: {"highway": "service" if k % 3 else "footway"},
        )
        # A footway along the bank of the nearest canal, on the village's side.
        nearest = min(canals, key=lambda line: abs(line.offset(c)))
        off = nearest.offset(c)
        if abs(off) < 450.0:
            t0 = (c[0] if nearest.axis == "x" else c[1]) - 450.0
            line = LineString(nearest.coords(t0, t0 + 900.0, 25.0))
            # offset_curve's + side is the left: north of an east-going line, west of a
            # north-going one.
            side = np.sign(off) if nearest.axis == "x" else -np.sign(off)
            bank = line.offset_curve(side * BANK_OFFSET_M)
            plan.add(_resample(np.asarray(bank.coords), 30.0), {"highway": "footway"})

    # Country roads every ~750 m, field tracks between them.
    avoid_y = [0.0] + [fy(f) for f in (0.521, 0.76, 0.235, 0.18, 0.87, 0.665)]
    avoid_x = [270.0] + [fx(f) for f in (0.24, 0.66, 0.17, 0.85, 0.37)]
    outside = plan.extent.difference(core).difference(park)
    rows_c = plan.lines_between(plan.ey0, plan.ey1, 760.0, 120.0, avoid_y, 170.0)
    cols_c = plan.lines_between(plan.ex0, plan.ex1, 800.0, 120.0, avoid_x, 170.0)
    plan.grid(
        centre=(0.0, 0.0),
        angle=0.0,
        rows=rows_c,
        cols=cols_c,
        amp=18.0,
        wavelength=1400.0,
        region=outside,
        keep=0.7,
        tree=True,
        spacing=55.0,
        row_tags=lambda j: (
            _named({"highway": "unclassified"}, _TOWN_COUNTRY_NAMES, j // 2)
            if j % 2 == 0
            else {"highway": "unclassified"}
        ),
        col_tags=lambda k: (
            _named({"highway": "unclassified"}, _TOWN_COUNTRY_NAMES, 8 + k // 2)
            if k % 2
            else {"highway": "unclassified"}
        ),
    )
    fields = shapely.difference(outside, shapely.union_all(villages)) if villages else outside
    plan.grid(
        centre=(0.0, 0.0),
        angle=0.0,
        rows=plan.lines_between(plan.ey0, plan.ey1, 380.0, 60.0, [*avoid_y, *rows_c], 110.0),
        cols=plan.lines_between(plan.ex0, plan.ex1, 400.0, 60.0, [*avoid_x, *cols_c], 110.0),
        amp=10.0,
        wavelength=900.0,
        region=fields,
        keep=0.35,
        tree=False,
        spacing=80.0,
        row_tags=lambda j: {"highway": "track", "tracktype": "grade3", "surface": "unpaved"},
        col_tags=lambda k: {"highway": "track", "tracktype": "grade4", "surface": "dirt"},
    )

    # Ways the walking filter drops: gated yards and a truck ramp.
    spurs = [
        (roads[4][0], fx(0.62), 220.0, True, "private", "东平林场", "Dongping Forestry Farm"),
        (primary, 2300.0, 180.0, False, "foot", "砂石堆场", "Gravel Yard"),
        (roads[2][0], fy(0.55), -160.0, True, "private", "自来水厂", "Waterworks"),
        (primary, -700.0, -120.0, False, "foot", "公交停车场坡道", "Bus Depot Ramp"),
    ]
    for line, t0, length, loop_end, rule, zh, en in spurs:
        tags = {"highway": "service", "name": zh, "name:en": en}
        tags.update({"access": "private"} if rule == "private" else {"foot": "no"})
        plan.add(_spur(line, t0, length, loop=loop_end), tags)


def _spur(line: _FLine, t: float, length: float, *, loop: bool) -> np.ndarray:
    """A short way leaving a function line at ``t`` square to it, ``length`` [m] to one
    side (negative: the other), ending in a small loop when ``loop``."""
    start = line.at(t)
    d = np.array([0.0, 1.0]) if line.axis == "x" else np.array([1.0, 0.0])
    end = start + d * length
    xy = [start, start + d * length * 0.5, end]
    if loop:
        side = np.array([d[1], d[0]]) * 60.0
        back = d * np.sign(length) * 60.0
        xy += [end + side, end + side - back, end - back]
    return _resample(np.asarray(xy), 30.0)


def _village(plan: _Plan) -> None:
    """A Chengdu-plain rural community: groups (组) of houses along lanes, a county road,
    country lanes and field paths, a wetland, ditches, and the 杨柳河 with a couple of
    bridges."""
    rng = plan.rng
    fx, fy = plan.fx, plan.fy
    plan.bridge_chance = {}
    ctrl = [(-0.102, 0.955), (0.163, 0.83), (0.418, 0.65), (0.663, 0.505), (0.908, 0.336)]
    ctrl.append((1.102, 0.205))
    river = plan.curve([(fx(a), fy(b)) for a, b in ctrl], spacing=40.0, amp=45.0, wavelength=650)
    plan.water.append(
        _Way(river, {"waterway": "river", "name": "杨柳河", "name:en": "Yangliu River"})
    )
    for ctrl_d, zh in (
        ([(-0.1, 0.3), (0.4, 0.28), (0.7, 0.22), (1.1, 0.25)], "东风渠三支渠"),
        ([(0.72, -0.1), (0.7, 0.2), (0.76, 0.45)], "东风渠斗渠"),
    ):
        ditch = plan.curve(
            [(fx(a), fy(b)) for a, b in ctrl_d], spacing=50.0, amp=15.0, wavelength=500.0
        )
        plan.water.append(_Way(ditch, {"waterway": "ditch", "name": zh}))

    county = plan.curve(
        [(-2900, -2500), (-1250, -1050), (40, -30), (600, 550), (1500, 1500), (2700, 2600)],
        spacing=45.0,
        amp=20.0,
        wavelength=900.0,
    )
    plan.add(county, {"highway": "secondary", "name": "彭岐路", "name:en": "Pengqi Road"})
    qiyang = plan.curve(
        [
            (-2900, 250),
            (-1800, 500),
            (-900, 100),
            (0, -250),
            (800, -380),
            (1900, -950),
            (2900, -1600),
        ],
        spacing=45.0,
        amp=15.0,
        wavelength=700.0,
    )
    plan.add(qiyang, {"highway": "tertiary", "name": "岐阳路", "name:en": "Qiyang Road"})
    heming = plan.curve(
        [(-1300, -2700), (-1350, -1200), (-1220, 400), (-1250, 1100), (-1000, 2700)],
        spacing=45.0,
        amp=25.0,
        wavelength=800.0,
    )
    plan.add(heming, {"highway": "tertiary", "name": "鹤鸣路", "name:en": "Heming Road"})
    # The riverside walk on the south-west bank.
    river_line = LineString(river)
    s0, s1 = river_line.project(Point(-1200, 1000)), river_line.project(Point(900, -100))
    walk = substring(river_line, s0, s1).offset_curve(-30.0)
    plan.add(
        _resample(np.asarray(walk.coords), 25.0),
        {"highway": "footway", "name": "杨柳河滨河步道", "name:en": "Yangliu Riverside Walk"},
    )

    # The wetland, with a boardwalk loop.
    wet_c = (fx(0.2), fy(0.27))
    wet = _ellipse(wet_c, 260.0, 170.0)
    loop = _ellipse(wet_c, 275.0, 185.0, segments=48)
    plan.add(
        _resample(np.asarray(loop.exterior.coords), 20.0),
        {
            "highway": "footway",
            "surface": "wood",
            "name": "湿地栈道",
            "name:en": "Wetland Boardwalk",
        },
    )
    plan.grid(
        centre=wet_c,
        angle=0.4,
        rows=np.arange(-170.0, 171.0, 85.0),
        cols=np.arange(-260.0, 261.0, 90.0),
        amp=15.0,
        wavelength=200.0,
        region=wet,
        keep=0.35,
        tree=True,
        spacing=20.0,
        row_tags=lambda j: {"highway": "footway", "surface": "wood"},
        col_tags=lambda k: {"highway": "path"},
    )

    # Groups (组): lanes at odd angles about each site and each cluster of houses.
    nuclei = plan.nuclei([wet], merge_m=450.0, far_m=600.0)
    groups = []
    for n, c in enumerate(nuclei):
        sx, sy = plan.spread(n, nuclei)
        sx, sy = float(np.clip(sx, 150, 450)), float(np.clip(sy, 150, 450))
        region = _ellipse(c, sx + 50.0, sy + 50.0, segments=24)
        groups.append(region)
        h = rng.uniform(90, 120)
        rows_v = h * np.arange(-math.ceil(sy / h), math.ceil(sy / h) + 1)
        cols_v = h * np.arange(-math.ceil(sx / h), math.ceil(sx / h) + 1)
        mid = int(np.argmin(np.abs(rows_v)))
        plan.grid(
            centre=c,
            angle=math.radians(rng.uniform(-35, 35)),
            rows=rows_v + rng.uniform(-15, 15),
            cols=cols_v + rng.uniform(-15, 15),
            amp=14.0,
            wavelength=260.0,
            region=region,
            keep=0.4,
            tree=True,
            spacing=25.0,
            row_tags=lambda j, n=n, mid=mid: (
                _named({"highway": "residential"}, _VILLAGE_LANE_NAMES, n)
                if j == mid
                else {"highway": "service" if j % 2 else "footway"}
            ),
            col_tags=lambda k: {"highway": "service" if k % 2 else "path"},
        )

    # Country lanes and field paths.
    outside = plan.extent.difference(wet)
    plan.grid(
        centre=(0.0, 0.0),
        angle=math.radians(10.0),
        rows=plan.lines_between(plan.ey0 - 500, plan.ey1 + 500, 470.0, 80.0, [], 0.0),
        cols=plan.lines_between(plan.ex0 - 500, plan.ex1 + 500, 500.0, 80.0, [], 0.0),
        amp=35.0,
        wavelength=600.0,
        region=outside,
        keep=0.55,
        tree=True,
        spacing=40.0,
        row_tags=lambda j: (
            _named({"highway": "unclassified"}, _VILLAGE_LANE_NAMES, 3 + j // 3)
            if j % 3 == 0
            else {"highway": "unclassified"}
        ),
        col_tags=lambda k: {"highway": "unclassified" if k % 2 else "track"},
    )
    fields = shapely.difference(outside, shapely.union_all(groups)) if groups else outside
    plan.grid(
        centre=(0.0, 0.0),
        angle=math.radians(-6.0),
        rows=plan.lines_between(plan.ey0 - 500, plan.ey1 + 500, 240.0, 40.0, [], 0.0),
        cols=plan.lines_between(plan.ex0 - 500, plan.ex1 + 500, 260.0, 40.0, [], 0.0),
        amp=12.0,
        wavelength=400.0,
        region=fields,
        keep=0.22,
        tree=False,
        spacing=60.0,
        row_tags=lambda j: {"highway": "path"},
        col_tags=lambda k: {"highway": "track", "surface": "dirt"},
    )
    group_lanes = [w for w in plan.streets if w.tags.get("highway") == "service"]
    for i in rng.choice(len(group_lanes), size=min(3, len(group_lanes)), replace=False):
        group_lanes[int(i)].tags["oneway"] = "yes"

    # Ways the walking filter drops.
    plan.add(
        plan.curve([(2150, -1080), (2120, -900), (2000, -790)], spacing=25.0),
        {
            "highway": "service",
            "access": "private",
            "name": "岐阳水电站厂区",
            "name:en": "Qiyang Hydro Station Yard",
        },
    )
    road = LineString(qiyang)
    start = np.asarray(road.interpolate(road.project(Point(-2000, 380))).coords[0])
    plan.add(
        _resample(start + np.array([[0.0, 0.0], [40.0, -160.0], [140.0, -190.0]]), 30.0),
        {"highway": "service", "foot": "no", "name": "合作社货场", "name:en": "Cooperative Yard"},
    )


# -- joining, restoring and writing ----------------------------------------------------------


def _walk_labels(pool: _Pool, pieces: list[_Way]) -> tuple[np.ndarray, np.ndarray]:
    """Component label of every node over the walkable pieces, and which nodes are on one."""
    a, b = [], []
    for way, seq in zip(pieces, pool.seqs, strict=True):
        if seq is not None and walkable(way.tags):
            a.append(seq[:-1])
            b.append(seq[1:])
    a, b = np.concatenate(a), np.concatenate(b)
    n = len(pool.xy)
    _, labels = connected_components(
        coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False
    )
    on = np.zeros(n, dtype=bool)
    on[a] = on[b] = True
    return labels, on


def _restore(plan: _Plan, pieces: list[_Way], pool: _Pool, cuts: list[_Cut]) -> int:
    """Restore cut crossings, highest-ranked street first, where they join two parts of the
    walking network not yet joined (Kruskal). Returns the number restored."""
    labels, _ = _walk_labels(pool, pieces)
    parent = np.arange(labels.max() + 1)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    ranked = sorted(
        (
            (
                _RANK.get(c.tags.get("highway", ""), 9) + (10 if c.kind == "motorway" else 0),
                float(plan.rng.random()),
                i,
            )
            for i, c in enumerate(cuts)
        )
    )
    restored = 0
    for _, _, i in ranked:
        cut = cuts[i]
        left, right = pool.seqs[cut.left], pool.seqs[cut.right]
        if left is None or right is None or not walkable(cut.tags):
            continue
        a, b = int(left[-1]), int(right[0])
        ra, rb = find(labels[a]), find(labels[b])
        if ra == rb:
            continue
        parent[ra] = rb
        if cut.kind == "motorway":
            tags = dict(cut.tags)
            plan.underpasses.append(cut.point)
        else:
            tags = {**cut.tags, "bridge": "yes", "layer": "1"}
        pieces.append(_Way(pool.xy[[a, b]], tags, bridge=cut.kind != "motorway"))
        pool.seqs.append(np.array([a, b]))
        restored += 1
    return restored


def _join_scraps(
    plan: _Plan, pieces: list[_Way], pool: _Pool, *, reach_m: float = 400.0, k: int = 24
) -> int:
    """Join each scrap of the walking network (any part but the largest, smallest first)
    to another part by a path between their nearest nodes, if one within ``reach_m`` [m]
    crosses no barrier. Returns the number of paths laid."""
    labels, on = _walk_labels(pool, pieces)
    sizes = np.bincount(labels[on], minlength=labels.max() + 1)
    main = int(np.argmax(sizes))
    walk_nodes = np.flatnonzero(on)
    tree = cKDTree(pool.xy[walk_nodes])
    barrier = shapely.union_all([b.geom for b in plan.barriers]) if plan.barriers else None
    joined = 0
    scraps = [int(c) for c in np.argsort(sizes, kind="stable") if sizes[c] and c != main]
    for label in scraps:
        nodes = np.flatnonzero(on & (labels == label))
        dist, which = tree.query(pool.xy[nodes], k=min(k, len(walk_nodes)))
        dist, which = np.atleast_2d(dist), np.atleast_2d(which)
        dist = np.where(labels[walk_nodes[which]] == label, np.inf, dist)
        for flat in np.argsort(dist, axis=None, kind="stable")[:40]:
            i, j = np.unravel_index(flat, dist.shape)
            if dist[i, j] > reach_m:
                break
            a, b = int(nodes[i]), int(walk_nodes[which[i, j]])
            if barrier is None or not LineString(pool.xy[[a, b]]).intersects(barrier):
                pieces.append(_Way(pool.xy[[a, b]], {"highway": "path"}))
                pool.seqs.append(np.array([a, b]))
                joined += 1
                break
    return joined


def _intervals(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _motorway(plan: _Plan) -> list[_Way]:
    """The two carriageways (driving on the right), with bridges over the canals and over
    the streets that pass under."""
    if plan.motorway is None:
        return []
    centre = plan.motorway
    line = LineString(centre)
    s = _cumlen(centre)
    spans = [
        (line.project(Point(p)) - 25.0, line.project(Point(p)) + 25.0) for p in plan.underpasses
    ]
    for barrier in plan.barriers:
        if barrier.kind == "motorway":
            continue
        for p in shapely.get_parts(shapely.intersection(line, barrier.geom)):
            if shapely.get_type_id(p) == 0:
                spans.append((line.project(p) - 30.0, line.project(p) + 30.0))
    spans = _intervals(spans)
    d = np.gradient(centre, axis=0)
    right = np.column_stack([d[:, 1], -d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
    ways: list[_Way] = []
    for sign in (1.0, -1.0):
        xy = centre + sign * CARRIAGEWAY_OFFSET_M * right
        cum = s
        bridge_spans = spans
        if sign < 0:  # the other direction: reversed, on the other side
            xy, cum = xy[::-1], s[-1] - s[::-1]
            bridge_spans = sorted((s[-1] - b, s[-1] - a) for a, b in spans)
        pos = 0.0
        for a, b in bridge_spans:
            part = _substring(xy, cum, pos, a)
            if part is not None:
                ways.append(_Way(part, dict(plan.motorway_tags)))
            part = _substring(xy, cum, max(a, pos), b)
            if part is not None:
                ways.append(_Way(part, {**plan.motorway_tags, "bridge": "yes", "layer": "1"}, True))
            pos = max(pos, b)
        part = _substring(xy, cum, pos, float(cum[-1]))
        if part is not None:
            ways.append(_Way(part, dict(plan.motorway_tags)))
    return ways


def _write(path: Path, proj: Projection, pools: list[tuple[list[_Way], _Pool]]) -> dict:
    import osmium  # the compiled library is needed only here
    from osmium.osm.mutable import Node, Way

    header = osmium.io.Header()
    header.set("generator", GENERATOR)
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path), header=header, overwrite=True)
    highway: Counter = Counter()
    waterway: Counter = Counter()
    bridges = ways = nodes = 0
    try:
        base = 1
        for _, pool in pools:
            lat, lon = proj.inverse(pool.xy[:, 0], pool.xy[:, 1])
            for i, (la, lo) in enumerate(zip(np.round(lat, 7), np.round(lon, 7), strict=True)):
                writer.add_node(Node(id=base + i, version=1, location=(float(lo), float(la))))
            nodes += len(pool.xy)
            base += len(pool.xy)
        base_node, way_id = 1, 1
        for way_list, pool in pools:
            for way, seq in zip(way_list, pool.seqs, strict=True):
                if seq is None:
                    continue
                tags = {k: str(v) for k, v in way.tags.items()}
                refs = [base_node + int(r) for r in seq]
                writer.add_way(Way(id=way_id, version=1, nodes=refs, tags=tags))
                way_id += 1
                ways += 1
                if "highway" in tags:
                    highway[tags["highway"]] += 1
                if "waterway" in tags:
                    waterway[tags["waterway"]] += 1
                bridges += tags.get("bridge") == "yes"
            base_node += len(pool.xy)
    finally:
        writer.close()
    return {
        "nodes": nodes,
        "ways": ways,
        "highway": dict(sorted(highway.items())),
        "waterway": dict(sorted(waterway.items())),
        "bridges": bridges,
    }


def _area(boundary: dict, proj: Projection) -> Polygon:
    """The boundary (a GeoJSON Polygon, or the hull of a MultiPolygon) in the plane [m]."""
    kind = boundary.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"the boundary must be a GeoJSON Polygon, not {kind!r}")
    polygons = [boundary["coordinates"]] if kind == "Polygon" else boundary["coordinates"]
    rings = [np.asarray(polygon[0], dtype=float) for polygon in polygons]
    shells = [Polygon(np.column_stack(proj.forward(r[:, 1], r[:, 0]))).buffer(0) for r in rings]
    return shells[0] if len(shells) == 1 else shapely.union_all(shells).convex_hull


def write_demo_network(
    path: Path,
    *,
    boundary: dict,
    sites: list[tuple[float, float]],
    homes: list[tuple[float, float]],
    seed: int,
    style: str,
) -> dict:
    """Generate a plausible street network for a demo community and write it to ``path``
    as an OpenStreetMap PBF file (synthetic: see the module's docstring).

    Parameters
    ----------
    path : where to write the ``.osm.pbf`` file (replaced if it exists).
    boundary : the community's boundary, a GeoJSON Polygon [lon, lat °] (of a
        MultiPolygon, the convex hull is used).
    sites : (lat, lon) [°] of the community's sites; the first is its centre (the
        party-mass service centre), which the town's centre grid surrounds.
    homes : (lat, lon) [°] of its buildings; the streets reach them.
    seed : seed of the random generator: the same inputs and seed give the same bytes.
    style : ``"town"`` (Dongping-like) or ``"village"`` (Qiyang-like).

    Returns
    -------
    dict
        ``nodes`` and ``ways`` written, ways by ``highway`` and by ``waterway`` tag,
        ``bridges``, the ``lanes`` laid to sites and buildings far from a street, and the
        cut crossings ``restored`` and scraps ``joined`` to connect the walking network.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, not {style!r}")
    if not sites:
        raise ValueError("at least one site (the community's centre) is needed")
    proj = Projection(float(sites[0][0]), float(sites[0][1]))
    area = _area(boundary, proj)
    site_ll = np.asarray(sites, dtype=float).reshape(-1, 2)
    home_ll = np.asarray(homes, dtype=float).reshape(-1, 2)
    site_xy = np.column_stack(proj.forward(site_ll[:, 0], site_ll[:, 1]))
    home_xy = np.column_stack(proj.forward(home_ll[:, 0], home_ll[:, 1]))

    plan = _Plan(area, site_xy, home_xy, np.random.default_rng(seed))
    (_town if style == "town" else _village)(plan)
    plan.clip()
    lanes = plan.connect(
        site_xy, reach_m=SITE_REACH_M, tags_for=lambda length: {"highway": "footway"}
    )
    lanes += plan.connect(
        home_xy,
        reach_m=HOME_REACH_M,
        tags_for=lambda length: (
            {"highway": "service"} if length < 200.0 else {"highway": "track", "surface": "unpaved"}
        ),
    )
    pieces, cuts = plan.cut()
    pool = _node(pieces, at_grade=np.array([not p.bridge for p in pieces]))
    # Scraps first (paths on the same side of every barrier), then bridges and underpasses
    # where nothing else joins the parts, then what is left.
    joined = _join_scraps(plan, pieces, pool)
    restored = _restore(plan, pieces, pool, cuts)
    joined += _join_scraps(plan, pieces, pool)
    motorway = _motorway(plan)
    pools = [(pieces, pool)]
    if motorway:
        pools.append((motorway, _node(motorway, at_grade=np.zeros(len(motorway), dtype=bool))))
    pools.append((plan.water, _node(plan.water, at_grade=np.ones(len(plan.water), dtype=bool))))
    summary = _write(Path(path), proj, pools)
    return {**summary, "lanes": lanes, "restored": restored, "joined": joined}
