"""Inventory benchmark (issue: GHG inventory). Side by side in one run:

A. A 5-year community inventory from 100,000 activity records (20,000 a year, seeded),
   computed by ``nearzero.core.ghg.calc.compute_inventory`` and by a straightforward pandas
   implementation of the same GPC rules written here, independently of the core. The pandas
   results must equal the core's (relative 1e-9) for every year, or the run fails. Reported:
   best-of-N build and compute times and the ratio pandas / core (> 1: the core is faster).
B. The inventory page at that size: render time (p50/p95) and query count of
   ``/inventories/<pk>/`` for one inventory, first with the demo's few records, then with
   20,000 records in the inventory and 100,000 in the community over 5 years. The query count
   must not grow with the number of records, or the run fails. ``selectors.report`` and
   ``selectors.compute`` (what the page calls) are measured beside it; if the page's URL does
   not exist yet, only they are measured and the page is reported as missing.

Writes a JSON record to test-output/bench/inventory.json and prints a table.
Run: ``.venv/bin/python benchmarks/inventory.py``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from nearzero.core.ghg import calc, reference, registry
from nearzero.core.units import CANONICAL

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "bench"
SEED = 20240601
YEARS = (2020, 2021, 2022, 2023, 2024)
PER_YEAR = 20_000
REPEAT = 7  # best of, part A
PAGE_REPEAT = 20  # requests per size, part B
GWP_SET = "AR5"
LEVEL = "basic"
POPULATION = 6_000
FLOOR_AREA_M2 = 400_000
FACTOR_SET = "cn-2022"
PROVINCE, GRID_REGION = "310000", "east"
COMMUNITY = "dongping"
USER = "chongming_officer"
RTOL = 1e-9
ATOL = 1e-9  # tCO2e; results are 1e2–1e5 t

#: Relative frequency of each activity type among a community's records, and the median
#: quantity of one record in the type's canonical unit (kWh, m³, kg, GJ).
MIX: dict[str, tuple[float, float]] = {
    "electricity_grid": (0.34, 2_000.0),
    "natural_gas": (0.15, 200.0),
    "tap_water": (0.12, 100.0),
    "gasoline": (0.07, 500.0),
    "diesel": (0.04, 800.0),
    "lpg": (0.04, 50.0),
    "purchased_heat": (0.04, 30.0),
    "waste_landfill": (0.05, 5_000.0),
    "coal": (0.01, 1_000.0),
    "kerosene": (0.01, 100.0),
    "fertilizer_n": (0.02, 200.0),
    "renewable_self_consumed": (0.07, 1_500.0),
    "renewable_exported": (0.04, 800.0),
}
#: Categories a non-emitting type (no GPC row) is recorded under.
NON_EMITTING_CATEGORIES = ("residential", "public", "other")

Row = tuple[str, str, str, int, float]  # activity_type, gpc_ref, category, month, quantity


# --- data ----------------------------------------------------------------------------------


def resolution() -> calc.Resolution:
    factors = {f["id"]: f for f in registry.shipped_factors()}
    ids = registry.shipped_factor_sets()[FACTOR_SET]["factors"]
    return calc.resolve_factors(
        [registry.to_factor(factors[i]) for i in ids], province=PROVINCE, grid_region=GRID_REGION
    )


def activity_mix(res: calc.Resolution) -> list[str]:
    """The emitting types the factor set covers, plus the non-emitting renewable ones."""
    types = reference.activity_types()
    chosen = []
    for code in MIX:
        spec = types[code]
        if spec.emits and not res.by_type.get(code):
            raise SystemExit(f"{FACTOR_SET} has no factor for {code}: fix MIX")
        if not spec.emits and spec.gpc:
            raise SystemExit(f"{code} is non-emitting but has GPC rows: fix MIX")
        chosen.append(code)
    return chosen


def generate(res: calc.Resolution) -> dict[int, list[Row]]:
    """PER_YEAR seeded records for each year, as the python rows the database aggregate gives."""
    rng = np.random.default_rng(SEED)
    types = reference.activity_types()
    codes = activity_mix(res)
    weights = np.array([MIX[c][0] for c in codes])
    weights /= weights.sum()
    month_p = np.array([0.10] + [0.90 / 12] * 12)
    out: dict[int, list[Row]] = {}
    for year in YEARS:
        type_idx = rng.choice(len(codes), size=PER_YEAR, p=weights)
        months = rng.choice(13, size=PER_YEAR, p=month_p)
        medians = np.array([MIX[c][1] for c in codes])[type_idx]
        growth = 1.0 - 0.02 * (year - YEARS[0])  # a community slowly cutting its use
        quantity = np.round(medians * growth * rng.lognormal(0.0, 0.8, PER_YEAR), 3)
        quantity = np.maximum(quantity, 0.001)
        pick = rng.random(PER_YEAR)
        rows: list[Row] = []
        for t, m, q, p in zip(
            type_idx.tolist(), months.tolist(), quantity.tolist(), pick.tolist(), strict=True
        ):
            spec = types[codes[t]]
            categories = sorted(spec.gpc) or NON_EMITTING_CATEGORIES
            category = categories[int(p * len(categories))]
            rows.append((spec.code, spec.gpc.get(category, ""), category, m, q))
        out[year] = rows
    return out


# --- timing --------------------------------------------------------------------------------


def best_ms(fn: Callable[[], object], repeat: int = REPEAT) -> tuple[float, object]:
    best, value = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000, value


def samples_ms(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    fn()  # warm-up: template compilation, caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(math.ceil(0.95 * len(samples)) - 1, 0)], 2),
    }


# --- part A: the core ----------------------------------------------------------------------


def core_build(data: dict[int, list[Row]]) -> dict[int, calc.ActivityTable]:
    return {year: calc.ActivityTable.from_rows(rows) for year, rows in data.items()}


def core_compute(
    tables: dict[int, calc.ActivityTable], res: calc.Resolution
) -> dict[int, calc.InventoryResult]:
    return {
        year: calc.compute_inventory(
            table,
            res,
            gwp_set=GWP_SET,
            level=LEVEL,
            population=POPULATION,
            floor_area_m2=FLOOR_AREA_M2,
        )
        for year, table in tables.items()
    }


def aggregate(data: dict[int, list[Row]]) -> dict[int, list[Row]]:
    """The rows summed per (type, GPC row, category, month), as the database aggregate in
    ``selectors._activity_tables`` hands them to the core (informational)."""
    out = {}
    for year, rows in data.items():
        sums: dict[tuple, float] = {}
        for activity_type, gpc_ref, category, month, quantity in rows:
            key = (activity_type, gpc_ref, category, month)
            sums[key] = sums.get(key, 0.0) + quantity
        out[year] = [(*key, total) for key, total in sums.items()]
    return out


# --- part A: the pandas peer ---------------------------------------------------------------

COLUMNS = ["year", "activity_type", "gpc_ref", "category", "month", "quantity"]


def pandas_build(data: dict[int, list[Row]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        [(year, *row) for year, rows in data.items() for row in rows], columns=COLUMNS
    )


def pandas_compute(df: pd.DataFrame, res: calc.Resolution) -> dict[int, dict]:
    """The GPC rules in plain pandas: E = Q × Σ EF × GWP, counted if the GPC row is in the
    level's total; gross and the breakdowns are groupbys of the counted records."""
    types = reference.activity_types()
    # kgCO2e per canonical unit, per activity type: Σ over gases of EF × GWP.
    gases = pd.DataFrame(
        [
            (code, f.gas, f.kg_per_unit)
            for code, factors in res.by_type.items()
            if code in types and types[code].emits
            for f in factors
        ],
        columns=["activity_type", "gas", "kg_per_unit"],
    )
    gwp = pd.DataFrame(list(reference.GWP_SETS[GWP_SET].items()), columns=["gas", "gwp"])
    gases = gases.merge(gwp, on="gas", how="left")
    gases["kgco2e_per_unit"] = gases["kg_per_unit"] * gases["gwp"]
    ef = gases.groupby("activity_type", as_index=False)["kgco2e_per_unit"].sum()
    gpc = pd.DataFrame(
        [(r.ref, r.sector, r.scope, r.in_total(LEVEL)) for r in reference.gpc_rows().values()],
        columns=["gpc_ref", "sector", "scope", "in_total"],
    )

    d = df.merge(ef, on="activity_type", how="left").merge(gpc, on="gpc_ref", how="left")
    d["kgco2e_per_unit"] = d["kgco2e_per_unit"].fillna(0.0)
    d["tco2e"] = d["quantity"] * d["kgco2e_per_unit"] / 1000.0
    counted = d[d["in_total"].fillna(False).astype(bool)].copy()
    counted["scope"] = counted["scope"].astype(int).astype(str)
    counted["month_key"] = counted["month"].map(lambda m: f"{m:02d}" if m else "year")

    out: dict[int, dict] = {
        year: {
            "gross": 0.0,
            "by_scope": dict.fromkeys(("1", "2", "3"), 0.0),
            "by_gpc_sector": {},
            "by_category": dict.fromkeys(reference.CATEGORIES, 0.0),
            "by_month": {},
        }
        for year in df["year"].unique().tolist()
    }
    for year, total in counted.groupby("year")["tco2e"].sum().items():
        out[year]["gross"] = float(total)
    for name, column in (
        ("by_scope", "scope"),
        ("by_gpc_sector", "sector"),
        ("by_category", "category"),
        ("by_month", "month_key"),
    ):
        for (year, key), total in counted.groupby(["year", column])["tco2e"].sum().items():
            out[year][name][key] = float(total)
    return out


