"""Points ledger benchmark (issue 6: postings per second through the services and through
HTTP on PostgreSQL, with p99).

Setup as in ``benchmarks/checkin.py``, whose helpers this reuses: a fresh PostgreSQL database
(``nearzero_bench_points``, dropped first and at the end), ``nearzero demo --no-serve`` into it
with a temporary data folder, and a reward ``bench`` costing ``POINTS`` points with a large
stock. Each Dongping resident takes part in one phase only. The services' adjustments go to
residents who hold demo points. Residents who redeem (through the services or over HTTP) hold
none and have no lot open to expiry: the demo's points, credited in 2024, are all due, and a
redemption would first expire them (a posting more).

Through the services, in a child process with the benchmark's environment:

- ``services.adjust(+POINTS)``, one resident per call, from one thread;
- the same from ``SERVICE_THREADS`` threads, each on its own database connection (an
  adjustment locks the resident's account and the community's ``issued`` account);
- ``services.redeem`` then ``services.cancel_order``, one resident after the other (two
  postings per resident, one per call), for residents given ``POINTS`` points beforehand.

Reported: postings/s, p50 and p99 latency of one call (one posting), and the statements one
call of each kind sends (informational, from a probe beforehand). For every phase, services and
HTTP alike: the mean number of database sessions waiting on a lock while it runs
(``pg_stat_activity``, sampled every 20 ms), which shows what the writes queue on.

Through HTTP, against the real server (``nearzero serve``: waitress, 8 threads) driven by
``CLIENTS`` keep-alive client threads with the session of ``dongping_admin`` (session auth,
CSRF header), after a warm-up of every route:

- ``GET /healthz``, the peer: a trivial Django view on the same server (no database);
- ``POST /api/points/residents/{id}/adjustments`` ``{"points": 5, "reason": "bench"}``, one
  per resident, each with a fresh ``Idempotency-Key``: all must answer 200 with the new
  balance;
- the same requests replayed (same keys, same bodies): all must answer 200 with the stored
  answer (the same posting) and post nothing;
- ``POST /api/points/rewards/{id}/orders`` ``{"resident_id": …}`` for the same residents,
  whose adjustment pays for the reward exactly: all must answer 201 ``reserved``, balance 0.

Afterwards ``nearzero points reconcile --community dongping --format json`` must exit 0 and
the community's new postings must equal the successful writes (replays add none). Any
unexpected status, a wrong balance or a failed check counts as an error and the run exits 1.
The ratios to ``GET /healthz`` are informational (the issue sets no target).

Needs a PostgreSQL server: ``NEARZERO_BENCH_PG_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``) names the maintenance database the
benchmark connects to in order to create and drop its own.

Writes a JSON record to test-output/bench/points.json and prints a table.
Run: ``.venv/bin/python benchmarks/points.py``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

# The check-in benchmark's helpers (database, server, session, client phases): a sibling
# script, not a package.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import checkin as harness

ROOT = harness.ROOT
OUT = harness.OUT
DB_NAME = "nearzero_bench_points"
COMMUNITY = harness.COMMUNITY
CLIENTS = harness.CLIENTS
POINTS = 5  # points per adjustment, and the reward's cost: one adjustment pays for one order
REASON = "bench"
REWARD_NAME = "bench"
REWARD_STOCK = 100_000
SERVICE_SERIAL = 800  # residents adjusted from one thread
SERVICE_THREADED = 800  # residents adjusted from SERVICE_THREADS threads
SERVICE_THREADS = 8
SERVICE_ORDERS = 250  # residents whose reward is reserved, then cancelled
PROBED = 1  # one more resident, whose postings count the statements
# About 960 Dongping demo residents hold no points: the probe, SERVICE_ORDERS and these two
# share them.
HTTP_WRITES = 600  # residents adjusted (then replayed, then ordered) over HTTP
HTTP_WARMUP = 50  # residents adjusted and ordered in the warm-up
HEALTHZ = 5_000
WARMUP = 200  # healthz requests in the warm-up


# --- database --------------------------------------------------------------------------------


def bench_env(data_dir: Path) -> dict[str, str]:
    env = harness.bench_env(data_dir)
    env["DATABASE_URL"] = harness.database_url(DB_NAME)
    return env


def summary(latencies_ms: list[float], seconds: float, postings: int, errors: int) -> dict:
    samples = sorted(latencies_ms)
    return {
        "calls": len(samples),
        "postings": postings,
        "seconds": round(seconds, 3),
        "postings_per_s": round(postings / seconds, 1),
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(samples[max(math.ceil(0.99 * len(samples)) - 1, 0)], 2),
        "errors": errors,
    }


class LockWaits:
    """How many sessions of the benchmark's database wait on a lock (``pg_stat_activity``),
    sampled every ``interval_s`` while the block runs, on a connection of its own."""

    def __init__(self, url: str, interval_s: float = 0.02) -> None:
        self.url = url
        self.interval_s = interval_s
        self.samples: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(self.interval_s):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()
                self.samples.append(row[0])

    def __enter__(self) -> LockWaits:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def mean(self) -> float:
        return round(statistics.fmean(self.samples), 2) if self.samples else 0.0


def measured(phase: harness.Phase, url: str) -> dict:
    """Run an HTTP phase, adding the mean number of sessions waiting on a lock."""
    with LockWaits(url) as waits:
        result = phase.run()
    return {**result, "lock_waiting_mean": waits.mean}


# --- through the services (a child process with the benchmark's environment) ---------------


def fresh_residents(community, count: int) -> list:
    """``count`` residents of ``community`` holding no points and no open lot, in key order.

    An emptied account may still have a lot open to oldest-first expiry: the demo backdates
    its December 2024 redemptions before some of the credits that paid for them, so a
    redemption would expire that many of the resident's new points (a posting more, and not
    enough points left).
    """
    from collections import defaultdict

    from django.conf import settings
    from django.db.models import Q

    from nearzero.core.points import expiry
    from nearzero.engagement.models import Resident
    from nearzero.points.models import Leg

    residents = list(
        Resident.objects.filter(community=community, erased_at=None)
        .filter(Q(points_account__isnull=True) | Q(points_account__balance=0))
        .select_related("community")
        .order_by("pk")
    )
    movements = defaultdict(list)
    legs = Leg.objects.filter(account__community=community, account__resident__isnull=False)
    for resident_id, at, amount in legs.values_list(
        "account__resident_id", "posting__posted_at", "amount"
    ).order_by("posting__posted_at", "posting_id"):
        movements[resident_id].append(expiry.Movement(at, amount))
    months = settings.POINTS_EXPIRY_MONTHS
    fresh = [r for r in residents if not expiry.open_lots(movements[r.pk], months=months)]
    if len(fresh) < count:
        raise SystemExit(f"{community.slug} has {len(fresh)} fresh residents; {count} needed")
    return fresh[:count]


def timed(call, item, latencies: list[float], errors: list[str]):
    """``call(item)``, its latency [ms] appended to ``latencies``; None if it raised."""
    t0 = time.perf_counter()
    try:
        return call(item)
    except Exception as exc:
        errors.append(repr(exc))
        return None
    finally:
        latencies.append((time.perf_counter() - t0) * 1000)


def timed_serial(call, items: list) -> tuple[list[float], float, list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    for item in items:
        timed(call, item, latencies, errors)
    return latencies, time.perf_counter() - start, errors


def timed_threads(call, items: list, threads: int) -> tuple[list[float], float, list[str]]:
    """Call ``call(item)`` for every item from ``threads`` threads, each with its own database
    connection (opened before the clock starts, closed at the end)."""
    from django.db import connection

    lock = threading.Lock()
    position = iter(range(len(items)))
    latencies: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(threads + 1)

    def take() -> int | None:
        with lock:
            return next(position, None)

    def worker() -> None:
        mine, failed = [], []
        try:
            connection.ensure_connection()
            start.wait()
            while (i := take()) is not None:
                timed(call, items[i], mine, failed)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                errors.extend(failed)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    start.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join()
    return latencies, time.perf_counter() - t0, errors


def services_bench(out_file: Path) -> None:
    """Time the ledger's services in-process and check the balances they leave."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Sum
    from django.test.utils import CaptureQueriesContext

    from nearzero.engagement.models import Resident
    from nearzero.points import services
    from nearzero.points.models import Account, Posting, Reward
    from nearzero.sites.models import Community

    community = Community.objects.get(slug=COMMUNITY)
    reward = Reward.objects.create(
        community=community, name=REWARD_NAME, cost_points=POINTS, stock=REWARD_STOCK
    )
    wanted = SERVICE_SERIAL + SERVICE_THREADED
    holders = list(
        Resident.objects.filter(community=community, erased_at=None, points_account__balance__gt=0)
        .select_related("community")
        .order_by("pk")[:wanted]
    )
    if len(holders) < wanted:
        raise SystemExit(f"{COMMUNITY} has {len(holders)} residents with points; {wanted} needed")
    serial, threaded = holders[:SERVICE_SERIAL], holders[SERVICE_SERIAL:]
    probe, *buyers = fresh_residents(community, PROBED + SERVICE_ORDERS)

    def adjust(resident):
        return services.adjust(actor=None, resident=resident, points=POINTS, reason=REASON)

    def redeem(resident):
        return services.redeem(actor=None, resident=resident, reward=reward)

    def cancel(order):
        return services.cancel_order(actor=None, order=order)

    def points_held(residents) -> int:
        accounts = Account.objects.filter(resident__in=residents)
        return accounts.aggregate(total=Sum("balance"))["total"] or 0

    # Statements of one call of each kind (the probe also warms this connection up).
    queries = {}
    for name, call, arg in (("adjust", adjust, probe), ("redeem", redeem, probe)):
        with CaptureQueriesContext(connection) as ctx:
            order = call(arg)
        queries[name] = [q["sql"] for q in ctx.captured_queries]
    with CaptureQueriesContext(connection) as ctx:
        cancel(order)
    queries["cancel_order"] = [q["sql"] for q in ctx.captured_queries]
    for resident in buyers:  # their points for the reward (not timed)
        adjust(resident)

    url = os.environ["DATABASE_URL"]
    held_before = points_held(holders)
    postings_before = Posting.objects.filter(community=community).count()
    results, errors = {}, []
    with LockWaits(url) as waits:
        latencies, seconds, failed = timed_serial(adjust, serial)
    results["adjust_serial"] = summary(latencies, seconds, len(serial) - len(failed), len(failed))
    results["adjust_serial"]["lock_waiting_mean"] = waits.mean
    errors += failed
    with LockWaits(url) as waits:
        latencies, seconds, failed = timed_threads(adjust, threaded, SERVICE_THREADS)
    results["adjust_threaded"] = summary(
        latencies, seconds, len(threaded) - len(failed), len(failed)
    )
    results["adjust_threaded"]["lock_waiting_mean"] = waits.mean
    errors += failed
    latencies, failed = [], []
    with LockWaits(url) as waits:
        start = time.perf_counter()
        for resident in buyers:
            order = timed(redeem, resident, latencies, failed)
            if order is not None:
                timed(cancel, order, latencies, failed)
        seconds = time.perf_counter() - start
    results["redeem_cancel"] = summary(
        latencies, seconds, len(latencies) - len(failed), len(failed)
    )
    results["redeem_cancel"]["lock_waiting_mean"] = waits.mean
    errors += failed

    postings = Posting.objects.filter(community=community).count() - postings_before
    written = sum(r["postings"] for r in results.values())
    if postings != written:
        errors.append(f"services: {postings} new postings, {written} successful calls")
    for label, got, expected in (
        ("adjusted residents gained", points_held(holders) - held_before, POINTS * wanted),
        ("residents who redeemed and cancelled hold", points_held(buyers), POINTS * len(buyers)),
        ("the reward's stock is", Reward.objects.get(pk=reward.pk).stock, REWARD_STOCK),
    ):
        if got != expected:
            errors.append(f"services: the {label} {got}, expected {expected}")
    out_file.write_text(
        json.dumps(
            {"results": results, "queries": queries, "new_postings": postings, "errors": errors}
        )
    )


