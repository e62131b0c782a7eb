"""Fixtures of the browser tests (see support.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from .support import CHROMIUM, REPO_ROOT, VIEWPORTS, Watched, free_port, open_page, wait_healthy


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
    port = free_port()
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
        wait_healthy(f"{base_url}/healthz", proc, log)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
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


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def watched(browser: Browser, viewport: str) -> Iterator[Watched]:
    with open_page(browser, viewport) as w:
        yield w