def compare(core: dict[int, calc.InventoryResult], peer: dict[int, dict]) -> None:
    """Fail loudly if the pandas results differ from the core's in any year."""
    problems = []
    if sorted(core) != sorted(peer):
        problems.append(f"years: core {sorted(core)} vs pandas {sorted(peer)}")
    for year in sorted(core):
        result, other = core[year], peer.get(year, {})
        pairs = {
            "gross": ({"": result.gross_tco2e}, {"": other.get("gross", math.nan)}),
            "by_scope": (result.by_scope, other.get("by_scope", {})),
            "by_gpc_sector": (result.by_gpc_sector, other.get("by_gpc_sector", {})),
            "by_category": (result.by_category, other.get("by_category", {})),
            "by_month": (result.by_month, other.get("by_month", {})),
        }
        for name, (a, b) in pairs.items():
            if sorted(a) != sorted(b):
                problems.append(f"{year} {name} keys: core {sorted(a)} vs pandas {sorted(b)}")
                continue
            keys = sorted(a)
            x = np.array([a[k] for k in keys])
            y = np.array([b[k] for k in keys])
            if not np.allclose(x, y, rtol=RTOL, atol=ATOL):
                diff = {k: (a[k], b[k]) for k in keys if not math.isclose(a[k], b[k], rel_tol=RTOL)}
                problems.append(f"{year} {name}: core vs pandas differ: {diff}")
    if problems:
        raise SystemExit("core and pandas disagree:\n  " + "\n  ".join(problems))