# --- preparation of the HTTP phases (a child process) ---------------------------------------


def prepare(out_file: Path) -> None:
    """Pick the residents of the HTTP phases and count the community's postings."""
    import django

    django.setup()
    from nearzero.points.models import Posting, Reward
    from nearzero.sites.models import Community

    community = Community.objects.get(slug=COMMUNITY)
    reward = Reward.objects.get(community=community, name=REWARD_NAME)
    ids = [r.pk for r in fresh_residents(community, HTTP_WARMUP + HTTP_WRITES)]
    out_file.write_text(
        json.dumps(
            {
                "reward_id": reward.pk,
                "warm_ids": ids[:HTTP_WARMUP],
                "ids": ids[HTTP_WARMUP:],
                "postings_before": Posting.objects.filter(community=community).count(),
            }
        )
    )


# --- HTTP phases -----------------------------------------------------------------------------


def json_headers(session: harness.Session, key: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Cookie": session.header(),
        "X-CSRFToken": session.cookies["csrftoken"],
        "Idempotency-Key": key,
    }


def parsed(status: int, data: bytes, expected: int) -> tuple[dict | None, str | None]:
    if status != expected:
        return None, f"{status} (expected {expected}) {data[:200]!r}"
    try:
        return json.loads(data), None
    except ValueError:
        return None, f"{status} not JSON: {data[:120]!r}"


