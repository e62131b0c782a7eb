"""Interval-data import benchmark (issue: interval-data store).

Three seeded vendor CSV exports of one month (March 2024) for 1,000 meters at 15 minutes
(2,976,000 readings each, plus the defects below), generated into a temporary folder that is
deleted afterwards:

- ``iso``: ``meter,timestamp,value,unit`` with ISO 8601 offsets (``2024-03-01T00:15:00+08:00``);
  a tenth of the meters export Wh, the rest kWh;
- ``vendor``: Chinese headers (表号, 采集时间, 正向有功电量(kWh)), wall-clock timestamps
  (``2024-03-01 00:15:00``, read in Asia/Shanghai), no unit column;
- ``counter``: cumulative registers (counter meters), energy = difference of readings.

Defects in every file, at fixed seeded rows: 0.05 % negative values (a reset for counters),
0.05 % unknown meter codes, 0.05 % exact repeats, 0.02 % values that are not numbers. The
parser must report exactly these, and rows in = valid + duplicates + rejected.

Measured: ``parse_csv`` (read + full validation) rows/s, first call and best of
``REPEAT``; then, for the ``iso`` file, ``IntervalStore.ingest`` into an empty store, the same
batch again (all duplicates), and a batch with 1 % of the readings changed (revisions).
Target: parse + validate >= 1,000,000 rows/s.

Writes a JSON record to test-output/bench/interval_import.json and prints a table.
Run: ``.venv/bin/python benchmarks/interval_import.py``.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from nearzero.core.energy import intervals as iv
from nearzero.core.energy.intervals import ColumnMapping, MeterSpec
from nearzero.energy.store import IntervalStore, summarize

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "bench"
SEED = 20240301
METERS = 1_000
DAYS = 31
TZ = "Asia/Shanghai"
SLUG = "bench"
REPEAT = 3
TARGET_ROWS_PER_S = 1_000_000
DEFECTS = {"negative": 0.0005, "unknown_meter": 0.0005, "duplicate": 0.0005, "bad_value": 0.0002}
MAPPINGS = {
    "iso": ColumnMapping(),
    "vendor": ColumnMapping(
        meter="表号", timestamp="采集时间", value="正向有功电量(kWh)", unit=None, value_unit="kWh"
    ),
    "counter": ColumnMapping(unit=None),
}


def meters(register: str) -> dict[str, MeterSpec]:
    return {
        f"DB{i:05d}": MeterSpec(i + 1, f"DB{i:05d}", register, "kWh", SLUG, TZ)
        for i in range(METERS)
    }


def generate(kind: str) -> tuple[bytes, dict[str, int]]:
    """A vendor CSV and the number of defects of each kind it holds."""
    rng = np.random.default_rng(SEED + len(kind))
    slots = DAYS * 96
    n = METERS * slots
    meter = np.repeat(np.arange(METERS), slots)
    local = np.datetime64("2024-03-01T00:00", "us") + np.tile(
        np.arange(slots) * np.timedelta64(15, "m"), METERS
    )
    energy = np.round(rng.gamma(2.0, 0.25, n), 3)
    codes = pc.binary_join_element_wise(
        "DB", pc.utf8_lpad(pa.array(meter).cast(pa.string()), 5, "0"), ""
    )
    stamps = pa.array(local.astype("datetime64[s]"), pa.timestamp("s"))  # no fractions
    if kind == "iso":
        text_ts = pc.binary_join_element_wise(
            pc.strftime(stamps, "%Y-%m-%dT%H:%M:%S"), "+08:00", ""
        )
    else:
        text_ts = pc.strftime(stamps, "%Y-%m-%d %H:%M:%S")
    values = energy.copy()
    if kind == "counter":  # cumulative register per meter
        values = np.round(np.cumsum(energy.reshape(METERS, slots), axis=1).ravel() + 1000.0, 3)
    wh = meter % 10 == 0 if kind == "iso" else np.zeros(n, dtype=bool)
    values = np.where(wh, np.round(values * 1000.0, 3), values)

    picks = rng.permutation(n)
    counts, cursor, bad = {}, 0, {}
    for defect, share in DEFECTS.items():
        k = int(n * share)
        bad[defect] = np.sort(picks[cursor : cursor + k])
        cursor += k
        counts[defect] = k
    value_text = (
        pc.cast(pa.array(values), pa.string()).to_numpy(zero_copy_only=False).astype(object)
    )
    code_text = codes.to_numpy(zero_copy_only=False).astype(object)
    if kind == "counter":  # a reset: the register drops to a small number
        value_text[bad["negative"]] = "0.5"
    else:
        value_text[bad["negative"]] = "-" + value_text[bad["negative"]]
    code_text[bad["unknown_meter"]] = "XX99999"
    value_text[bad["bad_value"]] = "—"
    order = np.sort(np.concatenate([np.arange(n), bad["duplicate"]]))  # repeats right after
    columns = {
        "meter": pa.array(code_text[order], pa.string()),
        "timestamp": text_ts.take(pa.array(order)),
        "value": pa.array(value_text[order], pa.string()),
    }
    if kind == "iso":
        units = np.where(wh, "Wh", "kWh")
        columns["unit"] = pa.array(units[order])
    names = {"meter": "meter", "timestamp": "timestamp", "value": "value", "unit": "unit"}
    if kind == "vendor":
        names = {"meter": "表号", "timestamp": "采集时间", "value": "正向有功电量(kWh)"}
    table = pa.table({names[k]: v for k, v in columns.items()})
    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue().to_pybytes(), counts


def check(kind: str, parsed: iv.Parsed, defects: dict[str, int]) -> None:
    counts = parsed.counts()
    expected_code = "counter_reset" if kind == "counter" else "negative"
    problems = []
    # a reset may also hit a counter's first reading, which has nothing to drop from
    if not 0 <= defects["negative"] - counts[expected_code] <= METERS:
        problems.append(f"{expected_code}: {counts[expected_code]} vs {defects['negative']}")
    if counts["unknown_meter"] != defects["unknown_meter"]:
        problems.append(f"unknown_meter: {counts['unknown_meter']} vs {defects['unknown_meter']}")
    if counts["duplicate_in_file"] != defects["duplicate"]:
        problems.append(f"duplicates: {counts['duplicate_in_file']} vs {defects['duplicate']}")
    if counts["bad_value"] != defects["bad_value"]:
        problems.append(f"bad_value: {counts['bad_value']} vs {defects['bad_value']}")
    if parsed.accepted + parsed.duplicates_in_file + parsed.rejected_count != parsed.rows_in:
        problems.append("rows in ≠ valid + duplicates + rejected")
    if problems:
        raise SystemExit(f"{kind}: " + "; ".join(problems))


def timed(fn, repeat: int = REPEAT):
    samples, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - start)
    return samples, value


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="nearzero-bench-import-") as tmp:
        store = IntervalStore(Path(tmp) / "data")
        for kind, mapping in MAPPINGS.items():
            start = time.perf_counter()
            content, defects = generate(kind)
            generate_s = time.perf_counter() - start
            path = Path(tmp) / f"{kind}.csv"
            path.write_bytes(content)
            register = "counter" if kind == "counter" else "interval"
            spec = meters(register)
            samples, parsed = timed(
                lambda content=content, mapping=mapping, spec=spec: iv.parse_csv(
                    content, mapping, spec, TZ
                )
            )
            check(kind, parsed, defects)
            results[kind] = {
                "rows_in": parsed.rows_in,
                "bytes": len(content),
                "generate_s": round(generate_s, 2),
                "parse_first_s": round(samples[0], 3),
                "parse_best_s": round(min(samples), 3),
                "rows_per_s_first": round(parsed.rows_in / samples[0]),
                "rows_per_s_best": round(parsed.rows_in / min(samples)),
                "counts": parsed.counts(),
            }
            if kind == "iso":
                first, result = timed(
                    lambda p=parsed: store.ingest(
                        p.table, community=SLUG, time_zone=TZ, batch_id=1
                    ),
                    repeat=1,
                )
                summary = summarize(parsed, result)
                again, result2 = timed(
                    lambda p=parsed: store.ingest(
                        p.table, community=SLUG, time_zone=TZ, batch_id=2
                    ),
                    repeat=1,
                )
                if result2.inserted != 0 or result2.duplicates != parsed.accepted:
                    raise SystemExit(f"re-import wrote rows: {result2}")
                rng = np.random.default_rng(SEED)
                mask = rng.random(parsed.accepted) < 0.01
                values = parsed.table["value"].to_numpy(zero_copy_only=False)
                changed = parsed.table.set_column(
                    2, "value", pa.array(np.where(mask, values + 0.001, values))
                )
                revised_s, result3 = timed(
                    lambda t=changed: store.ingest(t, community=SLUG, time_zone=TZ, batch_id=3),
                    repeat=1,
                )
                if result3.revisions != int(mask.sum()):
                    raise SystemExit(f"revisions: {result3.revisions} vs {int(mask.sum())}")
                results[kind]["ingest"] = {
                    "rows": parsed.accepted,
                    "new_s": round(first[0], 3),
                    "new_rows_per_s": round(parsed.accepted / first[0]),
                    "again_s": round(again[0], 3),
                    "again_rows_per_s": round(parsed.accepted / again[0]),
                    "revised_s": round(revised_s[0], 3),
                    "revisions": result3.revisions,
                    "summary": {
                        "rows_in": summary.rows_in,
                        "inserted": summary.inserted,
                        "duplicates": summary.duplicates,
                        "rejected": summary.rejected,
                    },
                }
    record = {
        "benchmark": "interval_import",
        "python": sys.version.split()[0],
        "pyarrow": pa.__version__,
        "machine": platform.machine(),
        "meters": METERS,
        "days": DAYS,
        "repeat": REPEAT,
        "target_rows_per_s": TARGET_ROWS_PER_S,
        "files": results,
    }
    (OUT / "interval_import.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print_report(record)
    slowest = min(r["rows_per_s_best"] for r in results.values())
    if slowest < TARGET_ROWS_PER_S:
        print(f"FAIL: parse + validate below {TARGET_ROWS_PER_S:,} rows/s", file=sys.stderr)
        return 1
    return 0


def print_report(r: dict) -> None:
    print(
        f"parse_csv with full validation, {r['meters']:,} meters × {r['days']} days × 96; "
        f"first call and best of {r['repeat']}"
    )
    print(f"{'file':<10}{'rows in':>12}{'MB':>8}{'first s':>10}{'best s':>9}{'rows/s best':>14}")
    for kind, v in r["files"].items():
        print(
            f"{kind:<10}{v['rows_in']:>12,}{v['bytes'] / 1e6:>8.1f}{v['parse_first_s']:>10.3f}"
            f"{v['parse_best_s']:>9.3f}{v['rows_per_s_best']:>14,}"
        )
    for kind, v in r["files"].items():
        c = v["counts"]
        print(
            f"  {kind}: ok {c['ok']:,}, duplicate {c['duplicate_in_file']:,}, negative "
            f"{c['negative']:,}, counter_reset {c['counter_reset']:,}, unknown_meter "
            f"{c['unknown_meter']:,}, bad_value {c['bad_value']:,}"
        )
    ing = r["files"]["iso"]["ingest"]
    print(
        f"ingest (iso) {ing['rows']:,} rows: new {ing['new_s']:.2f} s "
        f"({ing['new_rows_per_s']:,} rows/s); again, all duplicates {ing['again_s']:.2f} s; "
        f"with {ing['revisions']:,} revisions {ing['revised_s']:.2f} s"
    )
    s = ing["summary"]
    print(
        f"batch: rows in {s['rows_in']:,} = inserted {s['inserted']:,} + duplicates "
        f"{s['duplicates']:,} + rejected {s['rejected']:,}"
    )
    best = min(v["rows_per_s_best"] for v in r["files"].values())
    print(f"slowest file {best:,} rows/s (target >= {r['target_rows_per_s']:,})")
    print(f"written to {OUT / 'interval_import.json'}")


if __name__ == "__main__":
    sys.exit(main())
