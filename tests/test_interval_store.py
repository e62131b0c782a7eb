"""nearzero.energy.store: the append-only Parquet store read with DuckDB
(docs/algorithms/interval-data.md; its worked numbers are these tests)."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from nearzero.core.energy import intervals as iv
from nearzero.core.energy.intervals import ColumnMapping, MeterSpec
from nearzero.energy.store import IntervalStore, StoreError, summarize

SHANGHAI = "Asia/Shanghai"
SLUG = "dongping"
UTC = dt.UTC
STORE_PY = Path(__file__).resolve().parent.parent / "nearzero" / "energy" / "store.py"


def meter(meter_id, code, register="interval", unit="kWh", **kwargs) -> MeterSpec:
    return MeterSpec(meter_id, code, register, unit, SLUG, SHANGHAI, **kwargs)


METERS = {"E1": meter(1, "E1"), "C1": meter(2, "C1", "counter"), "PV1": meter(3, "PV1")}


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def csv_bytes(*lines: str, header: str = "meter,timestamp,value") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def quarter_hours(meter_code: str, day: str, values, start_hour: int = 0) -> list[str]:
    """CSV lines of 15-minute values from ``start_hour`` local time on ``day``."""
    t0 = np.datetime64(f"{day}T{start_hour:02d}:00")
    return [
        f"{meter_code},{np.datetime_as_string(t0 + i * np.timedelta64(15, 'm'))}+08:00,{v}"
        for i, v in enumerate(values)
    ]


@pytest.fixture
def store(tmp_path) -> IntervalStore:
    return IntervalStore(tmp_path, threads=2)


def parse(content: bytes, **kwargs) -> iv.Parsed:
    return iv.parse_csv(content, ColumnMapping(), METERS, SHANGHAI, **kwargs)


def ingest(store: IntervalStore, parsed: iv.Parsed, batch_id: int):
    return store.ingest(parsed.table, community=SLUG, time_zone=SHANGHAI, batch_id=batch_id)


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


def day_row(frame, meter_id: int, day: dt.date):
    hit = frame[(frame["meter_id"] == meter_id) & (frame["day"] == day)]
    assert len(hit) == 1
    return hit.iloc[0]


# --- layering ----------------------------------------------------------------------------------


def test_store_never_imports_django():
    tree = ast.parse(STORE_PY.read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not [n for n in names if n.split(".")[0] == "django"]
    code = (
        "import sys\nimport nearzero.energy.store\nimport nearzero.core.energy.intervals\n"
        "assert not any(m.split('.')[0] == 'django' for m in sys.modules), 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the acceptance case -----------------------------------------------------------------------

ACCEPTANCE = (
    b"meter,timestamp,value,unit\n"
    b"E1,2024-03-01T00:00:00+08:00,1.5,kWh\n"  # 2 ok
    b"E1,2024-03-01T00:15:00+08:00,1.25,kWh\n"  # 3 ok
    b"E1,2024-03-01T00:15:00+08:00,1.25,kWh\n"  # 4 duplicate
    b"E1,2024-03-01T00:30:00+08:00,-0.5,kWh\n"  # 5 negative
    b"X9,2024-03-01T00:30:00+08:00,1.0,kWh\n"  # 6 unknown meter
    b"C1,2024-03-01T00:15:00+08:00,1000.0,kWh\n"  # 7 ok, 1.0 after the stored 999.0
    b"C1,2024-03-01T00:30:00+08:00,1002.5,kWh\n"  # 8 ok, 2.5
    b"C1,2024-03-01T00:45:00+08:00,3.0,kWh\n"  # 9 counter reset
    b"C1,2024-03-01T01:00:00+08:00,5.0,kWh\n"  # 10 ok, 2.0
)


def test_acceptance_import_reports_each_row_adds_up_and_twice_changes_nothing(store, tmp_path):
    # An earlier batch stored C1's register at 00:00 local: 999.0 (its energy unknown).
    first = parse(csv_bytes("C1,2024-03-01T00:00:00+08:00,999.0"))
    assert summarize(first, ingest(store, first, 1)).inserted == 1

    def previous(first_interval):
        return store.last_readings(SLUG, first_interval)

    parsed = parse(ACCEPTANCE, previous=previous)
    assert [(p.row, p.code) for p in parsed.problems] == [
        (4, "duplicate_in_file"),
        (5, "negative"),
        (6, "unknown_meter"),
        (9, "counter_reset"),
    ]
    result = ingest(store, parsed, 2)
    summary = summarize(parsed, result)
    assert (summary.rows_in, summary.inserted, summary.duplicates, summary.rejected) == (9, 5, 1, 3)
    assert summary.rows_in == summary.inserted + summary.duplicates + summary.rejected
    assert summary.months == ("2024-03",)
    files_before = snapshot(tmp_path)
    daily_before = store.daily(SLUG, [1, 2], dt.date(2024, 3, 1), dt.date(2024, 3, 2), SHANGHAI)
    assert day_row(daily_before, 1, dt.date(2024, 3, 1)).kwh == pytest.approx(2.75)
    assert day_row(daily_before, 2, dt.date(2024, 3, 1)).kwh == pytest.approx(1.0 + 2.5 + 2.0)

    again = parse(ACCEPTANCE, previous=previous)
    second = summarize(again, ingest(store, again, 3))
    assert (second.rows_in, second.inserted, second.duplicates, second.rejected) == (9, 0, 6, 3)
    assert second.revisions == 0 and second.months == ()
    assert snapshot(tmp_path) == files_before
    daily_after = store.daily(SLUG, [1, 2], dt.date(2024, 3, 1), dt.date(2024, 3, 2), SHANGHAI)
    assert daily_after.equals(daily_before)


# --- versions ----------------------------------------------------------------------------------


def test_a_changed_value_is_a_flagged_revision_that_wins_and_the_old_file_stays(store, tmp_path):
    day = quarter_hours("E1", "2024-03-05", [0.5] * 96)
    ingest(store, parse(csv_bytes(*day)), 1)
    old_file = store.files(SLUG, ["2024-03"])[0]
    old_bytes = old_file.read_bytes()

    changed = list(day)
    changed[40] = changed[40].rsplit(",", 1)[0] + ",0.75"  # 10:00 local: 0.5 → 0.75
    result = ingest(store, parse(csv_bytes(*changed)), 2)
    assert (result.inserted, result.revisions, result.duplicates) == (1, 1, 95)
    assert result.months == {"2024-03"}
    assert old_file.read_bytes() == old_bytes  # append-only

    daily = store.daily(SLUG, [1], dt.date(2024, 3, 5), dt.date(2024, 3, 6), SHANGHAI)
    row = day_row(daily, 1, dt.date(2024, 3, 5))
    assert row.kwh == pytest.approx(48.25)  # 95 × 0.5 + 0.75, not 48.0 and not 48.75
    assert row.intervals == 96

    revisions = store.revisions(SLUG, [1], utc(2024, 3, 4), utc(2024, 3, 6))
    assert revisions.to_dict("records") == [
        {
            "meter_id": 1,
            "ts": utc(2024, 3, 5, 2, 0),
            "value": 0.75,
            "batch_id": 2,
            "previous_value": 0.5,
            "previous_batch_id": 1,
        }
    ]

    # a third batch puts the old value back: again a revision, and the latest batch wins
    back = ingest(store, parse(csv_bytes(*day)), 3)
    assert (back.inserted, back.revisions) == (1, 1)
    daily = store.daily(SLUG, [1], dt.date(2024, 3, 5), dt.date(2024, 3, 6), SHANGHAI)
    assert day_row(daily, 1, dt.date(2024, 3, 5)).kwh == pytest.approx(48.0)
    monthly = store.monthly(SLUG, [1], dt.date(2024, 3, 1), dt.date(2024, 4, 1), SHANGHAI)
    assert monthly.kwh.tolist() == pytest.approx([48.0])


def test_late_data_lands_in_its_month_and_changes_that_month_only(store):
    ingest(store, parse(csv_bytes(*quarter_hours("E1", "2024-03-10", [1.0] * 4))), 1)
    before = store.monthly(SLUG, [1], dt.date(2024, 2, 1), dt.date(2024, 4, 1), SHANGHAI)
    assert math.isnan(before.kwh[0]) and before.kwh[1] == 4.0  # February: no data, not 0

    late = ingest(store, parse(csv_bytes(*quarter_hours("E1", "2024-02-20", [2.0] * 4))), 2)
    assert late.months == {"2024-02"}
    after = store.monthly(SLUG, [1], dt.date(2024, 2, 1), dt.date(2024, 4, 1), SHANGHAI)
    assert after.month.tolist() == [dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    assert after.kwh.tolist() == [8.0, 4.0]
    assert after.expected_intervals.tolist() == [29 * 96, 31 * 96]


def test_batch_ids_are_never_rewritten_and_an_uncommitted_batch_can_be_discarded(store):
    parsed = parse(csv_bytes(*quarter_hours("E1", "2024-03-10", [1.0] * 4)))
    ingest(store, parsed, 7)
    other = parse(csv_bytes(*quarter_hours("E1", "2024-03-11", [1.0] * 4)))
    with pytest.raises(StoreError) as exists:
        ingest(store, other, 7)
    assert exists.value.code == "batch_exists"
    removed = store.discard_batch(SLUG, 7)
    assert [p.name for p in removed] == ["batch-00000007.parquet"]
    assert ingest(store, parsed, 8).inserted == 4


def test_a_batch_with_a_repeated_key_is_refused(store):
    table = pa.table(
        {
            "meter_id": pa.array([1, 1], pa.int64()),
            "ts": pa.array([utc(2024, 3, 1), utc(2024, 3, 1)], pa.timestamp("us", tz="UTC")),
            "value": [1.0, 2.0],
        }
    )
    with pytest.raises(StoreError) as error:
        store.ingest(table, community=SLUG, time_zone=SHANGHAI, batch_id=1)
    assert error.value.code == "bad_table"
    with pytest.raises(StoreError):
        store.community_dir("../etc")


# --- local time --------------------------------------------------------------------------------


def test_days_are_cut_at_local_midnight(store):
    parsed = parse(
        csv_bytes(
            "E1,2024-03-01T23:45:00+08:00,1.0",  # 15:45 UTC: March 1 in Shanghai
            "E1,2024-03-01T16:00:00Z,2.0",  # 00:00 on March 2 in Shanghai
            "E1,2024-03-31T16:00:00Z,4.0",  # 00:00 on April 1 in Shanghai: April's partition
        )
    )
    result = ingest(store, parsed, 1)
    assert result.months == {"2024-03", "2024-04"}
    daily = store.daily(SLUG, [1], dt.date(2024, 3, 1), dt.date(2024, 3, 3), SHANGHAI)
    assert daily.day.tolist() == [dt.date(2024, 3, 1), dt.date(2024, 3, 2)]
    assert daily.kwh.tolist() == [1.0, 2.0]
    assert daily.intervals.tolist() == [1, 1]
    assert daily.expected_intervals.tolist() == [96, 96]
    monthly = store.monthly(SLUG, [1], dt.date(2024, 3, 1), dt.date(2024, 5, 1), SHANGHAI)
    assert monthly.kwh.tolist() == [3.0, 4.0]


def test_a_day_with_a_missing_hour_shows_the_gap_never_zero(store):
    values = [0.25] * 96
    lines = quarter_hours("E1", "2024-03-05", values)
    del lines[40:44]  # 10:00–11:00 local is missing
    ingest(store, parse(csv_bytes(*lines)), 1)
    gaps = store.gaps(SLUG, 1, utc(2024, 3, 4, 16), utc(2024, 3, 5, 16), 15, time_zone=SHANGHAI)
    assert gaps == [(utc(2024, 3, 5, 2), utc(2024, 3, 5, 3))]  # 10:00–11:00 +08:00
    daily = store.daily(SLUG, [1], dt.date(2024, 3, 4), dt.date(2024, 3, 6), SHANGHAI)
    assert daily.intervals.tolist() == [0, 92]
    assert daily.expected_intervals.tolist() == [96, 96]
    assert math.isnan(daily.kwh[0])  # a day without data has no total, not 0
    assert daily.kwh[1] == pytest.approx(23.0)  # 92 × 0.25, and incomplete by 4 intervals
    # a window reaching past the data: the tail is a gap too
    tail = store.gaps(SLUG, 1, utc(2024, 3, 5, 15), utc(2024, 3, 5, 17), 15, time_zone=SHANGHAI)
    assert tail == [(utc(2024, 3, 5, 16), utc(2024, 3, 5, 17))]


def test_expected_intervals_follow_daylight_saving_days(tmp_path):
    store = IntervalStore(tmp_path)
    spec = {"B1": MeterSpec(1, "B1", "interval", "kWh", "berlin", "Europe/Berlin")}
    t0 = np.datetime64("2024-03-30T23:00")  # UTC: 00:00 on March 31 in Berlin (CET)
    lines = [f"B1,{np.datetime_as_string(t0 + i * np.timedelta64(15, 'm'))}Z,1" for i in range(92)]
    parsed = iv.parse_csv(csv_bytes(*lines), ColumnMapping(), spec, "Europe/Berlin")
    store.ingest(parsed.table, community="berlin", time_zone="Europe/Berlin", batch_id=1)
    daily = store.daily("berlin", [1], dt.date(2024, 3, 31), dt.date(2024, 4, 1), "Europe/Berlin")
    assert daily.kwh.tolist() == [92.0]
    assert daily.intervals.tolist() == [92]
    assert daily.expected_intervals.tolist() == [92]  # a 23-hour day


# --- demand, series, counters ------------------------------------------------------------------


def test_15_minute_peak_demand_from_5_minute_data(store):
    five_min = {**METERS, "E5": meter(5, "E5", resolution_min=5)}
    t0 = np.datetime64("2024-03-05T00:00")
    values = [0.1] * 288  # 5-minute energy [kWh]: 1.2 kW on average
    values[120:123] = [0.5, 0.6, 0.4]  # 10:00–10:15 local: 1.5 kWh in 15 min
    values[125:128] = [0.7, 0.7, 0.6]  # 10:25–10:40: 2.0 kWh, across two 15-min periods
    lines = [
        f"E5,{np.datetime_as_string(t0 + i * np.timedelta64(5, 'm'))}+08:00,{v}"
        for i, v in enumerate(values)
    ]
    parsed = iv.parse_csv(csv_bytes(*lines), ColumnMapping(), five_min, SHANGHAI)
    ingest(store, parsed, 1)
    peak = store.peak_demand_kw(SLUG, [5], "2024-03", SHANGHAI, resolution_min={5: 5})
    row = peak.iloc[0]
    # Periods are clock-aligned: 10:15–10:30 = 0.1 + 0.1 + 0.7 = 0.9 kWh and 10:30–10:45 =
    # 0.7 + 0.6 + 0.1 = 1.4 kWh, so the largest is 10:00–10:15 with 1.5 kWh → 1.5 × 4 = 6.0 kW
    # (a meter's sliding window would catch 10:25–10:40, 2.0 kWh → 8.0 kW).
    assert row.peak_kw == pytest.approx(6.0)
    assert row.peak_start == utc(2024, 3, 5, 2, 0)
    assert (row.period_min, row.intervals) == (15, 3)


def test_hourly_series_of_generation_and_load_for_self_consumption(store):
    load = quarter_hours("E1", "2024-06-01", [1.0] * 8, start_hour=11)
    pv = quarter_hours("PV1", "2024-06-01", [1.5] * 4, start_hour=11)
    ingest(store, parse(csv_bytes(*load, *pv)), 1)
    series = store.series(
        SLUG, [1, 3], utc(2024, 6, 1, 3), utc(2024, 6, 1, 5), 60, time_zone=SHANGHAI
    )
    wide = series.pivot(index="ts", columns="meter_id", values="kwh")
    assert wide.loc[utc(2024, 6, 1, 3)].tolist() == [4.0, 6.0]
    assert math.isnan(wide.loc[utc(2024, 6, 1, 4), 3])  # no PV reading after 12:00: a hole
    self_consumed = np.nansum(np.minimum(wide[1], wide[3]))
    assert self_consumed == 4.0


def test_counter_chain_continues_from_the_store_across_files(store):
    def previous(first):
        return store.last_readings(SLUG, first)

    a = parse(csv_bytes("C1,2024-03-01T00:15:00+08:00,100", "C1,2024-03-01T00:30:00+08:00,101"))
    ingest(store, a, 1)
    assert store.last_readings(SLUG, {2: utc(2024, 3, 2)}) == {2: (utc(2024, 2, 29, 16, 15), 101.0)}
    b = parse(csv_bytes("C1,2024-03-01T00:45:00+08:00,103.5"), previous=previous)
    assert b.table["value"].to_pylist() == [2.5]
    ingest(store, b, 2)
    daily = store.daily(SLUG, [2], dt.date(2024, 3, 1), dt.date(2024, 3, 2), SHANGHAI)
    assert daily.kwh.tolist() == [3.5] and daily.intervals.tolist() == [2]  # first unknown


def test_meters_without_data_still_get_rows(store):
    ingest(store, parse(csv_bytes(*quarter_hours("E1", "2024-03-05", [1.0] * 4))), 1)
    daily = store.daily(SLUG, [1, 3], dt.date(2024, 3, 5), dt.date(2024, 3, 6), SHANGHAI)
    assert daily.meter_id.tolist() == [1, 3]
    assert daily.intervals.tolist() == [4, 0]
    assert math.isnan(daily.kwh[1])
    empty = IntervalStore(store.root / "nothing")
    frame = empty.daily(SLUG, [1], dt.date(2024, 3, 5), dt.date(2024, 3, 6), SHANGHAI)
    assert frame.intervals.tolist() == [0]


def test_a_meter_coarser_than_15_minutes_uses_its_own_interval_as_demand_period(store):
    hourly = {**METERS, "H1": meter(6, "H1", resolution_min=60)}
    lines = [f"H1,2024-03-05T{h:02d}:00:00+08:00,{2.0 + (h == 9)}" for h in range(24)]
    lines += quarter_hours("E1", "2024-03-05", [0.5] * 4 + [0.75] + [0.5] * 3)
    parsed = iv.parse_csv(csv_bytes(*lines), ColumnMapping(), hourly, SHANGHAI)
    ingest(store, parsed, 1)
    peak = store.peak_demand_kw(SLUG, [1, 6], "2024-03", SHANGHAI, resolution_min={1: 15, 6: 60})
    assert peak.meter_id.tolist() == [1, 6]
    assert peak.peak_kw.tolist() == pytest.approx([3.0, 3.0])  # 0.75 kWh × 4; 3.0 kWh × 1
    assert peak.period_min.tolist() == [15, 60]
    assert peak.peak_start.tolist() == [utc(2024, 3, 4, 17, 0), utc(2024, 3, 5, 1, 0)]