def adjust_phase(
    port: int, session: harness.Session, ids: list[int], keys: list[str], posted: dict
) -> harness.Phase:
    """One adjustment per resident; a key already in ``posted`` must replay its posting."""
    body = json.dumps({"points": POINTS, "reason": REASON})

    def make(i: int):
        def check(status: int, data: bytes) -> str | None:
            answer, problem = parsed(status, data, 200)
            if problem:
                return problem
            if answer.get("balance") != POINTS:
                return f"balance {answer.get('balance')!r}, expected {POINTS}"
            first = posted.setdefault(keys[i], answer.get("posting_id"))
            if answer.get("posting_id") != first:
                return f"replayed posting {answer.get('posting_id')!r}, first {first!r}"
            return None

        path = f"/api/points/residents/{ids[i]}/adjustments"
        return "POST", path, body, json_headers(session, keys[i]), check

    return harness.Phase(port, make, len(ids))


def order_phase(
    port: int, session: harness.Session, reward_id: int, ids: list[int]
) -> harness.Phase:
    path = f"/api/points/rewards/{reward_id}/orders"

    def check(status: int, data: bytes) -> str | None:
        answer, problem = parsed(status, data, 201)
        if problem:
            return problem
        if answer.get("status") != "reserved" or answer.get("balance") != 0:
            return f"status {answer.get('status')!r}, balance {answer.get('balance')!r}"
        return None

    def make(i: int):
        body = json.dumps({"resident_id": ids[i]})
        return "POST", path, body, json_headers(session, uuid.uuid4().hex), check

    return harness.Phase(port, make, len(ids))


