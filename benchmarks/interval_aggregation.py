"""Interval-data aggregation benchmark (issue: interval-data store). Side by side in one run:

Data: 1,000 meters × one year (2023) of 15-minute readings = 35,040,000 rows, seeded, written
by ``IntervalStore.ingest`` in its own layout (one batch per local month, Asia/Shanghai) into a
temporary folder that is deleted afterwards.

Monthly energy per meter and local month, three ways over the same Parquet files:

A. the store: ``IntervalStore.monthly`` (latest revision per reading, months cut at local
   midnight, every (meter, month) with expected intervals);
B. hand-written DuckDB: (B1) the natural query, ``date_trunc('month', timezone(tz, ts))`` over
   a glob of the month folders; (B2) the same with the fixed +8 h offset as integer arithmetic
   (what the store generates for a zone without daylight saving). Neither handles revisions;
C. pandas: ``read_parquet`` of the needed columns only (meter_id, ts, value), ``tz_convert``
   to local time, ``groupby(meter, year, month)``.

The three results must be equal (kWh relative 1e-9, interval counts exact) or the run fails.
Targets: store ≤ 1.5 × hand-written DuckDB; pandas ≥ 3 × store. Reported besides: the store's
first (cold) call, ``daily`` for the year and ``peak_demand_kw`` for a month, the store with
0.1 % of one month's readings revised, the ingest time, and peak memory.

Writes a JSON record to test-output/bench/interval_aggregation.json and prints a table.
Run: ``.venv/bin/python benchmarks/interval_aggregation.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from nearzero.energy.store import IntervalStore

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "bench"
SEED = 20230101
METERS = 1_000
YEAR = 2023
TZ = "Asia/Shanghai"
SLUG = "bench"
REPEAT = 5  # best of
RTOL = 1e-9
STORE_VS_DUCKDB_TARGET = 1.5
PANDAS_VS_STORE_TARGET = 3.0
REVISED_FRACTION = 0.001


# --- data ----------------------------------------------------------------------------------


def month_table(rng: np.random.Generator, month: int) -> pa.Table:
    """One local month of 15-minute readings for every meter: a daily load shape × noise."""
    start = np.datetime64(f"{YEAR}-{month:02d}-01T00:00") - np.timedelta64(8, "h")
    end = (np.datetime64(f"{YEAR}-{month:02d}", "M") + 1).astype("datetime64[m]") - np.timedelta64(
        8, "h"
    )
    slots = int((end - start) // np.timedelta64(15, "m"))
    ts = (start + np.arange(slots) * np.timedelta64(15, "m")).astype("datetime64[us]")
    hour = (np.arange(slots) % 96) / 4.0
    shape = 0.6 + 0.4 * np.sin((hour - 6.0) / 24.0 * 2 * np.pi) ** 2  # 0.6–1.0
    size = rng.lognormal(0.0, 0.5, METERS)[:, None]  # kWh per 15 min at the peak
    value = np.round(size * shape[None, :] * rng.gamma(8.0, 1 / 8.0, (METERS, slots)), 3)
    return pa.table(
        {
            "meter_id": pa.array(np.repeat(np.arange(1, METERS + 1), slots), pa.int64()),
            "ts": pa.array(np.tile(ts.astype(np.int64), METERS), pa.int64()).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "value": value.ravel(),
        }
    )


def build(store: IntervalStore) -> tuple[int, float]:
    rng = np.random.default_rng(SEED)
    rows, start = 0, time.perf_counter()
    for month in range(1, 13):
        table = month_table(rng, month)
        result = store.ingest(table, community=SLUG, time_zone=TZ, batch_id=month)
        if result.inserted != table.num_rows:
            raise SystemExit(f"month {month}: {result}")
        rows += table.num_rows
    return rows, time.perf_counter() - start


# --- the three ways ------------------------------------------------------------------------


def window() -> tuple[dt.date, dt.date]:
    return dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1)


def store_monthly(store: IntervalStore) -> pd.DataFrame:
    start, end = window()
    return store.monthly(SLUG, list(range(1, METERS + 1)), start, end, TZ)


def bounds_sql() -> tuple[str, str]:
    start, end = window()
    return (
        f"TIMESTAMPTZ '{start.isoformat()} 00:00:00+08:00'",
        f"TIMESTAMPTZ '{end.isoformat()} 00:00:00+08:00'",
    )


def duckdb_natural(con, root: Path) -> pd.DataFrame:
    a, b = bounds_sql()
    glob = f"{root}/interval/community={SLUG}/month=*/*.parquet"
    return con.execute(
        f"""
        SELECT meter_id, CAST(date_trunc('month', timezone('{TZ}', ts)) AS DATE) AS month,
               sum(value) AS kwh, count(value) AS intervals
        FROM read_parquet('{glob}', hive_partitioning = false)
        WHERE ts >= {a} AND ts < {b}
        GROUP BY ALL
        """  # noqa: S608 - constants of this script
    ).fetchdf()


def duckdb_offset(con, root: Path) -> pd.DataFrame:
    a, b = bounds_sql()
    glob = f"{root}/interval/community={SLUG}/month=*/*.parquet"
    return con.execute(
        f"""
        SELECT meter_id, date_trunc('month', DATE '1970-01-01' + CAST(day AS INTEGER)) AS month,
               sum(kwh) AS kwh, sum(n) AS intervals
        FROM (
            SELECT meter_id, (epoch_us(ts) + 28800000000) // 86400000000 AS day,
                   sum(value) AS kwh, count(value) AS n
            FROM read_parquet('{glob}', hive_partitioning = false)
            WHERE ts >= {a} AND ts < {b}
            GROUP BY ALL
        )
        GROUP BY ALL
        """  # noqa: S608 - constants of this script
    ).fetchdf()


def pandas_monthly(files: list[Path]) -> pd.DataFrame:
    start, end = window()
    df = pd.read_parquet([str(f) for f in files], columns=["meter_id", "ts", "value"])
    lo = pd.Timestamp(start.isoformat(), tz=TZ)
    hi = pd.Timestamp(end.isoformat(), tz=TZ)
    df = df[(df["ts"] >= lo) & (df["ts"] < hi)]
    local = df["ts"].dt.tz_convert(TZ)
    out = (
        df.assign(year=local.dt.year, month=local.dt.month)
        .groupby(["meter_id", "year", "month"], sort=False)["value"]
        .agg(kwh="sum", intervals="count")
        .reset_index()
    )
    out["month"] = [dt.date(y, m, 1) for y, m in zip(out["year"], out["month"], strict=True)]
    return out.drop(columns="year")


# --- checks and timing ---------------------------------------------------------------------


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame[["meter_id", "month", "kwh", "intervals"]].copy()
    f["month"] = pd.to_datetime(f["month"]).dt.strftime("%Y-%m")
    f["meter_id"] = f["meter_id"].astype(np.int64)
    f["intervals"] = f["intervals"].astype(np.int64)
    return f.sort_values(["meter_id", "month"]).reset_index(drop=True)


def compare(name: str, reference: pd.DataFrame, other: pd.DataFrame) -> None:
    a, b = normalise(reference), normalise(other)
    problems = []
    if (
        len(a) != len(b)
        or not (a[["meter_id", "month"]].values == b[["meter_id", "month"]].values).all()
    ):
        problems.append(f"keys differ ({len(a)} vs {len(b)} rows)")
    elif not (a["intervals"].values == b["intervals"].values).all():
        problems.append("interval counts differ")
    elif not np.allclose(a["kwh"].values, b["kwh"].values, rtol=RTOL, atol=0):
        worst = np.max(np.abs(a["kwh"].values / b["kwh"].values - 1))
        problems.append(f"kWh differ (worst relative {worst:.2e})")
    if problems:
        raise SystemExit(f"store and {name} disagree: {'; '.join(problems)}")


def timed(fn: Callable[[], object], repeat: int = REPEAT) -> tuple[float, float, object]:
    """(first call s, best of ``repeat`` s, value)."""
    samples, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - start)
    return samples[0], min(samples), value


def revise(store: IntervalStore) -> int:
    """Write a batch that changes 0.1 % of June's readings (the store must pick them)."""
    rng = np.random.default_rng(SEED + 1)
    files = store.files(SLUG, [f"{YEAR}-06"])
    con = duckdb.connect()
    table = con.sql(
        f"SELECT meter_id, ts, value FROM read_parquet({[str(f) for f in files]})"  # noqa: S608
    ).to_arrow_table()
    pick = np.sort(
        rng.choice(table.num_rows, int(table.num_rows * REVISED_FRACTION), replace=False)
    )
    revised = table.take(pa.array(pick))
    revised = revised.set_column(2, "value", pa.array(revised["value"].to_numpy() + 0.5))
    result = store.ingest(revised, community=SLUG, time_zone=TZ, batch_id=100)
    return result.revisions


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nearzero-bench-intervals-") as tmp:
        root = Path(tmp)
        store = IntervalStore(root)
        rows, ingest_s = build(store)
        files = store.files(SLUG, store.months(SLUG))
        size_mb = sum(f.stat().st_size for f in files) / 1e6

        store_first, store_best, by_store = timed(lambda: store_monthly(store))
        con = duckdb.connect()
        natural_first, natural_best, by_natural = timed(lambda: duckdb_natural(con, root))
        offset_first, offset_best, by_offset = timed(lambda: duckdb_offset(con, root))
        rss_before_pandas = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pandas_first, pandas_best, by_pandas = timed(lambda: pandas_monthly(files), repeat=2)
        rss_after_pandas = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        compare("hand-written DuckDB (natural)", by_store, by_natural)
        compare("hand-written DuckDB (offset)", by_store, by_offset)
        compare("pandas", by_store, by_pandas)

        start, end = window()
        _f, daily_best, daily = timed(
            lambda: store.daily(SLUG, list(range(1, METERS + 1)), start, end, TZ), repeat=3
        )
        _f, peak_best, peak = timed(
            lambda: store.peak_demand_kw(SLUG, None, f"{YEAR}-07", TZ), repeat=3
        )
        revisions = revise(store)
        _f, revised_best, revised = timed(lambda: store_monthly(store), repeat=3)
        june = normalise(revised)
        june_changed = june[june["month"] == f"{YEAR}-06"]["kwh"].sum() - normalise(by_store).pipe(
            lambda f: f[f["month"] == f"{YEAR}-06"]["kwh"].sum()
        )
        if not math.isclose(june_changed, 0.5 * revisions, rel_tol=1e-6):
            raise SystemExit(f"revisions not applied: June changed by {june_changed}")

    record = {
        "benchmark": "interval_aggregation",
        "python": sys.version.split()[0],
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
        "machine": platform.machine(),
        "rows": rows,
        "meters": METERS,
        "year": YEAR,
        "time_zone": TZ,
        "files": len(files),
        "parquet_mb": round(size_mb, 1),
        "ingest_s": round(ingest_s, 2),
        "ingest_rows_per_s": round(rows / ingest_s),
        "repeat": REPEAT,
        "monthly": {
            "store": {"first_s": round(store_first, 3), "best_s": round(store_best, 3)},
            "duckdb_natural": {
                "first_s": round(natural_first, 3),
                "best_s": round(natural_best, 3),
            },
            "duckdb_offset": {"first_s": round(offset_first, 3), "best_s": round(offset_best, 3)},
            "pandas": {
                "first_s": round(pandas_first, 3),
                "best_s": round(pandas_best, 3),
                "columns_read": ["meter_id", "ts", "value"],
                "peak_rss_mb_before": round(rss_before_pandas),
                "peak_rss_mb_after": round(rss_after_pandas),
            },
            "result_rows": len(by_store),
            "results_match": True,
        },
        "ratio_store_to_duckdb_natural": round(store_best / natural_best, 3),
        "ratio_store_to_duckdb_offset": round(store_best / offset_best, 3),
        "ratio_pandas_to_store": round(pandas_best / store_best, 2),
        "targets": {
            "store_to_duckdb_max": STORE_VS_DUCKDB_TARGET,
            "pandas_to_store_min": PANDAS_VS_STORE_TARGET,
        },
        "daily_year_best_s": round(daily_best, 3),
        "daily_rows": len(daily),
        "peak_demand_month_best_s": round(peak_best, 3),
        "peak_rows": len(peak),
        "revised_readings": revisions,
        "monthly_with_revisions_best_s": round(revised_best, 3),
    }
    (OUT / "interval_aggregation.json").write_text(json.dumps(record, indent=2))
    print_report(record)
    ok = (
        record["ratio_store_to_duckdb_natural"] <= STORE_VS_DUCKDB_TARGET
        and record["ratio_store_to_duckdb_offset"] <= STORE_VS_DUCKDB_TARGET
        and record["ratio_pandas_to_store"] >= PANDAS_VS_STORE_TARGET
    )
    if not ok:
        print("FAIL: a target is missed", file=sys.stderr)
        return 1
    return 0


