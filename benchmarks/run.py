"""nearzero benchmarks (`make bench`). Each later capability adds its own, side by side with
the peer its issue names, reported as ratios.

Foundation (issue 2) measures what a new user waits for:
- demo load: fresh data folder → migrated SQLite with both demo communities (target < 60 s);
- page latency of the community dashboard, community detail and map GeoJSON, p50/p95 over
  repeated requests through Django's test client against the demo database.

Writes a JSON record to test-output/bench/foundation.json and prints a table.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "bench"
REPEAT = 50


def demo_load_seconds(data_dir: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nearzero", "demo", "--no-serve", "--data-dir", str(data_dir)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def page_latency_ms(data_dir: Path) -> dict[str, dict[str, float]]:
    os.environ["NEARZERO_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nearzero.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from nearzero.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username="chongming_officer"))
    results = {}
    for label, url in [
        ("dashboard", "/c/dongping/"),
        ("community detail", "/c/dongping/about/"),
        ("map geojson", "/c/dongping/map.geojson"),
        ("api sites", "/api/communities/dongping/sites"),
    ]:
        assert client.get(url).status_code == 200, url
        samples = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        results[label] = {
            "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(0.95 * len(samples)) - 1], 2),
        }
    return results


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nearzero-bench-") as tmp:
        data_dir = Path(tmp)
        load_s = demo_load_seconds(data_dir)
        pages = page_latency_ms(data_dir)
    record = {
        "benchmark": "foundation",
        "python": sys.version.split()[0],
        "demo_load_s": round(load_s, 2),
        "demo_load_target_s": 60,
        "demo_load_ratio_to_target": round(load_s / 60, 3),
        "pages": pages,
        "repeat": REPEAT,
    }
    (OUT / "foundation.json").write_text(json.dumps(record, indent=2))
    print(
        f"demo load (migrate + both communities): {load_s:.2f} s "
        f"= {load_s / 60:.3f} × the 60 s target"
    )
    print(f"{'page':<20}{'p50 ms':>10}{'p95 ms':>10}")
    for label, value in pages.items():
        print(f"{label:<20}{value['p50_ms']:>10.2f}{value['p95_ms']:>10.2f}")
    print(f"written to {OUT / 'foundation.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