def reconcile(env: dict[str, str]) -> tuple[dict | None, str | None]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nearzero",
            "points",
            "reconcile",
            "--community",
            COMMUNITY,
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = None
    if done.returncode != 0:
        return report, f"points reconcile exited {done.returncode}: {done.stdout[-500:]}"
    return report, None


# --- run -------------------------------------------------------------------------------------


def run(tmp: Path) -> dict:
    data_dir = tmp / "data"
    data_dir.mkdir()
    env = bench_env(data_dir)

    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nearzero", "demo", "--no-serve"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    demo_s = time.perf_counter() - start

    in_process = tmp / "services.json"
    subprocess.run(
        [sys.executable, __file__, "--services", str(in_process)], env=env, check=True, cwd=ROOT
    )
    svc = json.loads(in_process.read_text())
    prepared = tmp / "prepared.json"
    subprocess.run(
        [sys.executable, __file__, "--prepare", str(prepared)], env=env, check=True, cwd=ROOT
    )
    setup = json.loads(prepared.read_text())
    reward_id, ids, warm_ids = setup["reward_id"], setup["ids"], setup["warm_ids"]
    keys = [uuid.uuid4().hex for _ in ids]
    warm_keys = [uuid.uuid4().hex for _ in warm_ids]
    posted: dict[str, int] = {}

    load_before = os.getloadavg()
    port = harness.free_port()
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        server = harness.start_server(env, port, log)
        try:
            session = harness.login(port)
            # Warm-up: every server thread opens its database connection and loads the views.
            warm = {
                "healthz": harness.healthz_phase(port, WARMUP),
                "adjust": adjust_phase(port, session, warm_ids, warm_keys, posted),
                "order": order_phase(port, session, reward_id, warm_ids),
            }
            warm_results = {name: phase.run() for name, phase in warm.items()}
            phases = {
                "healthz": harness.healthz_phase(port, HEALTHZ),
                "adjust": adjust_phase(port, session, ids, keys, posted),
                "adjust_replay": adjust_phase(port, session, ids, keys, posted),
                "order": order_phase(port, session, reward_id, ids),
            }
            url = harness.database_url(DB_NAME)
            results = {name: measured(phase, url) for name, phase in phases.items()}
        finally:
            harness.stop_server(server)

    errors = list(svc["errors"])
    errors += [e for phase in phases.values() for e in phase.errors]
    warm_errors = sum(w["errors"] for w in warm_results.values())
    if warm_errors:
        errors.append(f"{warm_errors} errors during the warm-up")
    if errors:
        tail = log_path.read_text(errors="replace")[-2000:]
        print("server log (tail):\n" + tail, file=sys.stderr)

    writes = sum(
        r["requests"] - r["errors"]
        for name, r in [*warm_results.items(), *results.items()]
        if name in ("adjust", "order")
    )
    ledger, problem = reconcile(env)
    if problem:
        errors.append(problem)
    postings_after = ledger["postings"] if ledger else None
    new_postings = None if ledger is None else postings_after - setup["postings_before"]
    if new_postings != writes:
        errors.append(f"HTTP: {new_postings} new postings, {writes} successful writes")

    healthz = results["healthz"]["rps"]
    return {
        "benchmark": "points",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "database": f"postgresql {DB_NAME}",
        "server": f"nearzero serve (waitress, {harness.SERVER_THREADS} threads)",
        "clients": CLIENTS,
        "service_threads": SERVICE_THREADS,
        "user": harness.USER,
        "demo_load_s": round(demo_s, 1),
        "services": svc["results"],
        "threaded_speedup": round(
            svc["results"]["adjust_threaded"]["postings_per_s"]
            / svc["results"]["adjust_serial"]["postings_per_s"],
            2,
        ),
        "statements_per_call": {k: len(v) for k, v in svc["queries"].items()},
        "queries_per_call": {
            k: sum(not q.startswith(harness.TRANSACTION_CONTROL) for q in v)
            for k, v in svc["queries"].items()
        },
        "queries": svc["queries"],
        "results": results,
        "warmup": warm_results,
        "load_average_before": [round(x, 2) for x in load_before],
        "ratio_adjust_to_healthz": round(results["adjust"]["rps"] / healthz, 3),
        "ratio_replay_to_healthz": round(results["adjust_replay"]["rps"] / healthz, 3),
        "ratio_order_to_healthz": round(results["order"]["rps"] / healthz, 3),
        "ledger": {
            "postings_before_http": setup["postings_before"],
            "postings_after_http": postings_after,
            "new_postings_http": new_postings,
            "successful_writes_http": writes,
            "new_postings_services": svc["new_postings"],
            "reconcile": ledger,
        },
        "errors": errors[:50],
        "error_count": len(errors),
    }


