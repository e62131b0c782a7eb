"""Check-in throughput benchmark (issue 5: engagement — QR check-in at events).

The real server (``nearzero serve``: waitress, 8 threads) on PostgreSQL, driven over HTTP by
``CLIENTS`` client threads, each with its own keep-alive connection, side by side with its
peer: a trivial Django view on the same server, ``GET /healthz`` (the whole middleware stack,
no database).

Setup: a fresh PostgreSQL database (``nearzero_bench_checkin``, dropped first and at the end),
``nearzero demo --no-serve`` into it with a temporary data folder, one event at a Dongping
station open now, and the QR tokens (``exports.resident_token``) of Dongping residents. Then
``dongping_admin`` signs in and opens the event's scan page, as a phone does, and takes the
page's scan grant from it (the ``scan-config`` JSON). After a warm-up of every route:

- ``ROUNDS`` rounds, each ``GET /healthz`` × ``HEALTHZ`` then ``POST /api/events/{id}/
  checkins`` × ``CHECKINS`` with the scan page's grant (``Authorization: Bearer``), one per
  new resident, each with a fresh nonce: all must answer 201 ``checked_in``. Alternating the
  two keeps the machine's drift out of their ratio; the verdict is the median of the rounds'
  ratios (target >= 0.4, printed as PASS or MISS);
- the same path for residents already checked in (a second scan, fresh nonces): all 200
  ``already_checked_in`` (informational);
- first check-ins by an API client signed in with the session cookie and CSRF header instead
  of a grant (informational: integrators' path, one more round trip and the ORM).

Reported: requests/s, p50 and p99 latency of each. Any unexpected status counts as an error
and the run exits 1. The SQL statements of one check-in of each kind are counted beforehand
with Django's test client on the same database (informational).

Needs a PostgreSQL server: ``NEARZERO_BENCH_PG_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``) names the maintenance database the
benchmark connects to in order to create and drop its own.

Writes a JSON record to test-output/bench/checkin.json and prints a table.
Run: ``.venv/bin/python benchmarks/checkin.py``.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "bench"
PG_URL = os.environ.get("NEARZERO_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = "nearzero_bench_checkin"
COMMUNITY = "dongping"
USER, PASSWORD = "dongping_admin", "nearzero-demo"
SERVER_THREADS = 8  # `nearzero serve`'s default
CLIENTS = 8
ROUNDS = 5
CHECKINS = 300  # first check-ins with the scan page's grant, per round
HEALTHZ = 1_000  # per round
SESSION_CHECKINS = 300  # first check-ins with the session (informational)
WARMUP = 200  # healthz requests, and check-ins of residents kept apart for it (each path)
PROFILED = 2  # residents the statement-count probe checks in (by grant, then by session)
TARGET_RATIO = 0.4
#: Environment variables the benchmark sets itself (a developer's own could skew the run).
OVERRIDDEN = ("DEBUG", "NEARZERO_PROFILE", "ALLOWED_HOSTS", "NEARZERO_DB_CONN_MAX_AGE")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


# --- database --------------------------------------------------------------------------------


def database_url(name: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(statement)


def create_database(name: str = DB_NAME) -> None:
    drop_database(name)
    admin_sql(f"CREATE DATABASE {name}")


def drop_database(name: str = DB_NAME) -> None:
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bench_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDDEN}
    env["DATABASE_URL"] = database_url(DB_NAME)
    env["NEARZERO_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "nearzero.settings"
    return env


# --- preparation (runs in a child process with the benchmark's environment) -----------------


def prepare(out_file: Path) -> None:
    """Create the event, sign the residents' tokens and count one check-in's queries."""
    import datetime as dt

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from nearzero.accounts.models import User
    from nearzero.engagement import exports, services
    from nearzero.engagement.models import ActivityType, Resident
    from nearzero.sites.models import Community

    community = Community.objects.get(slug=COMMUNITY)
    site = community.sites.filter(kind="station").order_by("pk").first()
    lecture = ActivityType.objects.get(code="lecture", community=None)
    now = timezone.now()
    event = services.create_event(
        actor=None,
        community=community,
        site=site,
        activity_type=lecture,
        title="bench",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
    )
    wanted = PROFILED + 2 * WARMUP + ROUNDS * CHECKINS + SESSION_CHECKINS
    residents = list(
        Resident.objects.filter(community=community, erased_at=None).order_by("pk")[:wanted]
    )
    if len(residents) < wanted:
        raise SystemExit(f"{COMMUNITY} has {len(residents)} residents; {wanted} are needed")
    tokens = [exports.resident_token(r) for r in residents]

    # Statements of one check-in of each kind, through the same views and middleware; the
    # grant comes from the scan page, as on a phone.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client(enforce_csrf_checks=False)
    client.force_login(User.objects.get(username=USER))
    grant = scan_page_grant(client.get(f"/engagement/events/{event.pk}/scan/").content)
    url = f"/api/events/{event.pk}/checkins"
    queries = {}
    probes = (
        ("grant_first", 201, tokens[0], {"HTTP_AUTHORIZATION": f"Bearer {grant}"}),
        ("grant_repeat", 200, tokens[0], {"HTTP_AUTHORIZATION": f"Bearer {grant}"}),
        ("session_first", 201, tokens[1], {}),
    )
    for label, expected, token, headers in probes:
        body = json.dumps({"token": token, "nonce": uuid.uuid4().hex})
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, body, content_type="application/json", **headers)
        if response.status_code != expected:
            raise SystemExit(f"probe {label}: {response.status_code} {response.content[:200]!r}")
        queries[label] = [q["sql"] for q in ctx.captured_queries]
    out_file.write_text(
        json.dumps(
            {
                "event_id": event.pk,
                "site": site.name,
                "tokens": tokens[PROFILED:],
                "queries": queries,
            }
        )
    )


def scan_page_grant(html: bytes) -> str:
    """The scan grant a scan page hands its script (the ``scan-config`` JSON)."""
    match = re.search(rb'<script id="scan-config" type="application/json">(.*?)</script>', html)
    if not match:
        raise SystemExit("the scan page has no scan-config")
    grant = json.loads(match[1])["grant"]
    if not grant:
        raise SystemExit("the scan page gave no scan grant")
    return grant


# --- HTTP client -----------------------------------------------------------------------------


class Session:
    """Cookies and the CSRF token of one signed-in user."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def take(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def login(port: int) -> Session:
    session = Session()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    response.read()
    session.take(response)
    if response.status != 200 or "csrftoken" not in session.cookies:
        raise SystemExit(f"GET /login/: {response.status}, cookies {sorted(session.cookies)}")
    form = urlencode(
        {
            "username": USER,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        }
    )
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": session.header(),
        },
    )
    response = conn.getresponse()
    response.read()
    session.take(response)
    conn.close()
    if response.status != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"POST /login/ as {USER}: {response.status} (no session)")
    return session


