"""Browser smoke test: the demo served by ``nearzero serve``, driven by Debian's Chromium.

It loads the demo into a throw-away data folder, serves it on a free port, signs in, switches
language and checks the dashboard (tiles, ECharts charts) and the offline map (boundary, site
markers, legend) on a desktop and a phone viewport. Screenshots land in
``test-output/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
PASSWORD = "nearzero-demo"
COMMUNITY_NAMES = {"zh-hans": "东平镇社区", "en": "Dongping Town Community"}
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
DONGPING_SITES = 20
DONGPING_BOUNDARIES = 1
# map.js colours a site marker by its kind; the boundary polygon is filled #cfe8da.
KIND_COLOURS = {"#1f7a4d", "#3b82c4", "#c2410c", "#7c5cbf"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser test: {CHROMIUM} is not installed"),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nearzero serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local http)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer 200 within {timeout:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo loaded into a temp data folder and served by ``nearzero serve``."""
    data_dir = tmp_path_factory.mktemp("browser-data")
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # SQLite in the temp data folder, never the developer's DB
    subprocess.run(
        [sys.executable, "-m", "nearzero", "demo", "--no-serve", "--data-dir", str(data_dir)],
        check=True,
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    log = data_dir / "serve.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nearzero",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--no-migrate",
            ],
            env=env,
            cwd=REPO_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(f"{base_url}/healthz", proc, log)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page plus everything it requested and every error it reported."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def _open(browser: Browser, viewport: str) -> Iterator[Watched]:
    context = browser.new_context(**VIEWPORTS[viewport])
    context.set_default_timeout(15_000)
    page = context.new_page()
    watched = Watched(page)

    def on_request(request: Request) -> None:
        watched.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        source = message.location.get("url", "")
        if message.type == "error":
            watched.errors.append(f"console: {message.text} ({source})")

    def on_pageerror(error: Exception) -> None:
        watched.errors.append(f"pageerror: {error}")

    context.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    try:
        yield watched
    finally:
        context.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def watched(browser: Browser, viewport: str) -> Iterator[Watched]:
    with _open(browser, viewport) as w:
        yield w


def _login(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.locator('button[type="submit"]').click()
    # The sign-in POST redirects to / and on to the user's start page.
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state("load")


def _assert_fits_phone(page: Page, viewport: str) -> None:
    if viewport != "phone":
        return
    width = VIEWPORTS["phone"]["viewport"]["width"]
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= min(inner_width, width) + 1, (
        f"{page.url} overflows horizontally: scrollWidth {scroll_width}, innerWidth {inner_width}"
    )


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_dashboard_and_map(live_server_url: str, watched: Watched, viewport: str, lang: str):
    page = watched.page
    _login(page, live_server_url, "dongping_admin")
    assert page.url == f"{live_server_url}/c/dongping/"

    with page.expect_navigation():
        page.locator(f'button[name="language"][value="{lang}"]').click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server_url}/c/dongping/"

    # Dashboard.
    assert page.locator("html").get_attribute("lang") == lang
    page.get_by_role("heading", name=COMMUNITY_NAMES[lang], exact=True).wait_for()
    assert page.locator(".tile").count() >= 4
    canvases = page.locator(".chart-canvas")
    assert canvases.count() >= 1
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart-canvas')].every(el => el.querySelector('svg'))"
    )
    for i in range(canvases.count()):
        assert canvases.nth(i).locator("svg").count() >= 1, f"chart {i} did not render"
    _assert_fits_phone(page, viewport)
    _screenshot(page, f"dashboard-{lang}-{viewport}")

    # Map.
    page.goto(f"{live_server_url}/c/dongping/map/")
    assert page.locator("html").get_attribute("lang") == lang
    page.locator('#map[data-loaded="true"]').wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    interactive = page.locator("#map path.leaflet-interactive")
    assert interactive.count() == DONGPING_SITES + DONGPING_BOUNDARIES
    assert page.locator(".map-legend").is_visible()
    _assert_fits_phone(page, viewport)
    _screenshot(page, f"map-{lang}-{viewport}")

    foreign = [url for url in watched.requests if not url.startswith(f"{live_server_url}/")]
    assert not foreign, f"requests left the app server: {foreign}"
    assert not watched.errors, "\n".join(watched.errors)


def test_officer_cannot_open_another_districts_community(live_server_url: str, browser: Browser):
    with _open(browser, "desktop") as watched:
        page = watched.page
        _login(page, live_server_url, "shuangliu_officer")
        response = page.goto(f"{live_server_url}/c/dongping/")
        assert response is not None
        assert response.status == 404


def test_map_markers_are_coloured_by_kind(live_server_url: str, browser: Browser):
    with _open(browser, "desktop") as watched:
        page = watched.page
        _login(page, live_server_url, "dongping_admin")
        page.goto(f"{live_server_url}/c/dongping/map/")
        page.locator('#map[data-loaded="true"]').wait_for(state="attached")
        fills = set(
            page.locator("#map path.leaflet-interactive").evaluate_all(
                "paths => paths.map(p => (p.getAttribute('fill') || '').toLowerCase())"
            )
        )
        assert fills >= KIND_COLOURS, f"marker fills {sorted(fills)}"
