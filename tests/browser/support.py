"""Shared pieces of the browser tests: the demo served by ``nearzero serve`` in a throw-away
data folder, driven by Debian's Chromium (never a downloaded browser). Screenshots land in
``test-output/screenshots/`` for a person to look at."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request

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

PYTESTMARK = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser test: {CHROMIUM} is not installed"),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 20.0) -> None:
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


@dataclass
class Watched:
    """A page plus everything it requested and every error it reported."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def open_page(browser: Browser, viewport: str) -> Iterator[Watched]:
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


def login(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.locator('button[type="submit"]').click()
    # The sign-in POST redirects to / and on to the user's start page.
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state("load")


def assert_fits_phone(page: Page, viewport: str) -> None:
    if viewport != "phone":
        return
    width = VIEWPORTS["phone"]["viewport"]["width"]
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= min(inner_width, width) + 1, (
        f"{page.url} overflows horizontally: scrollWidth {scroll_width}, innerWidth {inner_width}"
    )


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
