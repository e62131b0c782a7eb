"""The compiled loops of :mod:`.snap`: the grid of segments and the ring search.

Kept apart so that Numba is imported with the first snap, not with every command that
imports the circle package. Compiled code is cached beside this file (``cache=True``).
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _index(value, origin, cell, n):
    """The cell index of a coordinate along one axis, clipped to the grid."""
    return min(max(math.floor((value - origin) / cell), 0), n - 1)


@numba.njit(cache=True)
def register(x1, y1, x2, y2, x0, y0, cell, nx, ny):
    """Every segment in every cell one of its pieces (no longer than a cell) touches, once:
    a count pass, then a fill pass, into compressed rows (``start``, ``items``)."""
    cells = nx * ny
    start = np.zeros(cells + 1, dtype=np.int64)
    last = np.full(cells, -1, dtype=np.int64)  # the last segment listed in each cell
    items = np.empty(0, dtype=np.int32)
    cursor = np.empty(0, dtype=np.int64)
    for fill in range(2):
        if fill:
            for c in range(cells):
                start[c + 1] += start[c]
            items = np.empty(start[cells], dtype=np.int32)
            cursor = start[:-1].copy()
            last[:] = -1
        for s in range(len(x1)):
            dx, dy = x2[s] - x1[s], y2[s] - y1[s]
            pieces = max(1, math.ceil(math.hypot(dx, dy) / cell))
            for k in range(pieces):
                ax, ay = x1[s] + k / pieces * dx, y1[s] + k / pieces * dy
                bx, by = x1[s] + (k + 1) / pieces * dx, y1[s] + (k + 1) / pieces * dy
                iy0, iy1 = _index(min(ay, by), y0, cell, ny), _index(max(ay, by), y0, cell, ny)
                ix0, ix1 = _index(min(ax, bx), x0, cell, nx), _index(max(ax, bx), x0, cell, nx)
                for iy in range(iy0, iy1 + 1):
                    for ix in range(ix0, ix1 + 1):
                        c = iy * nx + ix
                        if last[c] == s:
                            continue
                        last[c] = s
                        if fill:
                            items[cursor[c]] = s
                            cursor[c] += 1
                        else:
                            start[c + 1] += 1
    return start, items


@numba.njit(cache=True, inline="always")
def _visit(c, p_x, p_y, segments, start, items, best):
    """The cell's segments against the best so far (squared distance, segment, t)."""
    x1, y1, x2, y2 = segments
    best_d2, best_s, best_t = best
    for k in range(start[c], start[c + 1]):
        s = items[k]
        dx, dy = x2[s] - x1[s], y2[s] - y1[s]
        norm = dx * dx + dy * dy
        t = ((p_x - x1[s]) * dx + (p_y - y1[s]) * dy) / norm if norm > 0.0 else 0.0
        t = min(max(t, 0.0), 1.0)
        ex, ey = p_x - (x1[s] + t * dx), p_y - (y1[s] + t * dy)
        d2 = ex * ex + ey * ey
        if d2 < best_d2 or (d2 == best_d2 and s < best_s):
            best_d2, best_s, best_t = d2, s, t
    return best_d2, best_s, best_t


@numba.njit(parallel=True, cache=True)
def nearest(px, py, segments, start, items, x0, y0, cell, nx, ny, edge, t, dist, rings):
    for i in numba.prange(len(px)):
        p_x, p_y = px[i], py[i]
        cx, cy = _index(p_x, x0, cell, nx), _index(p_y, y0, cell, ny)
        best = (np.inf, -1, 0.0)
        r = 0
        while True:
            if r == 0:
                best = _visit(cy * nx + cx, p_x, p_y, segments, start, items, best)
            else:  # the ring of cells at Chebyshev distance r, within the grid
                for ix in range(max(cx - r, 0), min(cx + r, nx - 1) + 1):
                    for iy in (cy - r, cy + r):
                        if 0 <= iy < ny:
                            best = _visit(iy * nx + ix, p_x, p_y, segments, start, items, best)
                for iy in range(max(cy - r + 1, 0), min(cy + r - 1, ny - 1) + 1):
                    for ix in (cx - r, cx + r):
                        if 0 <= ix < nx:
                            best = _visit(iy * nx + ix, p_x, p_y, segments, start, items, best)
            # No unseen segment is nearer than the block's nearest inner side (a side on the
            # grid's edge has nothing beyond it).
            bound = np.inf
            if cx - r > 0:
                bound = min(bound, p_x - (x0 + (cx - r) * cell))
            if cx + r < nx - 1:
                bound = min(bound, x0 + (cx + r + 1) * cell - p_x)
            if cy - r > 0:
                bound = min(bound, p_y - (y0 + (cy - r) * cell))
            if cy + r < ny - 1:
                bound = min(bound, y0 + (cy + r + 1) * cell - p_y)
            if best[0] <= bound * bound:
                break
            r += 1
        dist[i] = math.sqrt(best[0])
        edge[i], t[i] = best[1], best[2]
        rings[i] = r
