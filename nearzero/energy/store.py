"""The interval-data store: append-only Parquet files, aggregated with DuckDB.

Layout (one file per import batch and local month; never rewritten)::

    <root>/interval/community=<slug>/month=<YYYY-MM>/batch-<batch_id:08d>.parquet

Columns: ``meter_id`` int64, ``ts`` timestamp[us, UTC] (interval start), ``value`` float64
(the interval's energy in the meter's canonical unit: kWh, m³ or GJ; null when unknown),
``reading`` float64 (a counter's register at the interval's end; null for interval meters),
``revision`` bool (this row changes a value stored by an earlier batch), ``batch_id`` int64.
Rows are sorted by (meter_id, ts). The month is the reading's *local* month in the community's
time zone, so late data lands in the partition of the month it belongs to.

Versions: a (meter, ts) may have several rows, one per batch that changed it; the latest batch
wins in every aggregate. A key has more than one row only if one of them is a revision, so
aggregates first look for revision rows in the partitions they read (a cheap, statistics-
pruned scan) and only then exclude superseded versions.

Nothing here loads all readings into memory: aggregates run in DuckDB over the files of the
partitions they need; only results (one row per meter and day, month or bucket) come back.
This module does not import Django: the energy app's services and selectors call it.

SQL is assembled from integers, time-zone offsets, validated community slugs and the file
paths this module builds, never from user text; ruff's S608 is silenced line by line for that.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from nearzero.core.energy.intervals import (
    READING_SCHEMA,
    Parsed,
    from_epoch_us,
    local_midnight_us,
    local_months,
    to_epoch_us,
    utc_offset_segments,
)
from nearzero.core.errors import DomainError

try:  # file locks: fcntl on Linux and macOS, msvcrt on Windows
    import fcntl

    msvcrt = None
except ImportError:  # pragma: no cover - Windows
    import msvcrt

    fcntl = None

STORE_SCHEMA = pa.schema(
    [
        *READING_SCHEMA,
        pa.field("revision", pa.bool_(), nullable=False),
        pa.field("batch_id", pa.int64(), nullable=False),
    ]
)

#: Interval length assumed for a meter absent from ``resolution_min`` [min]: the 96-points-a-
#: day load curve of grid companies' electricity information collection systems.
DEFAULT_RESOLUTION_MIN = 15
#: The demand period of maximum demand (最大需量) [min]. DL/T 614-2007 (multi-function
#: watt-hour meters) lets a meter use 5–60 min and 15 min is the usual setting on which
#: two-part tariffs bill demand. Meters slide the window (typically by 1 min); block windows
#: over interval data can read lower (see docs/algorithms/interval-data.md).
DEMAND_PERIOD_MIN = 15
#: Rows per Parquet row group: small enough for DuckDB to prune by meter_id/ts statistics and
#: spread work over threads, large enough to keep metadata small (one month of 1,000 meters at
#: 15 min is 11 row groups).
ROW_GROUP_ROWS = 262_144

_US_PER_MIN = 60_000_000
_US_PER_DAY = 86_400_000_000
_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")


class StoreError(DomainError):
    pass


@dataclass(frozen=True)
class IngestResult:
    """What one batch did to the store.

    ``inserted`` counts the rows written: new intervals and ``revisions`` (rows that change a
    stored value; they are written, flagged, and win from then on). ``duplicates`` are rows
    identical to what is stored (not written). ``months`` are the local months (``YYYY-MM``)
    that received rows: their aggregates must be recomputed.
    """

    inserted: int
    duplicates: int
    revisions: int
    months: set[str]
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class BatchSummary:
    """The numbers an import batch records: rows in = inserted + duplicates + rejected."""

    rows_in: int
    inserted: int
    duplicates: int
    rejected: int
    revisions: int
    months: tuple[str, ...]


def summarize(parsed: Parsed, result: IngestResult) -> BatchSummary:
    """Combine the parser's and the store's counts; fails loudly if they do not add up."""
    duplicates = parsed.duplicates_in_file + result.duplicates
    summary = BatchSummary(
        rows_in=parsed.rows_in,
        inserted=result.inserted,
        duplicates=duplicates,
        rejected=parsed.rejected_count,
        revisions=result.revisions,
        months=tuple(sorted(result.months)),
    )
    if summary.inserted + summary.duplicates + summary.rejected != summary.rows_in:
        raise StoreError(
            "counts_mismatch", f"rows in ≠ inserted + duplicates + rejected: {summary}"
        )
    return summary


# --- helpers -----------------------------------------------------------------------------------


def _month_key(month: np.datetime64) -> str:
    return str(month)[:7]


def _months_between(first: str, last: str) -> list[str]:
    a, b = np.datetime64(first, "M"), np.datetime64(last, "M")
    return [_month_key(m) for m in np.arange(a, b + 1, dtype="datetime64[M]")]


def _sql_list(items: Iterable[str]) -> str:
    return "[" + ", ".join("'" + str(i).replace("'", "''") + "'" for i in items) + "]"


#: Longest meter list sent to DuckDB as an IN list: its planning cost grows with the list
#: (measured: 1,000 constants cost ~13 ms per scanned month with DuckDB 2.0). Longer lists are
#: sent as their min–max range, which still prunes row groups, and cut exactly afterwards.
IN_LIST_MAX = 64


def _meter_filter(meter_ids: Sequence[int] | None) -> str:
    """A predicate that keeps at least ``meter_ids`` (callers keep exactly them)."""
    if meter_ids is None:
        return ""
    ids = sorted({int(m) for m in meter_ids})
    if not ids:
        return " AND FALSE"
    if ids[-1] - ids[0] + 1 == len(ids) or len(ids) > IN_LIST_MAX:
        return f" AND meter_id BETWEEN {ids[0]} AND {ids[-1]}"
    return f" AND meter_id IN ({', '.join(str(i) for i in ids)})"


def _only(frame: pd.DataFrame, meter_ids: Sequence[int] | None) -> pd.DataFrame:
    if meter_ids is None:
        return frame.reset_index(drop=True)
    return frame[frame["meter_id"].isin([int(m) for m in meter_ids])].reset_index(drop=True)


def local_us_sql(time_zone: str, start_us: int, end_us: int, column: str = "ts") -> str:
    """SQL for the wall-clock µs of ``column`` (a UTC timestamp) in ``time_zone``.

    A constant offset for zones without daylight saving in the range (Asia/Shanghai: + 8 h);
    a CASE over the transitions otherwise. The same segments cut the partitions at ingest
    (:func:`nearzero.core.energy.intervals.local_epoch_us`), so both agree to the µs.
    """
    bounds, offsets = utc_offset_segments(time_zone, start_us, end_us)
    epoch = f"epoch_us({column})"
    if len(offsets) == 1:
        return f"({epoch} + {offsets[0]})"
    cases = " ".join(
        f"WHEN {epoch} < {bound} THEN {offset}"
        for bound, offset in zip(bounds[1:], offsets[:-1], strict=True)
    )
    return f"({epoch} + CASE {cases} ELSE {offsets[-1]} END)"


def _resolution_us(resolution_min: int | Mapping[int, int], meter_ids: np.ndarray) -> np.ndarray:
    if isinstance(resolution_min, Mapping):
        minutes = [resolution_min.get(int(m), DEFAULT_RESOLUTION_MIN) for m in meter_ids]
    else:
        minutes = [resolution_min] * len(meter_ids)
    return np.asarray(minutes, dtype=np.int64) * _US_PER_MIN


def _conform(table: pa.Table) -> pa.Table:
    """The incoming table with exactly :data:`READING_SCHEMA` (``reading`` may be absent)."""
    if "reading" not in table.column_names:
        table = table.append_column("reading", pa.nulls(table.num_rows, pa.float64()))
    try:
        table = table.select(READING_SCHEMA.names).cast(READING_SCHEMA)
    except (KeyError, pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
        raise StoreError(
            "bad_table", f"the readings do not fit the store's schema: {exc}"
        ) from None
    if table["meter_id"].null_count or table["ts"].null_count:
        raise StoreError("bad_table", "meter_id and ts must not be null")
    return table


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` for the time of a read–compare–write (one machine)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        else:  # pragma: no cover - Windows
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)
            else:  # pragma: no cover - Windows
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)


# --- the store ---------------------------------------------------------------------------------


class IntervalStore:
    """Append-only Parquet store of interval readings under ``root / "interval"``.

    Parameters
    ----------
    root : Path
        The data folder.
    threads : int, optional
        DuckDB worker threads (default: all cores).
    memory_limit : str, optional
        DuckDB memory limit, e.g. ``"4GB"``; beyond it DuckDB spills to disk.
    """

    def __init__(
        self, root: Path | str, *, threads: int | None = None, memory_limit: str | None = None
    ) -> None:
        self.root = Path(root)
        config = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self._db = duckdb.connect(":memory:", config=config)

    # -- layout

    def community_dir(self, community: str) -> Path:
        if not _SLUG.match(community or ""):
            raise StoreError("bad_community", f"not a community slug: {community!r}")
        return self.root / "interval" / f"community={community}"

    def months(self, community: str) -> list[str]:
        """The local months that have data, oldest first."""
        base = self.community_dir(community)
        if not base.is_dir():
            return []
        return sorted(
            p.name[len("month=") :]
            for p in base.glob("month=*")
            if p.is_dir() and any(p.glob("*.parquet"))
        )

    def files(self, community: str, months: Iterable[str]) -> list[Path]:
        """The batch files of the given months that exist."""
        base = self.community_dir(community)
        out: list[Path] = []
        for month in sorted(set(months)):
            out += sorted((base / f"month={month}").glob("batch-*.parquet"))
        return out

    def _window_files(self, community: str, start_us: int, end_us: int, time_zone: str):
        """Files of the months a [start, end) window touches, padded by a day on each side so
        that a partition cut in another zone is never missed (others are pruned by ts stats)."""
        if end_us <= start_us:
            return []
        months = local_months(np.array([start_us - _US_PER_DAY, end_us + _US_PER_DAY]), time_zone)
        return self.files(community, _months_between(*(_month_key(m) for m in months)))

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        return self._db.cursor()

    # -- versions

    def _revised(self, con, files: list[Path], where: str) -> set[Path]:
        """The month folders among ``files`` with revision rows matching ``where`` (a scan of
        the boolean ``revision`` column, pruned by its row-group statistics)."""
        if not files:
            return set()
        rows = con.execute(
            f"SELECT DISTINCT filename FROM read_parquet({_sql_list(map(str, files))}, "  # noqa: S608
            f"hive_partitioning = false, filename = true) WHERE revision {where}"
        ).fetchall()
        return {Path(name).parent for (name,) in rows}

    def _source(
        self,
        con,
        files: list[Path],
        where: str,
        name: str = "superseded",
        revised: set[Path] | None = None,
    ) -> str:
        """SQL for the latest version of each (meter, ts) among ``files``.

        ``where`` filters rows (ts window, meters). If revisions exist there (``revised``, if
        the caller looked already), the superseded versions are found once and anti-joined
        (registered as ``name`` on ``con``).
        """
        scan = f"read_parquet({_sql_list(map(str, files))}, hive_partitioning = false)"
        if revised is None:
            revised = self._revised(con, files, where)
        candidates = [f for f in files if f.parent in revised]
        if not candidates:
            return scan
        superseded = con.sql(
            f"""
            WITH rev AS (
                SELECT DISTINCT meter_id, ts
                FROM read_parquet({_sql_list(map(str, candidates))}, hive_partitioning = false)
                WHERE revision {where}
            )
            SELECT f.meter_id, f.ts, f.batch_id
            FROM read_parquet({_sql_list(map(str, candidates))}, hive_partitioning = false) f
            SEMI JOIN rev USING (meter_id, ts)
            QUALIFY f.batch_id < max(f.batch_id) OVER (PARTITION BY f.meter_id, f.ts)
            """  # noqa: S608
        ).to_arrow_table()
        con.register(name, superseded)
        return f"(SELECT * FROM {scan} ANTI JOIN {name} USING (meter_id, ts, batch_id))"  # noqa: S608

    # -- writing

    def ingest(
        self, table: pa.Table, *, community: str, time_zone: str, batch_id: int
    ) -> IngestResult:
        """Append one batch of readings (:data:`READING_SCHEMA`, unique (meter_id, ts)).

        Each row is compared with the latest stored version of its (meter, ts) in the
        partitions it falls in: identical (value and reading) → duplicate, not written;
        different → written with ``revision = true``; absent → written. Writing is atomic
        per file (temporary name, then rename) and never touches an existing file. Ingests
        of one community are serialised by a lock file.

        Raises
        ------
        StoreError
            ``bad_table`` (schema, nulls, repeated keys) or ``batch_exists`` (this batch id
            already wrote a file that would be written again; discard it first).
        """
        table = _conform(table)
        if table.num_rows == 0:
            return IngestResult(0, 0, 0, set())
        ts_us = table["ts"].cast(pa.int64()).to_numpy()
        meter = table["meter_id"].to_numpy()
        if _has_repeats(meter, ts_us):
            raise StoreError("bad_table", "a (meter_id, ts) appears twice in one batch")
        month_of_row = local_months(ts_us, time_zone)
        base = self.community_dir(community)
        with _locked(base / ".lock"):
            existing = self._window_files(
                community, int(ts_us.min()), int(ts_us.max()) + 1, time_zone
            )
            if existing:
                state = self._compare(table, existing, int(ts_us.min()), int(ts_us.max()))
            else:
                state = np.zeros(table.num_rows, dtype=np.int8)
            write = state != 1
            revisions = int((state == 2).sum())
            if not write.any():
                return IngestResult(0, int((state == 1).sum()), 0, set())
            out = table.filter(pa.array(write)).append_column(
                "revision", pa.array(state[write] == 2)
            )
            out = out.append_column("batch_id", pa.array(np.full(out.num_rows, batch_id)))
            months_written = month_of_row[write]
            targets = {}
            for month in np.unique(months_written):
                key = _month_key(month)
                path = base / f"month={key}" / f"batch-{batch_id:08d}.parquet"
                if path.exists():
                    raise StoreError(
                        "batch_exists", f"batch {batch_id} already wrote {path.name} for {key}"
                    )
                targets[key] = (month, path)
            files = []
            for _key, (month, path) in sorted(targets.items()):
                part = out.filter(pa.array(months_written == month))
                part = part.sort_by([("meter_id", "ascending"), ("ts", "ascending")])
                _write_atomic(part.cast(STORE_SCHEMA), path)
                files.append(path)
        return IngestResult(
            inserted=int(write.sum()),
            duplicates=int((state == 1).sum()),
            revisions=revisions,
            months=set(targets),
            files=files,
        )

    def _compare(self, table: pa.Table, files: list[Path], lo_us: int, hi_us: int) -> np.ndarray:
        """Per incoming row: 0 new, 1 identical to the stored latest version, 2 a revision."""
        con = self._cursor()
        try:
            incoming = table.append_column("row", pa.array(np.arange(table.num_rows)))
            con.register("incoming", incoming)
            meters = np.unique(table["meter_id"].to_numpy())
            where = (
                f" AND ts >= {_tz_literal(lo_us)} AND ts <= {_tz_literal(hi_us)}"
                + _meter_filter(meters.tolist())
            )
            source = self._source(con, files, where)
            found = con.execute(
                f"""
                SELECT i.row,
                       CASE WHEN s.value IS NOT DISTINCT FROM i.value
                             AND s.reading IS NOT DISTINCT FROM i.reading THEN 1 ELSE 2 END AS state
                FROM incoming i
                JOIN (SELECT meter_id, ts, value, reading FROM {source} WHERE TRUE {where}) s
                  USING (meter_id, ts)
                """  # noqa: S608
            ).fetchnumpy()
        finally:
            con.close()
        state = np.zeros(table.num_rows, dtype=np.int8)
        state[found["row"].astype(np.int64)] = found["state"].astype(np.int8)
        return state

    def discard_batch(self, community: str, batch_id: int) -> list[Path]:
        """Delete the files of a batch whose database transaction failed (the only deletion
        the store allows: a batch that was never committed is not history)."""
        base = self.community_dir(community)
        removed = []
        with _locked(base / ".lock"):
            for path in sorted(base.glob(f"month=*/batch-{batch_id:08d}.parquet")):
                path.unlink()
                removed.append(path)
        return removed

    # -- reading

    def daily(
        self,
        community: str,
        meter_ids: Sequence[int] | None,
        start: dt.date,
        end: dt.date,
        time_zone: str,
        *,
        resolution_min: int | Mapping[int, int] = DEFAULT_RESOLUTION_MIN,
    ) -> pd.DataFrame:
        """Energy per meter and local day, days cut at local midnight in ``time_zone``.

        Parameters
        ----------
        start, end : datetime.date
            Local days, ``end`` excluded.
        meter_ids : sequence of int or None
            None: every meter with data in the window.
        resolution_min : int or mapping of meter_id to int
            Each meter's interval [min], for ``expected_intervals``.

        Returns
        -------
        pandas.DataFrame
            ``meter_id``, ``day`` (datetime.date), ``kwh`` (sum of the day's interval values
            in the canonical unit: kWh, or m³ / GJ for gas, water and heat meters; NaN when
            the day has no value — never 0), ``intervals`` (values found),
            ``expected_intervals`` (day length / resolution: 96 at 15 min, 92 or 100 on a
            daylight-saving day). One row per meter and day, data or not.
        """
        bounds = _day_bounds_us(start, end, time_zone)
        if bounds.size < 2:
            return _empty_daily("day")
        a, b = int(bounds[0]), int(bounds[-1])
        local = local_us_sql(time_zone, a, b)
        con = self._cursor()
        try:
            files = self._window_files(community, a, b, time_zone)
            rows = {"meter_id": [], "bucket": [], "kwh": [], "intervals": []}
            if files:
                where = _ts_where(a, b) + _meter_filter(meter_ids)
                source = self._source(con, files, where)
                rows = con.execute(
                    f"""
                    SELECT meter_id, {local} // {_US_PER_DAY} AS bucket,
                           sum(value) AS kwh, count(value) AS intervals
                    FROM {source} WHERE TRUE {where} GROUP BY ALL
                    """  # noqa: S608
                ).fetchnumpy()
        finally:
            con.close()
        first_day = (np.datetime64(start, "D") - np.datetime64("1970-01-01", "D")).astype(int)
        lengths = np.diff(bounds)
        return _grid(
            rows, meter_ids, first_day + np.arange(lengths.size), lengths, resolution_min, "day"
        )

    def monthly(
        self,
        community: str,
        meter_ids: Sequence[int] | None,
        start: dt.date,
        end: dt.date,
        time_zone: str,
        *,
        resolution_min: int | Mapping[int, int] = DEFAULT_RESOLUTION_MIN,
    ) -> pd.DataFrame:
        """Energy per meter and local month within [start, end) (local dates).

        Same columns as :meth:`daily` with ``month`` (datetime.date, the 1st) instead of
        ``day``. A month cut by the window counts only its days inside it. Each month is one
        DuckDB subquery over that month's partitions (padded by the neighbours).
        """
        if end <= start:
            return _empty_daily("month")
        months = _months_between(
            start.isoformat()[:7], (end - dt.timedelta(days=1)).isoformat()[:7]
        )
        edges = []  # (month label, window start µs, window end µs)
        for key in months:
            first = dt.date.fromisoformat(key + "-01")
            nxt = (np.datetime64(key, "M") + 1).astype("datetime64[D]").astype(object)
            lo, hi = max(first, start), min(nxt, end)
            edges.append((key, local_midnight_us(lo, time_zone), local_midnight_us(hi, time_zone)))
        con = self._cursor()
        try:
            everything = self._window_files(community, edges[0][1], edges[-1][2], time_zone)
            revised = self._revised(
                con, everything, _ts_where(edges[0][1], edges[-1][2]) + _meter_filter(meter_ids)
            )
            parts = []
            for i, (_key, lo, hi) in enumerate(edges):
                files = self._window_files(community, lo, hi, time_zone)
                if not files:
                    continue
                where = _ts_where(lo, hi) + _meter_filter(meter_ids)
                source = self._source(con, files, where, name=f"superseded_{i}", revised=revised)
                parts.append(
                    f"SELECT meter_id, {i} AS bucket, sum(value) AS kwh, count(value) AS intervals "  # noqa: S608
                    f"FROM {source} WHERE TRUE {where} GROUP BY meter_id"
                )
            rows = {"meter_id": [], "bucket": [], "kwh": [], "intervals": []}
            if parts:
                rows = con.execute(" UNION ALL ".join(parts)).fetchnumpy()
        finally:
            con.close()
        lengths = np.array([hi - lo for _k, lo, hi in edges], dtype=np.int64)
        frame = _grid(rows, meter_ids, np.arange(len(edges)), lengths, resolution_min, "month")
        labels = np.array([dt.date.fromisoformat(k + "-01") for k, _lo, _hi in edges], dtype=object)
        frame["month"] = labels[frame["month"].to_numpy(dtype=np.int64)]
        return frame

    def peak_demand_kw(
        self,
        community: str,
        meter_ids: Sequence[int] | None,
        month: str | dt.date,
        time_zone: str,
        *,
        resolution_min: int | Mapping[int, int] = DEFAULT_RESOLUTION_MIN,
        period_min: int = DEMAND_PERIOD_MIN,
    ) -> pd.DataFrame:
        """Maximum demand per meter in a local month [kW]: the largest energy of a demand
        period (default 15 min, local clock-aligned) × 60 / period.

        Finer readings (1, 5 min) are summed into the period first; a meter with a coarser
        resolution (30, 60 min) uses its own interval as the period. A period with missing
        readings sums what exists, so a gap can only lower the peak.

        Returns
        -------
        pandas.DataFrame
            ``meter_id``, ``peak_kw``, ``peak_start`` (UTC, pandas Timestamp), ``period_min``,
            ``intervals`` (readings in the peak period). Meters without data are absent.
        """
        key = month if isinstance(month, str) else month.isoformat()[:7]
        first = dt.date.fromisoformat(key[:7] + "-01")
        nxt = (np.datetime64(key[:7], "M") + 1).astype("datetime64[D]").astype(object)
        a, b = local_midnight_us(first, time_zone), local_midnight_us(nxt, time_zone)
        local = local_us_sql(time_zone, a, b)
        columns = ("meter_id", "peak_kw", "peak_start", "period_min", "intervals")
        frames = [pd.DataFrame({c: [] for c in columns})]
        con = self._cursor()
        try:
            files = self._window_files(community, a, b, time_zone)
            where = _ts_where(a, b) + _meter_filter(meter_ids)
            source = self._source(con, files, where) if files else ""
            for period_us, only, exclude in _demand_periods(resolution_min, meter_ids, period_min):
                if not files:
                    break
                rows = con.execute(
                    f"""
                    WITH b AS (
                        SELECT meter_id, {local} // {period_us} AS bucket,
                               min({local} - epoch_us(ts)) AS offset_us,
                               sum(value) AS energy, count(value) AS intervals
                        FROM {source} WHERE value IS NOT NULL {where} {_meter_filter(only)}
                        GROUP BY ALL
                    )
                    SELECT meter_id, max(energy) AS energy,
                           max_by(bucket * {period_us} - offset_us, (energy, -bucket)) AS start_us,
                           max_by(intervals, (energy, -bucket)) AS intervals
                    FROM b GROUP BY meter_id
                    """  # noqa: S608
                ).fetchnumpy()
                frame = pd.DataFrame(
                    {
                        "meter_id": rows["meter_id"].astype(np.int64),
                        "peak_kw": rows["energy"].astype(np.float64)
                        * (60 * _US_PER_MIN / period_us),
                        "peak_start": pd.to_datetime(
                            rows["start_us"].astype(np.int64), unit="us", utc=True
                        ),
                        "period_min": int(period_us // _US_PER_MIN),
                        "intervals": rows["intervals"].astype(np.int64),
                    }
                )
                frame = _only(frame, only if only is not None else meter_ids)
                frames.append(frame[~frame["meter_id"].isin(exclude)])
        finally:
            con.close()
        out = pd.concat([f for f in frames if len(f)] or frames[:1])
        return out.sort_values("meter_id").reset_index(drop=True)

    def gaps(
        self,
        community: str,
        meter_id: int,
        start: dt.datetime,
        end: dt.datetime,
        resolution_min: int,
        *,
        time_zone: str = "UTC",
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Missing intervals of one meter in [start, end), merged into (start, end) ranges.

        Slots of ``resolution_min`` start at ``start``; a slot is present if a value (not
        null) starts in it. Returns UTC datetimes, each range's end excluded. ``time_zone``
        only widens the partitions read (use the community's).
        """
        a, b = to_epoch_us(start), to_epoch_us(end)
        res_us = int(resolution_min) * _US_PER_MIN
        slots = -(-(b - a) // res_us)
        present = np.array([], dtype=np.int64)
        con = self._cursor()
        try:
            files = self._window_files(community, a, b, time_zone)
            if files:
                where = _ts_where(a, b) + _meter_filter([meter_id])
                source = self._source(con, files, where)
                present = (
                    con.execute(
                        f"""
                    SELECT DISTINCT (epoch_us(ts) - {a}) // {res_us} AS slot
                    FROM {source} WHERE value IS NOT NULL {where} ORDER BY slot
                    """  # noqa: S608
                    )
                    .fetchnumpy()["slot"]
                    .astype(np.int64)
                )
        finally:
            con.close()
        edges = np.concatenate(([-1], present, [slots]))
        jumps = np.flatnonzero(np.diff(edges) > 1)
        return [
            (
                from_epoch_us(a + (edges[j] + 1) * res_us),
                from_epoch_us(min(a + edges[j + 1] * res_us, b)),
            )
            for j in jumps.tolist()
        ]

    def series(
        self,
        community: str,
        meter_ids: Sequence[int] | None,
        start: dt.datetime,
        end: dt.datetime,
        resolution_min: int,
        *,
        time_zone: str = "UTC",
    ) -> pd.DataFrame:
        """Values per meter summed into ``resolution_min`` buckets from ``start`` (charts,
        co-timed generation and load for self-consumption).

        Returns long format: ``meter_id``, ``ts`` (bucket start, UTC), ``kwh`` (canonical
        unit), ``intervals`` (values in the bucket). A bucket without values is absent —
        pivot and the hole shows as NaN, never 0. The caller bounds the window: the result
        has up to meters × buckets rows.
        """
        a, b = to_epoch_us(start), to_epoch_us(end)
        res_us = int(resolution_min) * _US_PER_MIN
        con = self._cursor()
        try:
            files = self._window_files(community, a, b, time_zone)
            if not files:
                return pd.DataFrame({"meter_id": [], "ts": [], "kwh": [], "intervals": []})
            where = _ts_where(a, b) + _meter_filter(meter_ids)
            source = self._source(con, files, where)
            rows = con.execute(
                f"""
                SELECT meter_id, {a} + (epoch_us(ts) - {a}) // {res_us} * {res_us} AS ts_us,
                       sum(value) AS kwh, count(value) AS intervals
                FROM {source} WHERE value IS NOT NULL {where}
                GROUP BY ALL ORDER BY meter_id, ts_us
                """  # noqa: S608
            ).fetchnumpy()
        finally:
            con.close()
        frame = pd.DataFrame(
            {
                "meter_id": rows["meter_id"].astype(np.int64),
                "ts": pd.to_datetime(rows["ts_us"].astype(np.int64), unit="us", utc=True),
                "kwh": rows["kwh"].astype(np.float64),
                "intervals": rows["intervals"].astype(np.int64),
            }
        )
        return _only(frame, meter_ids)

    def last_readings(
        self, community: str, before: Mapping[int, dt.datetime]
    ) -> dict[int, tuple[dt.datetime, float]]:
        """The last stored counter reading of each meter strictly before a time.

        ``before`` maps meter_id → an interval start (UTC). Returns meter_id → (ts, reading):
        the interval start of the latest stored row with a reading and the register at its
        end, canonical unit — what :func:`~nearzero.core.energy.intervals.parse_csv` takes as
        ``previous`` (pass ``lambda first: store.last_readings(slug, first)``). Partitions are
        searched from the newest month back until every meter is found.
        """
        wanted = {int(m): to_epoch_us(t) for m, t in before.items()}
        found: dict[int, tuple[dt.datetime, float]] = {}
        if not wanted:
            return found
        latest = max(wanted.values())
        last = _month_key(np.datetime64(latest + _US_PER_DAY, "us").astype("datetime64[M]"))
        months = [m for m in self.months(community) if m <= last]
        con = self._cursor()
        try:
            while months and len(found) < len(wanted):
                chunk, months = months[-3:], months[:-3]
                missing = {m: t for m, t in wanted.items() if m not in found}
                con.register(
                    "wanted",
                    pa.table({"meter_id": list(missing), "before_us": list(missing.values())}),
                )
                files = self.files(community, chunk)
                where = _meter_filter(list(missing))
                source = self._source(con, files, where)
                rows = con.execute(
                    f"""
                    SELECT s.meter_id, epoch_us(s.ts) AS ts_us, s.reading
                    FROM {source} s JOIN wanted w USING (meter_id)
                    WHERE s.reading IS NOT NULL AND epoch_us(s.ts) < w.before_us
                    QUALIFY row_number() OVER (PARTITION BY s.meter_id ORDER BY s.ts DESC) = 1
                    """  # noqa: S608
                ).fetchall()
                con.unregister("wanted")
                for meter, ts_us, reading in rows:
                    found[int(meter)] = (from_epoch_us(ts_us), float(reading))
        finally:
            con.close()
        return found

    def revisions(
        self,
        community: str,
        meter_ids: Sequence[int] | None,
        start: dt.datetime,
        end: dt.datetime,
        *,
        time_zone: str = "UTC",
    ) -> pd.DataFrame:
        """Every revision in [start, end): ``meter_id``, ``ts`` (UTC), ``value``, ``batch_id``,
        ``previous_value`` and ``previous_batch_id`` (the version it replaced)."""
        a, b = to_epoch_us(start), to_epoch_us(end)
        columns = ["meter_id", "ts", "value", "batch_id", "previous_value", "previous_batch_id"]
        con = self._cursor()
        try:
            files = self._window_files(community, a, b, time_zone)
            if not files:
                return pd.DataFrame({c: [] for c in columns})
            scan = f"read_parquet({_sql_list(map(str, files))}, hive_partitioning = false)"
            where = _ts_where(a, b) + _meter_filter(meter_ids)
            rows = con.execute(
                f"""
                WITH rev AS (SELECT DISTINCT meter_id, ts FROM {scan} WHERE revision {where}),
                versions AS (
                    SELECT f.meter_id, epoch_us(f.ts) AS ts_us, f.value, f.batch_id, f.revision,
                           lag(f.value) OVER w AS previous_value,
                           lag(f.batch_id) OVER w AS previous_batch_id
                    FROM {scan} f SEMI JOIN rev USING (meter_id, ts)
                    WINDOW w AS (PARTITION BY f.meter_id, f.ts ORDER BY f.batch_id)
                )
                SELECT * EXCLUDE (revision) FROM versions WHERE revision
                ORDER BY meter_id, ts_us, batch_id
                """  # noqa: S608
            ).fetchdf()
        finally:
            con.close()
        rows.insert(1, "ts", pd.to_datetime(rows.pop("ts_us"), unit="us", utc=True))
        return _only(rows[columns], meter_ids)


# --- module helpers ----------------------------------------------------------------------------


def _demand_periods(
    resolution_min: int | Mapping[int, int], meter_ids: Sequence[int] | None, period_min: int
) -> list[tuple[int, list[int] | None, set[int]]]:
    """(period µs, meters or None for all, meters to leave out) per demand period in use: the
    demand period, or a meter's own interval where that is longer."""
    if not isinstance(resolution_min, Mapping):
        return [(max(int(resolution_min), period_min) * _US_PER_MIN, None, set())]
    wanted = None if meter_ids is None else {int(m) for m in meter_ids}
    coarse: dict[int, list[int]] = {}
    for meter_id, minutes in resolution_min.items():
        if minutes > period_min and (wanted is None or int(meter_id) in wanted):
            coarse.setdefault(int(minutes), []).append(int(meter_id))
    base = max(DEFAULT_RESOLUTION_MIN, period_min) * _US_PER_MIN
    left_out = {m for ids in coarse.values() for m in ids}
    groups = [(base, None, left_out)]
    groups += [(minutes * _US_PER_MIN, ids, set()) for minutes, ids in sorted(coarse.items())]
    return groups


def _tz_literal(us: int) -> str:
    """A TIMESTAMPTZ literal with an explicit UTC offset (independent of the session zone)."""
    return f"TIMESTAMPTZ '{from_epoch_us(us).isoformat()}'"


def _ts_where(a_us: int, b_us: int) -> str:
    return f" AND ts >= {_tz_literal(a_us)} AND ts < {_tz_literal(b_us)}"


def _has_repeats(meter: np.ndarray, ts_us: np.ndarray) -> bool:
    order = np.lexsort((ts_us, meter))
    m, t = meter[order], ts_us[order]
    return bool(np.any((m[1:] == m[:-1]) & (t[1:] == t[:-1])))


def _write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd")
    os.replace(tmp, path)


def _day_bounds_us(start: dt.date, end: dt.date, time_zone: str) -> np.ndarray:
    from nearzero.core.energy.intervals import local_midnights_us

    if end <= start:
        return np.array([], dtype=np.int64)
    return local_midnights_us(start, end, time_zone)


def _empty_daily(label: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"meter_id": [], label: [], "kwh": [], "intervals": [], "expected_intervals": []}
    )