def part_a() -> tuple[dict, dict[int, list[Row]]]:
    res = resolution()
    data = generate(res)
    records = sum(len(rows) for rows in data.values())

    core_build_ms, tables = best_ms(lambda: core_build(data))
    core_compute_ms, core_results = best_ms(lambda: core_compute(tables, res))
    pandas_build_ms, df = best_ms(lambda: pandas_build(data))
    pandas_compute_ms, pandas_results = best_ms(lambda: pandas_compute(df, res))
    compare(core_results, pandas_results)

    # Informational: the core as the Django side feeds it, on rows the database has summed.
    summed = aggregate(data)
    summed_tables = core_build(summed)
    agg_compute_ms, agg_results = best_ms(lambda: core_compute(summed_tables, res))
    compare(agg_results, pandas_results)

    core_total = core_build_ms + core_compute_ms
    pandas_total = pandas_build_ms + pandas_compute_ms
    return {
        "records": records,
        "years": list(YEARS),
        "records_per_year": PER_YEAR,
        "activity_types": activity_mix(res),
        "factor_set": FACTOR_SET,
        "gwp_set": GWP_SET,
        "level": LEVEL,
        "repeat": REPEAT,
        "core": {
            "build_ms": round(core_build_ms, 2),
            "compute_ms": round(core_compute_ms, 2),
            "total_ms": round(core_total, 2),
        },
        "pandas": {
            "build_ms": round(pandas_build_ms, 2),
            "compute_ms": round(pandas_compute_ms, 2),
            "total_ms": round(pandas_total, 2),
        },
        "core_on_aggregated_rows": {
            "rows_per_year": {str(y): len(rows) for y, rows in summed.items()},
            "compute_ms": round(agg_compute_ms, 2),
        },
        "ratio_pandas_to_core_compute": round(pandas_compute_ms / core_compute_ms, 3),
        "ratio_pandas_to_core_total": round(pandas_total / core_total, 3),
        "results_match": True,
        "gross_tco2e_by_year": {str(y): round(r.gross_tco2e, 3) for y, r in core_results.items()},
    }, data


