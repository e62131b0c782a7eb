"""Interval readings of meters: reading vendor files, validating every row, counters, local time.

A meter belongs to a site, measures a carrier (electricity, natural gas, water, heat) in a
direction (import, export, generation, charging), in a unit, with a register that is either
*interval* (each reading is the energy of one interval) or *counter* (each reading is the
cumulative register; the energy of an interval is the difference of two readings).

This module turns a vendor export (CSV, XLSX) or a gateway's JSON push into a table of valid
interval values and a list of rejected rows, each with the row number as in the file (the
header is row 1), the column, the value as written, a stable code and an English reason. It
is vectorised with pyarrow.compute and numpy: there is no Python loop per row, except to read
an XLSX sheet (openpyxl) or JSON records, which are Python objects already.

Row statuses, checked in this order; a row gets the first that applies:

==================  =========================================================================
``unknown_meter``   the meter code is not one of the community's meters
``bad_timestamp``   not an ISO 8601 timestamp, or a local time that does not exist (DST gap)
``bad_value``       empty, not a number, NaN or infinite
``bad_unit``        unknown unit, or a unit of another dimension than the meter's (kW, m3 …)
``negative``        interval energy below zero, or a counter reading below zero
``duplicate_in_file``  same meter and interval as an earlier row, same value (not an error)
``conflict_in_file``   same meter and interval as an earlier row, another value (the first
                    row in the file is kept)
``counter_reset``   a counter went down and it is not a rollover
``ok``              a valid interval value
==================  =========================================================================

Rows in = valid + duplicates in the file + rejected (every other status).

Values are converted to the canonical unit of the meter's dimension (``nearzero.core.units``):
kWh for electricity (and heat metered in kWh), m³ for natural gas and water, GJ for heat.

Timestamps with a zone (``2024-03-01T00:15:00+08:00``, ``…Z``) are instants; without a zone
they are wall-clock time in the meter's community time zone. Stored timestamps are UTC and
mark the *start* of the interval (``ColumnMapping.timestamp_is_end`` for vendors that stamp
the end). A counter reading is an instant: it closes the interval that ends at it.

References
----------
.. [1] ISO 8601-1:2019, Date and time — Representations for information interchange.
.. [2] DL/T 645-2007, 多功能电能表通信协议 (multi-function watt-hour meter communication
   protocol): energy registers are cumulative counters with a fixed number of digits.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from nearzero.core import units
from nearzero.core.errors import DomainError

REGISTERS = ("interval", "counter")

#: The schema of valid readings handed to the store. ``ts`` is the interval's start (UTC);
#: ``value`` the interval's energy in the canonical unit, null only when it is unknown (the
#: first reading of a counter with no earlier reading); ``reading`` the counter register at
#: the interval's end in the canonical unit (null for interval registers).
READING_SCHEMA = pa.schema(
    [
        pa.field("meter_id", pa.int64(), nullable=False),
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("reading", pa.float64()),
    ]
)

#: Status codes in the order they are checked (index = code number in the status array).
STATUSES = (
    "ok",
    "unknown_meter",
    "bad_timestamp",
    "bad_value",
    "bad_unit",
    "negative",
    "duplicate_in_file",
    "conflict_in_file",
    "counter_reset",
)
_S = {code: np.int8(i) for i, code in enumerate(STATUSES)}
#: Statuses that are not errors: the row is valid or repeats a valid row.
NOT_REJECTED = frozenset({"ok", "duplicate_in_file"})

#: A negative difference of a counter is a rollover (the register passed its maximum and
#: started again at zero) when the energy it implies, ``rollover_at − previous + reading``,
#: is at most this fraction of ``rollover_at``: the register wrapped once between two
#: readings, from near its maximum to near zero. Anything else is a reset or a meter change.
#: Our choice (no standard fixes it): a 10 % window accepts a wrap of a 99,999.9 kWh register
#: up to 10,000 kWh within one interval, far above any community meter's interval energy.
ROLLOVER_WINDOW_FRACTION = 0.1

_US_PER_S = 1_000_000
_US_PER_MIN = 60 * _US_PER_S
_US_PER_DAY = 86_400 * _US_PER_S
_ZONE_SUFFIX = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$"
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
#: Wall-clock formats tried (after ISO 8601) when a column is not ISO 8601.
_NAIVE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y%m%d %H:%M",
)


class IntervalFileError(DomainError):
    """The file as a whole cannot be read (encoding, missing columns, broken CSV lines)."""


# --- meters and vendor formats ---------------------------------------------------------------


@dataclass(frozen=True)
class MeterSpec:
    """What the importer needs to know about one meter.

    Parameters
    ----------
    meter_id : int
        The meter's primary key; the store's ``meter_id``.
    code : str
        The meter's code as vendor files write it (表号).
    register : str
        ``"interval"`` (each reading is one interval's energy) or ``"counter"`` (cumulative).
    unit : str
        The meter's unit, e.g. ``"kWh"``, ``"Wh"``, ``"MWh"``, ``"m3"``, ``"GJ"``. Its
        dimension fixes the canonical unit of the meter's values (kWh, m³, GJ).
    community : str
        The community's slug.
    time_zone : str
        The community's IANA time zone, e.g. ``"Asia/Shanghai"``; wall-clock timestamps are
        read in it. Empty: the importer's ``default_tz``.
    rollover_at : float, optional
        For counters: the register's modulus in the meter's unit, the value at which it
        returns to zero. A 5-digit register with one decimal shows at most 99,999.9 and wraps
        at 100,000.0; passing the display maximum 99,999.9 under-counts each wrap by one
        last-digit step (0.1). None: a counter that goes down is always a reset.
    resolution_min : int
        The meter's interval length [min], 1–60. A counter reading closes the interval of
        this length that ends at it; an end-stamped interval starts this long before its
        timestamp. Default 15 min: the 96-points-a-day load curve that grid companies'
        electricity information collection systems (用电信息采集系统) read from smart meters.
    """

    meter_id: int
    code: str
    register: str
    unit: str
    community: str
    time_zone: str
    rollover_at: float | None = None
    resolution_min: int = 15


@dataclass(frozen=True)
class ColumnMapping:
    """A vendor's column names and conventions.

    ``unit`` names the unit column; None, or a name the file lacks, means every value is in
    ``value_unit`` if set, else in the meter's unit. ``value_unit`` is for exports whose value
    header carries the unit, e.g. "电量(kWh)". ``timestamp_format`` is an strptime format
    (``%z`` for a zone offset); None reads ISO 8601 and a few common wall-clock layouts.
    ``timestamp_is_end``: the vendor stamps the end of each interval (many AMI exports stamp
    00:15 for 00:00–00:15); it does not apply to counters, whose readings are instants.
    ``header_row``: the 1-based row of the column names (title rows above are skipped).
    """

    meter: str = "meter"
    timestamp: str = "timestamp"
    value: str = "value"
    unit: str | None = "unit"
    timestamp_format: str | None = None
    timestamp_is_end: bool = False
    value_unit: str | None = None
    header_row: int = 1


@dataclass(frozen=True)
class RowProblem:
    """One row that is not a valid reading: where, what, a stable code and an English reason."""

    row: int
    column: str
    value: Any
    code: str
    reason: str


@dataclass
class Parsed:
    """The valid readings of one file or push, and every other row with its reason.

    ``table`` has :data:`READING_SCHEMA`, one row per (meter, interval), sorted by meter and
    time. ``rows_in`` = ``table.num_rows`` + ``duplicates_in_file`` + ``rejected_count``.
    """

    table: pa.Table
    rows_in: int
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.table.num_rows

    @property
    def duplicates_in_file(self) -> int:
        return sum(1 for p in self.problems if p.code == "duplicate_in_file")

    @property
    def rejected(self) -> list[RowProblem]:
        """The problems that are errors (every status but ``duplicate_in_file``)."""
        return [p for p in self.problems if p.code not in NOT_REJECTED]

    @property
    def rejected_count(self) -> int:
        return len(self.problems) - self.duplicates_in_file

    def counts(self) -> dict[str, int]:
        """Rows per status, every status present (zero if none)."""
        out = dict.fromkeys(STATUSES, 0)
        out["ok"] = self.accepted
        for p in self.problems:
            out[p.code] += 1
        return out


#: ``previous`` for counters: meter_id → (ts, reading) of the meter's last stored interval
#: (its start, UTC, and the register at its end, canonical unit), as
#: ``IntervalStore.last_readings`` returns; or a function that receives meter_id → the first
#: interval start of each counter in the file and returns that mapping.
Previous = (
    Mapping[int, tuple[Any, float]]
    | Callable[[dict[int, dt.datetime]], Mapping[int, tuple[Any, float]]]
    | None
)


# --- units and time ----------------------------------------------------------------------------


def parse_unit(text: str) -> units.Unit:
    """The unit for a code or spelling (``nearzero.core.units``, which includes Wh)."""
    return units.parse_unit(text)


def canonical_unit(unit: str) -> str:
    """The canonical unit of ``unit``'s dimension: ``"Wh"`` → ``"kWh"``, ``"万m3"`` → ``"m3"``."""
    return units.CANONICAL[parse_unit(unit).dimension]


def zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise IntervalFileError("bad_time_zone", f"unknown time zone {time_zone!r}") from None


def to_epoch_us(moment: Any) -> int:
    """Microseconds since 1970-01-01 UTC of an aware datetime (or pandas Timestamp)."""
    if isinstance(moment, (int, np.integer)):
        return int(moment)
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime")
    delta = moment.astimezone(dt.UTC).replace(tzinfo=None) - dt.datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * _US_PER_S + delta.microseconds


def from_epoch_us(us: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(us))


def _offset_s(tz: ZoneInfo, epoch_s: int) -> int:
    moment = dt.datetime.fromtimestamp(epoch_s, tz)
    return int(moment.utcoffset().total_seconds())


def utc_offset_segments(time_zone: str, start_us: int, end_us: int) -> tuple[list[int], list[int]]:
    """The UTC offsets of ``time_zone`` between two instants, as segments.

    Returns ``(bounds_us, offsets_us)``: offset ``offsets_us[i]`` [µs] applies from
    ``bounds_us[i]`` (UTC epoch µs; ``bounds_us[0]`` is ``start_us``) to the next bound. One
    segment for zones without daylight saving (Asia/Shanghai: +8 h since 1991). Transitions
    are found by a daily scan refined to the second, so two transitions within one day (none
    in the tz database since 1970) would be missed.
    """
    tz = zone(time_zone)
    start_s = start_us // _US_PER_S - 86_400
    end_s = end_us // _US_PER_S + 86_400
    bounds, offsets = [start_us], [_offset_s(tz, start_s) * _US_PER_S]
    previous_s, previous = start_s, offsets[0]
    for day_s in range(start_s + 86_400, end_s + 86_400, 86_400):
        current = _offset_s(tz, day_s) * _US_PER_S
        if current != previous:
            lo, hi = previous_s, day_s  # offset(lo) = previous, offset(hi) = current
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset_s(tz, mid) * _US_PER_S == previous:
                    lo = mid
                else:
                    hi = mid
            if hi * _US_PER_S <= start_us:
                offsets[0] = current
            else:
                bounds.append(hi * _US_PER_S)
                offsets.append(current)
        previous_s, previous = day_s, current
    return bounds, offsets


def local_epoch_us(ts_us: np.ndarray, time_zone: str) -> np.ndarray:
    """Wall-clock time in ``time_zone`` of UTC instants, as µs since 1970-01-01 (naive)."""
    ts_us = np.asarray(ts_us, dtype=np.int64)
    if ts_us.size == 0:
        return ts_us.copy()
    bounds, offsets = utc_offset_segments(time_zone, int(ts_us.min()), int(ts_us.max()))
    if len(offsets) == 1:
        return ts_us + offsets[0]
    segment = np.searchsorted(np.asarray(bounds[1:], dtype=np.int64), ts_us, side="right")
    return ts_us + np.asarray(offsets, dtype=np.int64)[segment]


def local_months(ts_us: np.ndarray, time_zone: str) -> np.ndarray:
    """The local month of each UTC instant as ``datetime64[M]``."""
    return local_epoch_us(ts_us, time_zone).astype("datetime64[us]").astype("datetime64[M]")


def local_midnight_us(day: dt.date, time_zone: str) -> int:
    """UTC epoch µs of the local midnight that starts ``day`` in ``time_zone``."""
    return to_epoch_us(dt.datetime.combine(day, dt.time(), tzinfo=zone(time_zone)))


def local_midnights_us(start: dt.date, end: dt.date, time_zone: str) -> np.ndarray:
    """UTC epoch µs of the local midnights from ``start`` to ``end`` inclusive (end ≥ start).

    Day ``i`` of ``[start, end)`` is ``[m[i], m[i + 1])``; its length is 24 h except on a
    daylight-saving change (23 h or 25 h), so the expected intervals of a day are counted from
    these bounds, never assumed to be 96.
    """
    days = (end - start).days
    tz = zone(time_zone)
    return np.array(
        [
            to_epoch_us(dt.datetime.combine(start + dt.timedelta(days=i), dt.time(), tzinfo=tz))
            for i in range(days + 1)
        ],
        dtype=np.int64,
    )


# --- column parsing (vectorised) -------------------------------------------------------------


def _as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if column.type != pa.string():
        column = column.cast(pa.string())
    return column.fill_null("") if column.null_count else column


def _floats(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of a string column and a mask of the valid ones (finite numbers only).

    Fast path: Arrow's cast. Otherwise: trim, drop thousands separators ("1,234.5"), accept
    what matches a decimal or scientific number; everything else is invalid.
    """
    try:
        values = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        clean = pc.replace_substring(pc.utf8_trim_whitespace(text), ",", "")
        good = pc.match_substring_regex(clean, _NUMBER)
        clean = pc.if_else(good, clean, pa.scalar(None, pa.string()))
        values = pc.cast(clean, pa.float64()).to_numpy(zero_copy_only=False)
    values = np.asarray(values, dtype=np.float64)
    return values, np.isfinite(values)


def _cast_or_none(text: pa.Array, target: pa.DataType) -> pa.Array | None:
    try:
        return pc.cast(text, target)
    except pa.ArrowInvalid:
        return None


#: Rows tried before casting a whole column: a cast that fails on most rows is slow in Arrow
#: (about 0.6 µs per failing row), so the layout is checked on the head first.
_HEAD_ROWS = 256


def _head_casts(text: pa.Array, target: pa.DataType) -> bool:
    head = text.slice(0, _HEAD_ROWS)
    head = head.filter(pc.not_equal(head, ""))
    return len(head) > 0 and _cast_or_none(head, target) is not None


def _parse_rows(text: pa.Array, zoned: bool) -> np.ndarray:
    """Row by row (vectorised per layout): each layout of :data:`_NAIVE_FORMATS` (with
    ``%z`` if ``zoned``) is tried on the rows not parsed yet; fractions of a second are dropped.
    """
    invalid = np.iinfo(np.int64).min
    out = np.full(len(text), invalid, dtype=np.int64)
    trimmed = pc.replace_substring_regex(
        pc.utf8_trim_whitespace(text), r"(\d{1,2}:\d{2}:\d{2})\.\d+", r"\1"
    )
    formats = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", *_NAIVE_FORMATS]
    formats = [f + "%z" for f in formats] if zoned else [*formats, "%Y-%m-%d"]
    remaining = np.arange(len(text))
    for fmt in formats:
        if remaining.size == 0:
            break
        subset = trimmed.take(pa.array(remaining)) if remaining.size < len(text) else trimmed
        parsed = pc.strptime(subset, format=fmt, unit="us", error_is_null=True)
        good = parsed.is_valid().to_numpy(zero_copy_only=False)
        out[remaining[good]] = parsed.filter(good).cast(pa.int64()).to_numpy(zero_copy_only=False)
        remaining = remaining[~good]
    return out


def _parse_times(text: pa.Array, zoned: bool, fmt: str | None) -> np.ndarray:
    """µs since the epoch (UTC if ``zoned``, else wall clock) of a string column; invalid
    entries are ``INT64_MIN``.

    ISO 8601 through Arrow's cast when the column's head is ISO 8601 and every row casts;
    otherwise row by row (:func:`_parse_rows`).
    """
    invalid = np.iinfo(np.int64).min
    target = pa.timestamp("us", tz="UTC") if zoned else pa.timestamp("us")
    if fmt is not None:
        parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
        if (parsed.type.tz is not None) != zoned:  # the format has %z, or not, against the rows
            return np.full(len(text), invalid, dtype=np.int64)
        return pc.fill_null(parsed.cast(target).cast(pa.int64()), invalid).to_numpy(
            zero_copy_only=False
        )
    if _head_casts(text, target):
        whole = _cast_or_none(text, target)
        if whole is not None and whole.null_count == 0:
            return whole.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return _parse_rows(text, zoned)


def _localise(naive_us: np.ndarray, time_zone: str) -> np.ndarray:
    """UTC µs of wall-clock µs in ``time_zone``; a wall time that does not exist (the hour
    skipped when daylight saving starts) is ``INT64_MIN``. In the repeated hour when it ends,
    the earlier instant is taken (vendors should send offsets; the second pass of that hour
    then shows as ``conflict_in_file``)."""
    invalid = np.iinfo(np.int64).min
    out = np.full(naive_us.shape, invalid, dtype=np.int64)
    good = naive_us != invalid
    if not good.any():
        return out
    wall = pa.array(naive_us[good], type=pa.int64()).cast(pa.timestamp("us"))
    utc = pc.assume_timezone(wall, timezone=time_zone, ambiguous="earliest", nonexistent="earliest")
    utc_us = utc.cast(pa.int64()).to_numpy(zero_copy_only=False)
    bounds, _ = utc_offset_segments(time_zone, int(utc_us.min()), int(utc_us.max()))
    if len(bounds) > 1:  # daylight saving in range: a wall time must survive the round trip
        back = local_epoch_us(utc_us, time_zone)
        utc_us = np.where(back == naive_us[good], utc_us, invalid)
    out[good] = utc_us
    return out


def _timestamps(
    text: pa.Array, fmt: str | None, zone_of_row: np.ndarray, zones: Sequence[str]
) -> np.ndarray:
    """UTC µs of every row (``INT64_MIN`` where invalid); wall times in the row's zone.

    The common case, one layout for the whole column, costs one cast. A column mixing
    timestamps with and without a zone is split by a regular expression first.
    """
    invalid = np.iinfo(np.int64).min
    n = len(text)
    zoned_mask = np.zeros(n, dtype=bool)
    if fmt is not None:
        if "%z" in fmt:
            return _parse_times(text, True, fmt)
        raw = _parse_times(text, False, fmt)
    else:
        whole = None
        for zoned in (True, False):
            target = pa.timestamp("us", tz="UTC") if zoned else pa.timestamp("us")
            if _head_casts(text, target):
                whole = _cast_or_none(text, target)
                if whole is not None and whole.null_count == 0:
                    break
                whole = None
        if whole is not None and zoned:
            return whole.cast(pa.int64()).to_numpy(zero_copy_only=False)
        if whole is not None:
            raw = whole.cast(pa.int64()).to_numpy(zero_copy_only=False)
        else:  # mixed, or some rows not ISO 8601
            zoned_mask = pc.match_substring_regex(pc.utf8_trim_whitespace(text), _ZONE_SUFFIX)
            zoned_mask = zoned_mask.to_numpy(zero_copy_only=False).astype(bool)
            raw = np.full(n, invalid, dtype=np.int64)
            for zoned, rows in ((True, zoned_mask), (False, ~zoned_mask)):
                if rows.all():
                    raw = _parse_times(text, zoned, None)
                elif rows.any():
                    idx = np.flatnonzero(rows)
                    raw[idx] = _parse_times(text.take(pa.array(idx)), zoned, None)
            if zoned_mask.all():
                return raw
    out = raw.copy()
    naive_rows = ~zoned_mask & (raw != invalid)
    for z, name in enumerate(zones):
        rows = naive_rows & (zone_of_row == z)
        if rows.all():
            return _localise(raw, name)
        if rows.any():
            out[rows] = _localise(raw[rows], name)
    return out


def _sort_order(meter: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Indices that sort rows by (meter, ts); not stable (ties are resolved by the caller)."""
    n = meter.size
    if n == 0:
        return np.arange(0, dtype=np.int64)
    t0 = int(ts.min())
    rel = ts - t0
    if not (rel % _US_PER_S).any():
        rel = rel // _US_PER_S
    meter_bits = int(meter.max()).bit_length()
    time_bits = int(rel.max()).bit_length()
    if meter_bits + time_bits <= 62:
        key = (meter.astype(np.int64) << time_bits) | rel
        if n == 1 or bool(np.all(key[1:] > key[:-1])):
            return np.arange(n, dtype=np.int64)
        return np.argsort(key, kind="quicksort")
    return np.lexsort((ts, meter))


# --- the rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Meters:
    """Per-meter arrays. Index ``len(specs)`` is a sentinel for rows of unknown meters."""

    specs: list[MeterSpec]
    position: dict[str, int]  # code in files → index
    meter_id: np.ndarray
    counter: np.ndarray
    resolution_us: np.ndarray
    dimension: np.ndarray  # index into units.CANONICAL, -1 if the unit is unknown
    default_factor: np.ndarray  # canonical units per value unit when a row gives no unit
    rollover: np.ndarray  # [canonical unit], NaN if none
    zone_index: np.ndarray
    zones: list[str]


_DIMENSIONS = list(units.CANONICAL)


def _meter_arrays(
    meters: Mapping[str, MeterSpec], default_tz: str, value_unit: str | None
) -> _Meters:
    specs = sorted({s.meter_id: s for s in meters.values()}.values(), key=lambda s: s.meter_id)
    index = {s.meter_id: i for i, s in enumerate(specs)}
    zone(default_tz)
    zones: list[str] = [default_tz]
    zone_index, dims, factors, rollover = [], [], [], []
    for spec in specs:
        if spec.register not in REGISTERS:
            raise ValueError(f"meter {spec.code}: register must be one of {REGISTERS}")
        if not 1 <= spec.resolution_min <= 60:
            raise ValueError(f"meter {spec.code}: resolution_min must be 1–60")
        name = spec.time_zone or default_tz
        zone(name)
        if name not in zones:
            zones.append(name)
        zone_index.append(zones.index(name))
        try:
            meter_unit = parse_unit(spec.unit)
        except units.UnitError:
            dims.append(-1)
            factors.append(np.nan)
            rollover.append(np.nan)
            continue
        dims.append(_DIMENSIONS.index(meter_unit.dimension))
        factor = meter_unit.to_canonical
        if value_unit:
            given = parse_unit(value_unit)
            factor = given.to_canonical if given.dimension == meter_unit.dimension else np.nan
        factors.append(factor)
        rollover.append(spec.rollover_at * meter_unit.to_canonical if spec.rollover_at else np.nan)
    return _Meters(
        specs=specs,
        position={code: index[s.meter_id] for code, s in meters.items()},
        meter_id=np.array([s.meter_id for s in specs] + [-1], dtype=np.int64),
        counter=np.array([s.register == "counter" for s in specs] + [False], dtype=bool),
        resolution_us=np.array(
            [s.resolution_min * _US_PER_MIN for s in specs] + [0], dtype=np.int64
        ),
        dimension=np.array([*dims, -1], dtype=np.int64),
        default_factor=np.array([*factors, np.nan], dtype=np.float64),
        rollover=np.array([*rollover, np.nan], dtype=np.float64),
        zone_index=np.array([*zone_index, 0], dtype=np.int64),
        zones=zones,
    )


def _previous_for(
    previous: Previous, first_start_us: dict[int, int]
) -> dict[int, tuple[int, float]]:
    if previous is None or not first_start_us:
        return {}
    if callable(previous):
        previous = previous({m: from_epoch_us(t) for m, t in first_start_us.items()})
    return {int(m): (to_epoch_us(ts), float(r)) for m, (ts, r) in previous.items()}


def _unit_factors(unit_text: pa.Array, midx: np.ndarray, m: _Meters) -> np.ndarray:
    """Canonical units per written unit, per row: NaN for an unknown unit or a unit of
    another dimension than the meter's; an empty cell takes the meter's default unit."""
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(unit_text))
    dims, factors = [], []
    for text in encoded.dictionary.to_pylist():
        try:
            u = parse_unit(text) if text else None
        except units.UnitError:
            u = None
        dims.append(-2 if not text else _DIMENSIONS.index(u.dimension) if u else -1)
        factors.append(u.to_canonical if u else np.nan)
    dims_a = np.array(dims, dtype=np.int64)
    # a small (meter × written unit) table, then one lookup per row
    table = np.where(dims_a[None, :] == m.dimension[:, None], np.array(factors)[None, :], np.nan)
    table[:, dims_a == -2] = m.default_factor[:, None]
    if table.shape[1] == 0:
        return m.default_factor[midx]
    idx = encoded.indices.to_numpy(zero_copy_only=False)
    return table[midx, idx]


def _first_of_duplicates(order: np.ndarray, meter: np.ndarray, start: np.ndarray):
    """For rows sorted by (meter, start): the file position of each group's first row."""
    new_group = np.ones(order.size, dtype=bool)
    new_group[1:] = (meter[1:] != meter[:-1]) | (start[1:] != start[:-1])
    if new_group.all():
        return None
    group = np.cumsum(new_group) - 1
    return np.minimum.reduceat(order, np.flatnonzero(new_group))[group]


def _counter_energy(reading, meter, start, m: _Meters, previous: Previous):
    """Energy of each counter interval [canonical unit] and a mask of resets.

    Rows are sorted by (meter, start). Energy = reading − previous reading of the same meter;
    the first reading uses the stored one (``previous``) if it is earlier, else its energy is
    unknown (NaN). A negative difference is a rollover if ``rollover_at − prev + reading`` is
    within :data:`ROLLOVER_WINDOW_FRACTION` of ``rollover_at``, else a reset (rejected; the
    next difference starts from it).
    """
    first = np.ones(reading.size, dtype=bool)
    first[1:] = meter[1:] != meter[:-1]
    prev = np.empty(reading.size)
    prev[1:] = reading[:-1]
    prev[first] = np.nan
    firsts = np.flatnonzero(first).tolist()
    stored = _previous_for(previous, {int(m.meter_id[meter[i]]): int(start[i]) for i in firsts})
    for i in firsts:
        hit = stored.get(int(m.meter_id[meter[i]]))
        if hit is not None and hit[0] < start[i]:
            prev[i] = hit[1]
    diff = reading - prev
    wrap = m.rollover[meter]
    wrapped = wrap - prev + reading
    rollover = (diff < 0) & (wrapped <= ROLLOVER_WINDOW_FRACTION * wrap)
    return np.where(rollover, wrapped, diff), (diff < 0) & ~rollover, prev


def _validate(
    columns: dict[str, pa.Array],
    row_numbers: np.ndarray,
    mapping: ColumnMapping,
    meters: Mapping[str, MeterSpec],
    default_tz: str,
    previous: Previous,
) -> Parsed:
    n = len(row_numbers)
    m = _meter_arrays(meters, default_tz, mapping.value_unit)
    status = np.zeros(n, dtype=np.int8)
    detail: dict[int, str] = {}  # parts of reasons that name other rows or readings

    # 1. meter (unknown rows point at the sentinel)
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(columns["meter"]))
    lookup = np.array(
        [m.position.get(code, len(m.specs)) for code in encoded.dictionary.to_pylist()]
        or [len(m.specs)],
        dtype=np.int64,
    )
    midx = lookup[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
    status[midx == len(m.specs)] = _S["unknown_meter"]

    # 2. timestamp → UTC µs
    ts_us = _timestamps(columns["timestamp"], mapping.timestamp_format, m.zone_index[midx], m.zones)
    bad_ts = ts_us == np.iinfo(np.int64).min
    status[(status == 0) & bad_ts] = _S["bad_timestamp"]

    # 3. value
    value, finite = _floats(columns["value"])
    status[(status == 0) & ~finite] = _S["bad_value"]

    # 4. unit → canonical
    factor = m.default_factor[midx]
    if "unit" in columns:
        factor = _unit_factors(columns["unit"], midx, m)
    status[(status == 0) & ~np.isfinite(factor)] = _S["bad_unit"]
    canonical = value * factor

    # 5. negative
    status[(status == 0) & (canonical < 0)] = _S["negative"]

    # the interval's start: a counter reading and an end stamp close their interval
    counter_row = m.counter[midx]
    shift = np.where(counter_row | mapping.timestamp_is_end, m.resolution_us[midx], 0)
    start_us = np.where(bad_ts, 0, ts_us - shift)

    # 6. duplicates in the file: the first row of each (meter, interval) is kept
    order = np.flatnonzero(status == 0)
    order = order[_sort_order(midx[order], start_us[order])]
    first = _first_of_duplicates(order, midx[order], start_us[order])
    if first is not None:
        repeat = order != first
        for row, kept in zip(order[repeat].tolist(), first[repeat].tolist(), strict=True):
            same = canonical[row] == canonical[kept]
            status[row] = _S["duplicate_in_file"] if same else _S["conflict_in_file"]
            detail[row] = str(int(row_numbers[kept]))
        order = order[~repeat]
    sm, st = midx[order], start_us[order]

    # 7. counters: energy = difference of successive readings
    out_value = canonical[order]
    out_reading = np.full(order.size, np.nan)
    keep = np.ones(order.size, dtype=bool)
    ci = np.flatnonzero(m.counter[sm])
    if ci.size:
        reading = canonical[order[ci]]
        energy, reset, prev = _counter_energy(reading, sm[ci], st[ci], m, previous)
        out_value[ci] = energy
        out_reading[ci] = reading
        for i in np.flatnonzero(reset).tolist():
            row = int(order[ci[i]])
            status[row] = _S["counter_reset"]
            detail[row] = f"{prev[i]:g} → {reading[i]:g}"
        keep[ci[reset]] = False

    sm, st = sm[keep], st[keep]
    table = pa.table(
        {
            "meter_id": pa.array(m.meter_id[sm], type=pa.int64()),
            "ts": pa.array(st, type=pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "value": pa.array(out_value[keep], type=pa.float64(), from_pandas=True),
            "reading": pa.array(out_reading[keep], type=pa.float64(), from_pandas=True),
        },
        schema=READING_SCHEMA,
    )
    problems = _problems(status, detail, row_numbers, columns, mapping, m, midx)
    if table.num_rows + len(problems) != n:  # pragma: no cover - an invariant of the rules
        raise AssertionError("rows in ≠ valid + problems")
    return Parsed(table=table, rows_in=n, problems=problems)


def _problems(status, detail, row_numbers, columns, mapping, m: _Meters, midx) -> list[RowProblem]:
    """One :class:`RowProblem` per row that is not valid, in file order."""
    bad = np.flatnonzero(status != 0)
    if bad.size == 0:
        return []
    take = pa.array(bad)
    text = {key: col.take(take).to_pylist() for key, col in columns.items()}
    problems = []
    for k, row in enumerate(bad.tolist()):
        code = STATUSES[status[row]]
        spec = m.specs[midx[row]] if midx[row] < len(m.specs) else None
        key, reason = _reason(code, spec, detail.get(row))
        if key == "unit" and not ("unit" in text and text["unit"][k].strip()):
            column, value = mapping.value, mapping.value_unit or spec.unit  # the implied unit
        else:
            column, value = getattr(mapping, key), text[key][k]
        problems.append(RowProblem(int(row_numbers[row]), column, value, code, reason))
    return problems


def _reason(code: str, spec: MeterSpec | None, extra: str | None) -> tuple[str, str]:
    """(column key, English reason) of one problem."""
    if code == "unknown_meter":
        return "meter", "unknown meter: no meter of this community has this code"
    if code == "bad_timestamp":
        return "timestamp", (
            "not a timestamp, or a wall-clock time that does not exist in "
            f"{spec.time_zone or 'the time zone'} (expected ISO 8601, "
            "e.g. 2024-03-01T00:15:00+08:00)"
        )
    if code == "bad_value":
        return "value", "not a number"
    if code == "bad_unit":
        try:
            expected = canonical_unit(spec.unit)
        except units.UnitError:
            return "unit", f"the meter's unit {spec.unit!r} is unknown"
        return "unit", (
            f"unknown unit, or not a unit of the meter's quantity "
            f"(the meter measures in {spec.unit}; any unit convertible to {expected} is accepted)"
        )
    if code == "negative":
        what = "a counter reading" if spec.register == "counter" else "interval energy"
        return "value", f"{what} must not be negative"
    if code == "duplicate_in_file":
        return "timestamp", f"repeats row {extra}: same meter, time and value"
    if code == "conflict_in_file":
        return "value", (
            f"same meter and time as row {extra} with a different value; row {extra} is kept"
        )
    if code == "counter_reset":
        return "value", (
            f"counter reset: the reading went down ({extra}) and is not a rollover; "
            "the next interval is counted from this reading"
        )
    raise ValueError(code)  # pragma: no cover


# --- sources ---------------------------------------------------------------------------------


def _mapped(header: Sequence[str], mapping: ColumnMapping) -> dict[str, str]:
    """Our column key → the file's column name. Matching is exact after trimming, then
    case-insensitive; missing meter, timestamp or value columns are a file error."""
    clean = [str(h or "").strip().lstrip("\ufeff").strip() for h in header]
    lower = {h.lower(): h for h in clean}
    wanted = {"meter": mapping.meter, "timestamp": mapping.timestamp, "value": mapping.value}
    if mapping.unit:
        wanted["unit"] = mapping.unit
    found, missing = {}, []
    for key, name in wanted.items():
        hit = name if name in clean else lower.get(name.strip().lower())
        if hit is not None:
            found[key] = hit
        elif key != "unit":
            missing.append(name)
    if missing:
        raise IntervalFileError(
            "missing_columns",
            f"row {mapping.header_row} lacks the columns: {', '.join(missing)}",
        )
    return found


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}.{count}")
    return out


def _decode_header(content: bytes, header_row: int) -> tuple[list[str], str]:
    """The header cells and the encoding (UTF-8, else GB18030 as Excel in Chinese saves)."""
    head = content[: 1 << 16]
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 4:  # cut inside a character
                text = head[: exc.start].decode(encoding)
                break
    else:
        raise IntervalFileError("bad_encoding", "the CSV is neither UTF-8 nor GB18030")
    lines = text.lstrip("\ufeff").splitlines()
    if len(lines) < header_row:
        raise IntervalFileError("empty", "the file has no header row")
    header = next(csv.reader([lines[header_row - 1]]))
    return header, encoding


def _line_numbers(content: bytes, header_row: int, n: int) -> np.ndarray:
    """The file's line number of each of the ``n`` rows Arrow read (it skips empty lines)."""
    lines = content.count(b"\n") + (not content.endswith(b"\n"))
    if lines == header_row + n:  # no empty line: row k is line header_row + k
        return np.arange(header_row + 1, header_row + 1 + n, dtype=np.int64)
    buf = np.frombuffer(content, dtype=np.uint8)
    newline = np.flatnonzero(buf == 10)
    starts = np.concatenate(([0], newline + 1))
    ends = np.concatenate((newline, [buf.size]))
    lengths = ends - starts
    has_cr = (lengths > 0) & (buf[np.maximum(ends - 1, 0)] == 13)
    lengths = lengths - has_cr
    numbers = np.arange(1, starts.size + 1, dtype=np.int64)
    data = numbers[(lengths > 0) & (numbers > header_row)]
    if data.size < n:  # quoted line breaks: fall back to counting rows
        return np.arange(header_row + 1, header_row + 1 + n, dtype=np.int64)
    return data[:n]


def parse_csv(
    content: bytes,
    mapping: ColumnMapping,
    meters: Mapping[str, MeterSpec],
    default_tz: str,
    previous: Previous = None,
) -> Parsed:
    """Validate a vendor CSV export (UTF-8 or GB18030) row by row.

    Parameters
    ----------
    content : bytes
        The file.
    mapping : ColumnMapping
        The vendor's column names and conventions.
    meters : mapping of str to MeterSpec
        The community's meters by code.
    default_tz : str
        IANA zone for wall-clock timestamps of meters without a zone.
    previous : mapping or callable, optional
        The last stored reading of each counter (see :data:`Previous`).

    Returns
    -------
    Parsed
        Valid readings and every other row with its reason. Row numbers are the file's lines
        (the header is row ``mapping.header_row``; empty lines are skipped but counted).

    Raises
    ------
    IntervalFileError
        ``bad_encoding``, ``empty``, ``missing_columns`` or ``bad_csv`` (a line with another
        number of fields than the header: the file is rejected, naming the line).
    """
    header, encoding = _decode_header(content, mapping.header_row)
    names = _unique([h.strip().lstrip("\ufeff").strip() for h in header])
    found = _mapped(names, mapping)
    broken: list[str] = []

    def invalid(row) -> str:
        broken.append(row.text)
        return "skip"

    def read(enc: str) -> pa.Table:
        return pcsv.read_csv(
            pa.py_buffer(content),
            read_options=pcsv.ReadOptions(
                skip_rows=mapping.header_row, column_names=names, encoding=enc
            ),
            parse_options=pcsv.ParseOptions(invalid_row_handler=invalid),
            convert_options=pcsv.ConvertOptions(
                include_columns=list(found.values()),
                column_types={name: pa.string() for name in found.values()},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        try:
            table = read("utf8" if encoding == "utf-8" else encoding)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if encoding != "utf-8" or "utf" not in str(exc).lower():
                raise
            broken.clear()
            table = read("gb18030")
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise IntervalFileError("bad_csv", f"not a readable CSV file: {exc}") from None
    if broken:
        shown = "; ".join(repr(text) for text in broken[:5])
        raise IntervalFileError(
            "bad_csv",
            f"{len(broken)} lines do not have the header's {len(names)} fields, e.g. {shown}",
        )
    columns = {key: _as_array(table[name]) for key, name in found.items()}
    rows = _line_numbers(content, mapping.header_row, table.num_rows)
    return _validate(columns, rows, mapping, meters, default_tz, previous)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.microsecond:  # Excel stores days as floats: 00:14:59.999 means 00:15:00
            value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _from_rows(
    header: Sequence[Any],
    body,
    mapping: ColumnMapping,
) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Columns and row numbers of (row number, cells) pairs; blank rows are skipped."""
    found = _mapped([_cell_text(h) for h in header], mapping)
    names = [_cell_text(h).strip().lstrip("\ufeff").strip() for h in header]
    index = {key: names.index(name) for key, name in found.items()}
    values: dict[str, list[str]] = {key: [] for key in index}
    numbers: list[int] = []
    for number, cells in body:
        picked = {k: _cell_text(cells[i]) if i < len(cells) else "" for k, i in index.items()}
        if not any(v.strip() for v in picked.values()):
            continue  # a blank row is not a reading
        numbers.append(number)
        for key, text in picked.items():
            values[key].append(text)
    columns = {key: pa.array(texts, type=pa.string()) for key, texts in values.items()}
    return columns, np.array(numbers, dtype=np.int64)


def parse_xlsx(
    content: bytes,
    mapping: ColumnMapping,
    meters: Mapping[str, MeterSpec],
    default_tz: str,
    previous: Previous = None,
    *,
    sheet: str | None = None,
) -> Parsed:
    """Validate a vendor XLSX export (the named sheet, else the first), like :func:`parse_csv`.

    Excel cells hold wall-clock times without a zone; they are rounded to the second (Excel
    stores times as fractions of a day) and read in the meter's community time zone.
    """
    from openpyxl import load_workbook  # only XLSX imports need it

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise IntervalFileError("bad_xlsx", f"not a readable .xlsx file: {exc}") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise IntervalFileError("bad_xlsx", f"the workbook has no sheet {sheet!r}")
        ws = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = None
        for number, cells in enumerate(rows, start=1):
            if number == mapping.header_row:
                header = list(cells)
                break
        if header is None:
            raise IntervalFileError("empty", "the sheet has no header row")
        body = ((i, list(r)) for i, r in enumerate(rows, start=mapping.header_row + 1))
        columns, numbers = _from_rows(header, body, mapping)
    finally:
        workbook.close()
    return _validate(columns, numbers, mapping, meters, default_tz, previous)


def parse_records(
    records: Sequence[Mapping[str, Any]],
    mapping: ColumnMapping,
    meters: Mapping[str, MeterSpec],
    default_tz: str,
    previous: Previous = None,
) -> Parsed:
    """Validate readings pushed as JSON objects by a gateway, like :func:`parse_csv`.

    Keys are ``mapping``'s column names (default ``meter``, ``timestamp``, ``value``,
    ``unit``). Values may be numbers or strings; timestamps ISO 8601 strings. A problem's
    ``row`` is the record's 1-based position in the list; a missing key is an empty cell.
    """
    named = {"meter": mapping.meter, "timestamp": mapping.timestamp, "value": mapping.value}
    if mapping.unit and any(mapping.unit in r for r in records):
        named["unit"] = mapping.unit
    columns = {
        key: pa.array([_cell_text(r.get(name)) for r in records], type=pa.string())
        for key, name in named.items()
    }
    numbers = np.arange(1, len(records) + 1, dtype=np.int64)
    return _validate(columns, numbers, mapping, meters, default_tz, previous)