def _grid(rows, meter_ids, buckets, lengths_us, resolution_min, label) -> pd.DataFrame:
    """Every (meter, bucket) with the found sums; NaN kWh where nothing was found."""
    found_meters = np.asarray(rows["meter_id"], dtype=np.int64)
    meters = (
        np.unique(np.asarray(list(meter_ids), dtype=np.int64))
        if meter_ids is not None
        else np.unique(found_meters)
    )
    n_b = len(buckets)
    kwh = np.full((meters.size, n_b), np.nan)
    count = np.zeros((meters.size, n_b), dtype=np.int64)
    if found_meters.size:
        mi = np.searchsorted(meters, found_meters)
        bi = np.asarray(rows["bucket"], dtype=np.int64) - int(buckets[0])
        keep = (mi < meters.size) & (bi >= 0) & (bi < n_b)
        keep[keep] &= meters[mi[keep]] == found_meters[keep]
        kwh[mi[keep], bi[keep]] = np.asarray(rows["kwh"], dtype=np.float64)[keep]
        count[mi[keep], bi[keep]] = np.asarray(rows["intervals"], dtype=np.int64)[keep]
    expected = lengths_us[None, :] // _resolution_us(resolution_min, meters)[:, None]
    kwh[count == 0] = np.nan
    if label == "day":
        days = np.datetime64("1970-01-01", "D") + np.asarray(buckets).astype("timedelta64[D]")
        column = np.tile(days.astype(object), meters.size)
    else:
        column = np.tile(np.asarray(buckets), meters.size)
    return pd.DataFrame(
        {
            "meter_id": np.repeat(meters, n_b),
            label: column,
            "kwh": kwh.ravel(),
            "intervals": count.ravel(),
            "expected_intervals": expected.ravel().astype(np.int64),
        }
    )