class Phase:
    """``count`` requests from ``CLIENTS`` threads, each on its own keep-alive connection."""

    def __init__(self, port: int, make_request, count: int) -> None:
        self.port = port
        self.make_request = make_request  # i -> (method, path, body, headers, check)
        self.count = count
        self.next = 0
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.bodies: list[dict] = []
        self.seconds = 0.0
        self.tokens: list[str] = []  # the residents' codes a check-in phase scans

    def _take(self) -> int | None:
        with self.lock:
            if self.next >= self.count:
                return None
            self.next += 1
            return self.next - 1

    def _worker(self, start: threading.Barrier) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        latencies, errors, bodies = [], [], []
        start.wait()
        while (i := self._take()) is not None:
            method, path, body, headers, check = self.make_request(i)
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError) as exc:
                latencies.append((time.perf_counter() - t0) * 1000)
                errors.append(f"{method} {path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            problem = check(response.status, data)
            if problem:
                errors.append(f"{method} {path}: {problem}")
            elif check is not ok_text:
                bodies.append(json.loads(data))
        conn.close()
        with self.lock:
            self.latencies.extend(latencies)
            self.errors.extend(errors)
            self.bodies.extend(bodies)

    def run(self) -> dict:
        start = threading.Barrier(CLIENTS + 1)
        threads = [
            threading.Thread(target=self._worker, args=(start,), daemon=True)
            for _ in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        self.seconds = time.perf_counter() - t0
        return merged([self])


def ok_text(status: int, data: bytes) -> str | None:
    return None if status == 200 and data == b"ok" else f"{status} {data[:120]!r}"


def expect(status: int, state: str):
    def check(got: int, data: bytes) -> str | None:
        if got != status:
            return f"{got} (expected {status}) {data[:200]!r}"
        try:
            body = json.loads(data)
        except ValueError:
            return f"{got} not JSON: {data[:120]!r}"
        return None if body.get("status") == state else f"status {body.get('status')!r}"

    return check


def healthz_phase(port: int, count: int) -> Phase:
    def make(i: int):
        return "GET", "/healthz", None, {}, ok_text

    return Phase(port, make, count)


def checkin_phase(
    port: int,
    session: Session,
    event_id: int,
    tokens: list[str],
    status: int,
    *,
    grant: str | None = None,
):
    """First scans (``status`` 201) or repeats (200) of ``tokens``: with a scan grant when
    ``grant`` is given (what the scan page does), else with the session and CSRF header."""
    path = f"/api/events/{event_id}/checkins"
    headers = {"Content-Type": "application/json"}
    if grant:
        headers["Authorization"] = f"Bearer {grant}"
    else:
        headers["Cookie"] = session.header()
        headers["X-CSRFToken"] = session.cookies["csrftoken"]
    check = expect(status, "checked_in" if status == 201 else "already_checked_in")

    def make(i: int):
        body = json.dumps({"token": tokens[i], "nonce": uuid.uuid4().hex})
        return "POST", path, body, headers, check

    phase = Phase(port, make, len(tokens))
    phase.tokens = tokens
    return phase


def page_grant(port: int, session: Session, event_id: int) -> str:
    """Open the event's scan page with the session and take its scan grant."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "GET", f"/engagement/events/{event_id}/scan/", headers={"Cookie": session.header()}
    )
    response = conn.getresponse()
    html = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET scan page: {response.status}")
    return scan_page_grant(html)


# --- server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, log) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nearzero",
            "serve",
            "--no-migrate",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            str(SERVER_THREADS),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"nearzero serve exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("nearzero serve did not answer /healthz within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


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

    prepared = tmp / "prepared.json"
    subprocess.run(
        [sys.executable, __file__, "--prepare", str(prepared)], env=env, check=True, cwd=ROOT
    )
    setup = json.loads(prepared.read_text())
    event_id, tokens = setup["event_id"], iter(setup["tokens"])

    def take(n: int) -> list[str]:
        return [next(tokens) for _ in range(n)]

    load_before = os.getloadavg()
    port = free_port()
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        server = start_server(env, port, log)
        try:
            session = login(port)
            grant = page_grant(port, session, event_id)
            # Warm-up: every server thread opens its database connection and loads the views.
            warm = [
                healthz_phase(port, WARMUP),
                checkin_phase(port, session, event_id, take(WARMUP), 201, grant=grant),
                checkin_phase(port, session, event_id, take(WARMUP), 201),
            ]
            for phase in warm:
                phase.run()
            rounds = []
            for _ in range(ROUNDS):
                healthz = healthz_phase(port, HEALTHZ)
                first = checkin_phase(port, session, event_id, take(CHECKINS), 201, grant=grant)
                rounds.append({"healthz": healthz.run(), "first": first.run()})
                rounds[-1]["phases"] = (healthz, first)
            scanned = [t for r in rounds for t in r["phases"][1].tokens][:CHECKINS]
            repeat = checkin_phase(port, session, event_id, scanned, 200, grant=grant)
            by_session = checkin_phase(port, session, event_id, take(SESSION_CHECKINS), 201)
            repeat.run()
            by_session.run()
        finally:
            stop_server(server)
    all_phases = [*warm, *(p for r in rounds for p in r["phases"]), repeat, by_session]
    errors = [e for phase in all_phases for e in phase.errors]
    if errors:
        tail = log_path.read_text(errors="replace")[-2000:]
        print("server log (tail):\n" + tail, file=sys.stderr)
    participations = max((b["participations"] for b in by_session.bodies), default=None)
    expected_participations = PROFILED + 2 * WARMUP + ROUNDS * CHECKINS + SESSION_CHECKINS
    if participations != expected_participations:
        errors.append(
            f"the event has {participations} check-ins, expected {expected_participations}"
        )
    ratios = [r["first"]["rps"] / r["healthz"]["rps"] for r in rounds]
    ratio = statistics.median(ratios)
    healthz_all = merged([r["phases"][0] for r in rounds])
    results = {
        "healthz": healthz_all,
        "checkin_first": merged([r["phases"][1] for r in rounds]),
        "checkin_repeat": merged([repeat]),
        "checkin_session": merged([by_session]),
    }
    return {
        "benchmark": "checkin",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "database": f"postgresql {DB_NAME}",
        "server": f"nearzero serve (waitress, {SERVER_THREADS} threads)",
        "clients": CLIENTS,
        "user": USER,
        "event_id": event_id,
        "demo_load_s": round(demo_s, 1),
        "rounds": [{k: v for k, v in r.items() if k != "phases"} for r in rounds],
        "round_ratios": [round(x, 3) for x in ratios],
        "results": results,
        "load_average_before": [round(x, 2) for x in load_before],
        "statements_per_checkin": {k: len(v) for k, v in setup["queries"].items()},
        "queries_per_checkin": {
            k: sum(not q.startswith(TRANSACTION_CONTROL) for q in v)
            for k, v in setup["queries"].items()
        },
        "queries": setup["queries"],
        "ratio_checkin_to_healthz": round(ratio, 3),
        "ratio_repeat_to_healthz": round(results["checkin_repeat"]["rps"] / healthz_all["rps"], 3),
        "ratio_session_to_healthz": round(
            results["checkin_session"]["rps"] / healthz_all["rps"], 3
        ),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio >= TARGET_RATIO,
        "event_checkins": participations,
        "errors": errors[:50],
        "error_count": len(errors),
    }


def merged(phases: list[Phase]) -> dict:
    """Requests/s over the phases' summed time, and latency percentiles over all requests."""
    samples = sorted(x for p in phases for x in p.latencies)
    seconds = sum(p.seconds for p in phases)
    return {
        "requests": len(samples),
        "seconds": round(seconds, 3),
        "rps": round(len(samples) / seconds, 1),
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(samples[max(math.ceil(0.99 * len(samples)) - 1, 0)], 2),
        "errors": sum(len(p.errors) for p in phases),
    }


def print_report(r: dict) -> None:
    print(
        f"check-in over HTTP: {r['server']}, PostgreSQL, {r['clients']} keep-alive clients, "
        f"{r['cpus']} CPUs (load average before {r['load_average_before'][0]}); "
        f"demo load {r['demo_load_s']} s"
    )
    print(f"{'':<38}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for label, key in (
        ("GET /healthz (peer)", "healthz"),
        ("check-in, scan page (grant), 201", "checkin_first"),
        ("repeat scan, scan page (grant), 200", "checkin_repeat"),
        ("check-in, API with session, 201", "checkin_session"),
    ):
        v = r["results"][key]
        print(
            f"{label:<38}{v['requests']:>10,}{v['rps']:>10.1f}{v['p50_ms']:>10.2f}"
            f"{v['p99_ms']:>10.2f}{v['errors']:>8}"
        )
    q, s = r["queries_per_checkin"], r["statements_per_checkin"]
    print(
        "SQL statements per request: "
        + ", ".join(f"{k} {q[k]} ({s[k]} with transaction control)" for k in q)
    )
    ratio = r["ratio_checkin_to_healthz"]
    verdict = "PASS" if r["target_met"] else "MISS"
    rounds = ", ".join(f"{x:.3f}" for x in r["round_ratios"])
    print(
        f"check-ins/s ÷ healthz/s, median of {len(r['round_ratios'])} rounds ({rounds}) = "
        f"{ratio:.3f} (target >= {TARGET_RATIO}): {verdict}; repeat scans ÷ healthz = "
        f"{r['ratio_repeat_to_healthz']:.3f}; session check-ins ÷ healthz = "
        f"{r['ratio_session_to_healthz']:.3f}"
    )
    print(f"written to {OUT / 'checkin.json'}")


def bench_main(name: str, run, print_report, modes: dict, *, database: str = DB_NAME) -> int:
    """Shared entry point of the PostgreSQL benchmarks: a child mode (``--MODE FOLDER``)
    or a run in a fresh ``database``, written to ``test-output/bench/NAME.json``; exit 1
    when the run recorded errors."""
    if len(sys.argv) == 3 and sys.argv[1] in modes:
        modes[sys.argv[1]](Path(sys.argv[2]))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    create_database(database)
    try:
        with tempfile.TemporaryDirectory(prefix=f"nearzero-bench-{name}-") as tmp:
            record = run(Path(tmp))
    finally:
        drop_database(database)
    (OUT / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print_report(record)
    if record["error_count"]:
        print(f"FAIL: {record['error_count']} errors:", file=sys.stderr)
        for error in record["errors"][:10]:
            print(f"  {error}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    return bench_main("checkin", run, print_report, {"--prepare": prepare})


if __name__ == "__main__":
    sys.exit(main())
