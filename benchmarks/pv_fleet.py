"""PV fleet benchmark (issue: PV assessment). Side by side in one run:

A fleet of 1,000 fixed-tilt PV systems (seeded: 3–300 kWp, tilt 0–60°, azimuth 90–270°,
losses 10–20 %, DC/AC 1.1–1.3), one year of hourly weather (pvlib's shipped TMY3 file
``703165TY.csv`` by default, or a shipped station's synthetic year), modelled

- by ``nearzero.core.energy.pv.simulate_fleet``: sun position once, every system at once
  (arrays of hours × systems), best of ``REPEAT`` runs;
- by a loop of pvlib's ``ModelChain.with_pvwatts``, one system at a time, as a user of
  pvlib would write it: ``SAMPLE`` systems spread over the fleet are timed and the time is
  scaled to 1,000.

Reported: both times, the ratio loop / vectorised (target ≥ 50), and the largest relative
difference in annual AC energy over the sampled systems, which must be ≤ 0.1 % or the run
fails (exit code 1).

Writes a JSON record to test-output/bench/pv_fleet.json and prints a table.
Run: ``.venv/bin/python benchmarks/pv_fleet.py [--weather tmy3|STATION_CODE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pvlib
from pvlib import location, modelchain, pvsystem, temperature

from nearzero.core.energy import pv, solar

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "bench"
SEED = 20240601
N_SYSTEMS = 1_000
SAMPLE = 20  # ModelChain runs timed, scaled to N_SYSTEMS
REPEAT = 3  # best of, vectorised
TARGET_RATIO = 50.0
RTOL = 1e-3  # 0.1 % on annual AC energy
TMY3 = Path(pvlib.__file__).parent / "data" / "703165TY.csv"
LOSS_CATEGORIES = (
    "soiling", "shading", "snow", "mismatch", "wiring", "connections", "lid",
    "nameplate_rating", "age", "availability",
)  # fmt: skip


def fleet(n: int, seed: int = SEED) -> list[pv.PVSystemSpec]:
    rng = np.random.default_rng(seed)
    return [
        pv.PVSystemSpec(
            kwp=float(rng.uniform(3, 300)),
            tilt_deg=float(rng.uniform(0, 60)),
            azimuth_deg=float(rng.uniform(90, 270)),
            losses_pct=float(rng.uniform(10, 20)),
            dc_ac_ratio=float(rng.uniform(1.1, 1.3)),
            name=f"roof-{i:04d}",
        )
        for i in range(n)
    ]


def modelchain_annual_kwh(weather, spec: pv.PVSystemSpec) -> float:
    """One system through pvlib's ModelChain.with_pvwatts, the way a pvlib user writes it."""
    lat, lon, alt = solar.site_of(weather)
    site = location.Location(lat, lon, altitude=alt, tz=weather.attrs["tz"])
    # One loss category carries the whole total, so pvwatts_losses returns it exactly.
    losses = dict.fromkeys(LOSS_CATEGORIES, 0.0) | {"soiling": spec.losses_pct}
    system = pvsystem.PVSystem(
        surface_tilt=spec.tilt_deg,
        surface_azimuth=spec.azimuth_deg,
        albedo=spec.albedo,
        module_parameters={"pdc0": spec.kwp * 1000, "gamma_pdc": spec.gamma_pdc_per_c},
        inverter_parameters={"pdc0": spec.inverter_pdc0_kw * 1000, "eta_inv_nom": spec.eta_inv_nom},
        temperature_model_parameters=temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][
            spec.temperature_model
        ],
        losses_parameters=losses,
    )
    chain = modelchain.ModelChain.with_pvwatts(system, site)
    chain.run_model(weather)
    step_h = solar.interval_hours(weather.index)
    return float(chain.results.ac.sum()) * step_h / 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weather", default="tmy3", help="tmy3, or a station code (58367 …)")
    parser.add_argument("--systems", type=int, default=N_SYSTEMS)
    parser.add_argument("--sample", type=int, default=SAMPLE)
    args = parser.parse_args(argv)

    if args.weather == "tmy3":
        weather = solar.read_weather(TMY3)
    else:
        weather = solar.station_year(args.weather)
    specs = fleet(args.systems)

    vector_s = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = pv.simulate_fleet(weather, specs)
        vector_s.append(time.perf_counter() - start)
    best_vector_s = min(vector_s)

    picks = np.linspace(0, args.systems - 1, args.sample).round().astype(int)
    loop_kwh = []
    start = time.perf_counter()
    for i in picks:
        loop_kwh.append(modelchain_annual_kwh(weather, specs[i]))
    loop_sample_s = time.perf_counter() - start
    loop_scaled_s = loop_sample_s / args.sample * args.systems

    ours = result.annual_kwh[picks]
    rel_diff = np.abs(ours - np.array(loop_kwh)) / np.array(loop_kwh)
    equal = bool(np.all(rel_diff <= RTOL))
    ratio = loop_scaled_s / best_vector_s
    record = {
        "benchmark": "pv_fleet",
        "python": sys.version.split()[0],
        "pvlib": pvlib.__version__,
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "weather": weather.attrs["source"],
        "hours": len(weather),
        "systems": args.systems,
        "vectorised_s": round(best_vector_s, 3),
        "vectorised_runs_s": [round(s, 3) for s in vector_s],
        "modelchain_sample": int(args.sample),
        "modelchain_sample_s": round(loop_sample_s, 3),
        "modelchain_per_system_s": round(loop_sample_s / args.sample, 4),
        "modelchain_scaled_s": round(loop_scaled_s, 2),
        "ratio_loop_over_vectorised": round(ratio, 1),
        "target_ratio": TARGET_RATIO,
        "target_met": bool(ratio >= TARGET_RATIO),
        "annual_kwh_max_rel_diff": float(rel_diff.max()),
        "annual_kwh_rtol": RTOL,
        "annual_kwh_equal": equal,
        "fleet_annual_mwh": round(float(result.annual_kwh.sum()) / 1000, 1),
        "fleet_specific_yield_kwh_per_kwp": round(
            float(result.annual_kwh.sum() / result.kwp.sum()), 1
        ),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pv_fleet.json").write_text(json.dumps(record, indent=2))

    print(f"weather: {record['weather']} ({record['hours']} h); {args.systems} systems")
    print(f"{'':<34}{'seconds':>10}")
    rows = [
        (f"vectorised (best of {REPEAT})", f"{best_vector_s:>10.3f}"),
        (
            f"ModelChain loop, {args.sample} timed",
            f"{loop_sample_s:>10.3f}  ({loop_sample_s / args.sample * 1000:.1f} ms per system)",
        ),
        (f"ModelChain loop, scaled to {args.systems}", f"{loop_scaled_s:>10.2f}"),
    ]
    for label, value in rows:
        print(f"{label:<34}{value}")
    print(
        f"ratio loop / vectorised: {ratio:.1f}× "
        f"(target ≥ {TARGET_RATIO:.0f}×: {'met' if ratio >= TARGET_RATIO else 'NOT met'})"
    )
    print(
        f"annual kWh of the {args.sample} sampled systems: max relative difference "
        f"{rel_diff.max():.2e} (must be ≤ {RTOL:g}): {'equal' if equal else 'DIFFERENT'}"
    )
    print(f"written to {OUT / 'pv_fleet.json'}")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