def print_report(r: dict) -> None:
    print(
        f"{r['rows']:,} 15-minute readings ({r['meters']:,} meters × {r['year']}), {r['files']} "
        f"files, {r['parquet_mb']} MB; ingest {r['ingest_s']:.1f} s "
        f"({r['ingest_rows_per_s']:,} rows/s)"
    )
    print(f"monthly energy per meter, {r['time_zone']}; best of {r['repeat']} (pandas 2)")
    print(f"{'':<34}{'first s':>10}{'best s':>10}{'÷ store':>10}")
    m = r["monthly"]
    for label, key in (
        ("store.monthly", "store"),
        ("DuckDB, timezone() (natural)", "duckdb_natural"),
        ("DuckDB, +8 h offset (tuned)", "duckdb_offset"),
        ("pandas (3 columns)", "pandas"),
    ):
        v = m[key]
        ratio = v["best_s"] / m["store"]["best_s"]
        print(f"{label:<34}{v['first_s']:>10.3f}{v['best_s']:>10.3f}{ratio:>10.2f}")
    print(
        f"store / DuckDB natural {r['ratio_store_to_duckdb_natural']:.2f}, "
        f"store / DuckDB tuned {r['ratio_store_to_duckdb_offset']:.2f} "
        f"(target <= {STORE_VS_DUCKDB_TARGET}); pandas / store {r['ratio_pandas_to_store']:.1f} "
        f"(target >= {PANDAS_VS_STORE_TARGET}); {m['result_rows']:,} results equal"
    )
    print(
        f"pandas peak RSS {m['pandas']['peak_rss_mb_after']:,} MB "
        f"(before pandas {m['pandas']['peak_rss_mb_before']:,} MB)"
    )
    print(
        f"store.daily for the year: {r['daily_year_best_s']:.3f} s ({r['daily_rows']:,} rows); "
        f"peak_demand_kw for a month: {r['peak_demand_month_best_s']:.3f} s; "
        f"monthly with {r['revised_readings']:,} revised readings: "
        f"{r['monthly_with_revisions_best_s']:.3f} s"
    )
    print(f"written to {OUT / 'interval_aggregation.json'}")


if __name__ == "__main__":
    sys.exit(main())