def print_report(r: dict) -> None:
    print(
        f"points ledger on PostgreSQL, {r['cpus']} CPUs (load average before "
        f"{r['load_average_before'][0]}); demo load {r['demo_load_s']} s; HTTP: {r['server']}, "
        f"{r['clients']} keep-alive clients"
    )
    head = f"{'p50 ms':>9}{'p99 ms':>9}{'errors':>7}{'lock waits':>11}"
    rows = [
        (
            f"{'through the services':<32}{'postings':>9}{'post/s':>9}{head}",
            "services",
            "postings_per_s",
            (
                ("adjust +5, 1 thread", "adjust_serial"),
                (f"adjust +5, {r['service_threads']} threads", "adjust_threaded"),
                ("redeem, then cancel, 1 thread", "redeem_cancel"),
            ),
        ),
        (
            f"{'through HTTP':<32}{'requests':>9}{'req/s':>9}{head}",
            "results",
            "rps",
            (
                ("GET /healthz (peer)", "healthz"),
                ("adjustment (200)", "adjust"),
                ("adjustment replayed (200)", "adjust_replay"),
                ("reward order (201)", "order"),
            ),
        ),
    ]
    for header, group, rate, lines in rows:
        print(header)
        for label, key in lines:
            v = r[group][key]
            count = v.get("postings", v.get("requests"))
            print(
                f"{label:<32}{count:>9,}{v[rate]:>9.1f}{v['p50_ms']:>9.2f}{v['p99_ms']:>9.2f}"
                f"{v['errors']:>7}{v['lock_waiting_mean']:>11.2f}"
            )
    print("lock waits: mean number of database sessions waiting on a lock, sampled every 20 ms")
    q, s = r["queries_per_call"], r["statements_per_call"]
    print(
        "SQL per service call (with transaction control): "
        + ", ".join(f"{k} {q[k]} ({s[k]})" for k in q)
    )
    print(
        f"{r['service_threads']} threads ÷ 1 thread = {r['threaded_speedup']:.2f}; "
        f"÷ healthz/s: adjustments {r['ratio_adjust_to_healthz']:.3f}, "
        f"replays {r['ratio_replay_to_healthz']:.3f}, orders {r['ratio_order_to_healthz']:.3f}"
    )
    ledger = r["ledger"]
    verdict = "OK" if ledger["reconcile"] and ledger["reconcile"].get("ok") else "FAILED"
    new, writes = ledger["new_postings_http"], ledger["successful_writes_http"]
    print(
        f"ledger: reconcile {verdict}; new postings over HTTP {new} "
        f"{'=' if new == writes else '!='} successful writes {writes} (replays post none)"
    )
    print(f"written to {OUT / 'points.json'}")


def main() -> int:
    return harness.bench_main(
        "points",
        run,
        print_report,
        {"--services": services_bench, "--prepare": prepare},
        database=DB_NAME,
    )


if __name__ == "__main__":
    sys.exit(main())