# --- part B: the inventory page ------------------------------------------------------------


def setup_django(data_dir: Path) -> None:
    os.environ["NEARZERO_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "nearzero.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from nearzero.demo import load_demo

    call_command("migrate", verbosity=0)
    load_demo()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def page_exists(url: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(url)
    except Resolver404:
        return False
    return True


def measure(inventory_pk: int, client) -> dict:
    """Latency and queries of the page (if its URL exists), selectors.report and .compute."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nearzero.inventory import selectors
    from nearzero.inventory.models import Inventory

    inventory = Inventory.objects.select_related("community", "factor_set").get(pk=inventory_pk)
    url = f"/inventories/{inventory_pk}/"
    targets: dict[str, Callable[[], object]] = {}
    if page_exists(url):

        def page() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} returned {response.status_code}")

        targets["page"] = page
    targets["selectors.report"] = lambda: selectors.report(inventory)
    targets["selectors.compute"] = lambda: selectors.compute(inventory)

    out = {}
    for label, fn in targets.items():
        counts = set()

        def counted(fn=fn, counts=counts) -> None:
            with CaptureQueriesContext(connection) as ctx:
                fn()
            counts.add(len(ctx.captured_queries))

        timing = samples_ms(counted, PAGE_REPEAT)
        if len(counts) != 1:
            raise SystemExit(f"{label}: query count varies between requests: {sorted(counts)}")
        out[label] = {**timing, "queries": counts.pop()}
    if "page" not in out:
        out["page"] = None
    return out


def bulk_records(inventory, rows: list[Row], count: int) -> list:
    from nearzero.inventory.models import ActivityRecord

    types = reference.activity_types()
    records = []
    for i, (activity_type, gpc_ref, category, month, quantity) in enumerate(rows[:count]):
        text = f"{quantity:.3f}"
        records.append(
            ActivityRecord(
                inventory=inventory,
                month=month,
                activity_type=activity_type,
                category=category,
                gpc_ref=gpc_ref,
                label=f"meter-{i:05d}",
                quantity=Decimal(text),
                unit=CANONICAL[types[activity_type].dimension],
                quantity_canonical=float(text),
                quality_method="measured",
                quality_rating="high",
                origin="import",
            )
        )
    return records


def part_b(data: dict[int, list[Row]], data_dir: Path) -> dict:
    start = time.perf_counter()
    setup_django(data_dir)
    setup_s = time.perf_counter() - start

    from django.db import transaction
    from django.test import Client

    from nearzero.accounts.models import User
    from nearzero.inventory import services
    from nearzero.inventory.models import ActivityRecord, Inventory
    from nearzero.sites.models import Community

    community = Community.objects.get(slug=COMMUNITY)
    existing = set(Inventory.objects.filter(community=community).values_list("year", flat=True))
    unexpected = existing - set(YEARS)
    if unexpected:
        raise SystemExit(f"{COMMUNITY} has inventories outside {YEARS}: {sorted(unexpected)}")
    for year in YEARS:
        if year not in existing:
            services.create_inventory(actor=None, community=community, year=year)
    inventories = {inv.year: inv for inv in Inventory.objects.filter(community=community)}
    target = inventories[max(YEARS)]  # the latest year: the page also compares with the one before

    client = Client()
    client.force_login(User.objects.get(username=USER))

    def sizes() -> tuple[int, int]:
        return (
            ActivityRecord.objects.filter(inventory=target).count(),
            ActivityRecord.objects.filter(inventory__community=community).count(),
        )

    small_sizes = sizes()
    small = measure(target.pk, client)

    start = time.perf_counter()
    with transaction.atomic():
        for year, inventory in inventories.items():
            have = ActivityRecord.objects.filter(inventory=inventory).count()
            ActivityRecord.objects.bulk_create(
                bulk_records(inventory, data[year], PER_YEAR - have), batch_size=5000
            )
    insert_s = time.perf_counter() - start

    large_sizes = sizes()
    if large_sizes != (PER_YEAR, PER_YEAR * len(YEARS)):
        raise SystemExit(f"expected {PER_YEAR} / {PER_YEAR * len(YEARS)} records: {large_sizes}")
    large = measure(target.pk, client)

    growth = {
        label: (small[label]["queries"], large[label]["queries"])
        for label in small
        if small[label] is not None
    }
    return {
        "community": COMMUNITY,
        "inventory_year": target.year,
        "inventory_pk": target.pk,
        "url": f"/inventories/{target.pk}/",
        "page_measured": small["page"] is not None,
        "setup_s": round(setup_s, 2),
        "insert_s": round(insert_s, 2),
        "repeat": PAGE_REPEAT,
        "small": {
            "records_in_inventory": small_sizes[0],
            "records_in_community": small_sizes[1],
            **small,
        },
        "large": {
            "records_in_inventory": large_sizes[0],
            "records_in_community": large_sizes[1],
            **large,
        },
        "queries_constant": all(a == b for a, b in growth.values()),
        "query_growth": growth,
    }


# --- report --------------------------------------------------------------------------------


def print_report(a: dict, b: dict) -> None:
    print(
        f"A. {a['records']:,} activity records, {len(a['years'])} years, {a['factor_set']}, "
        f"{a['gwp_set']}, {a['level']}; best of {a['repeat']}"
    )
    print(f"{'':<14}{'build ms':>12}{'compute ms':>12}{'total ms':>12}")
    for name in ("core", "pandas"):
        v = a[name]
        print(f"{name:<14}{v['build_ms']:>12.2f}{v['compute_ms']:>12.2f}{v['total_ms']:>12.2f}")
    rc, rt = a["ratio_pandas_to_core_compute"], a["ratio_pandas_to_core_total"]
    print(f"{'pandas / core':<14}{'':>12}{rc:>12.3f}{rt:>12.3f}")
    verdict = "faster than" if rc > 1 else "SLOWER than" if rc < 1 else "as fast as"
    print(f"core compute is {verdict} pandas (ratio {rc:.3f}; target >= 1); results match")
    agg = a["core_on_aggregated_rows"]
    rows = max(agg["rows_per_year"].values())
    print(
        f"(core on the database's aggregated rows, <= {rows:,} a year: "
        f"{agg['compute_ms']:.2f} ms for {len(a['years'])} years, same results)"
    )
    print()
    print(
        f"B. {b['community']} {b['inventory_year']} ({b['url']}); p50/p95 over {b['repeat']} "
        f"requests; setup {b['setup_s']:.1f} s, insert {b['insert_s']:.1f} s"
    )
    if not b["page_measured"]:
        print(f"   PAGE NOT MEASURED: {b['url']} does not resolve yet (selectors only)")
    print(f"{'':<20}{'records inv/community':>24}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}")
    for size in ("small", "large"):
        s = b[size]
        records = f"{s['records_in_inventory']:,} / {s['records_in_community']:,}"
        for label in ("page", "selectors.report", "selectors.compute"):
            v = s[label]
            if v is None:
                continue
            print(
                f"{label:<20}{records:>24}{v['p50_ms']:>10.2f}{v['p95_ms']:>10.2f}{v['queries']:>9}"
            )
    state = "constant" if b["queries_constant"] else "GROWS with the number of records"
    growth = ", ".join(f"{k} {x} -> {y}" for k, (x, y) in b["query_growth"].items())
    print(f"query count: {state} ({growth})")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    a, data = part_a()
    with tempfile.TemporaryDirectory(prefix="nearzero-bench-inventory-") as tmp:
        b = part_b(data, Path(tmp))
    record = {
        "benchmark": "inventory",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "machine": platform.machine(),
        "core_vs_pandas": a,
        "inventory_page": b,
    }
    (OUT / "inventory.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print_report(a, b)
    print(f"written to {OUT / 'inventory.json'}")
    if not b["queries_constant"]:
        print("FAIL: the query count grows with the number of records", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
