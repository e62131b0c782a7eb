"""The points pages in a real browser: a resident on a phone sees their points and history,
reserves a reward and finds it among their orders; staff see the ledger's overview (tiles,
reconciliation, accounts) on a desktop and on a phone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from playwright.sync_api import Browser

from .support import (
    PYTESTMARK,
    REPO_ROOT,
    Watched,
    assert_fits_phone,
    login,
    open_page,
    screenshot,
)
from .test_engagement_scan import _server_data_dir

pytestmark = PYTESTMARK

# Run in the live server's data folder: fresh points for the demo resident (the demo's 2024
# points are past their expiry date) and a cheap reward in stock.
PREPARE = textwrap.dedent(
    """
    from nearzero.engagement.models import Resident
    from nearzero.points import services
    from nearzero.points.models import Reward

    me = Resident.objects.get(user__username="dongping_resident")
    services.adjust(actor=None, resident=me, points=120, reason="社区清洁日志愿服务")
    site = me.community.sites.filter(kind="station").order_by("pk").first()
    Reward.objects.get_or_create(
        community=me.community,
        name="可降解垃圾袋",
        defaults={"cost_points": 25, "stock": 5, "site": site},
    )
    print("PREPARED")
    """
)


@pytest.fixture(scope="module")
def points_ready(live_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the server's SQLite in its data folder
    data_dir = _server_data_dir(tmp_path_factory)
    done = subprocess.run(
        [sys.executable, "-m", "nearzero", "--data-dir", str(data_dir), "shell", "-c", PREPARE],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "PREPARED" in done.stdout, done.stderr


def _switch(page, lang: str) -> None:
    with page.expect_navigation():
        page.locator(f'button[name="language"][value="{lang}"]').click()
    page.wait_for_load_state("load")


def _kpi(page, name: str) -> str:
    return page.locator(f'[data-kpi="{name}"]').inner_text().strip()


def test_resident_points_on_a_phone(live_server_url: str, browser: Browser, points_ready):
    with open_page(browser, "phone") as watched:
        page = watched.page
        login(page, live_server_url, "dongping_resident")
        _switch(page, "en")
        page.get_by_role("link", name="My carbon points and rewards").click()
        page.wait_for_url(f"{live_server_url}/me/points/")
        balance = int(_kpi(page, "balance").replace(",", ""))
        assert balance >= 120
        main = page.locator("main").inner_text()
        assert "社区清洁日志愿服务" in main and "+120" in main
        assert "kg CO2e" in main and "expire on" in main
        assert_fits_phone(page, "phone")
        screenshot(page, "points-me-en-phone")

        page.get_by_role("link", name="See the rewards").click()
        card = page.locator(".reward-card").filter(has_text="可降解垃圾袋")
        assert_fits_phone(page, "phone")
        screenshot(page, "points-me-rewards-en-phone")
        with page.expect_navigation():
            card.get_by_role("button", name="Reserve").click()
        assert page.url == f"{live_server_url}/me/points/orders/"
        assert "可降解垃圾袋 is reserved for you." in page.locator(".messages").inner_text()
        assert page.locator("section.card").filter(has_text="可降解垃圾袋").count() >= 1
        assert_fits_phone(page, "phone")
        screenshot(page, "points-me-orders-en-phone")

        page.goto(f"{live_server_url}/me/points/leaderboard/?by=household")
        assert page.locator(".board li.mine").count() == 1  # their household, even if not top
        assert_fits_phone(page, "phone")
        screenshot(page, "points-me-leaderboard-en-phone")

        _switch(page, "zh-hans")
        page.goto(f"{live_server_url}/me/points/")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert "社区清洁日志愿服务" in page.locator("main").inner_text()
        assert_fits_phone(page, "phone")
        screenshot(page, "points-me-zh-hans-phone")
        assert not watched.errors, "\n".join(watched.errors)


def test_staff_points_overview(live_server_url: str, watched: Watched, viewport: str):
    page = watched.page
    login(page, live_server_url, "dongping_admin")
    _switch(page, "en")
    page.goto(f"{live_server_url}/c/dongping/points/")
    assert page.locator(".domains a[aria-current=page]").inner_text() == "Carbon points"
    assert int(_kpi(page, "outstanding").replace(",", "")) > 0
    assert _kpi(page, "reconciliation").startswith("✓")
    assert _kpi(page, "pool").count(".") == 1  # yuan with two decimals
    assert page.locator("table tbody tr").count() == 50  # the first page of accounts
    assert_fits_phone(page, viewport)
    screenshot(page, f"points-overview-en-{viewport}")

    page.locator("table tbody tr a").first.click()
    page.locator("h2", has_text="Correct the balance").wait_for()
    assert_fits_phone(page, viewport)
    screenshot(page, f"points-account-en-{viewport}")

    for tab in ("rules", "rewards", "orders", "fund", "leaderboard"):
        page.goto(f"{live_server_url}/c/dongping/points/{tab}/")
        assert page.locator(".tabs a[aria-current=page]").count() == 1
        assert_fits_phone(page, viewport)
        screenshot(page, f"points-{tab}-en-{viewport}")
    assert not watched.errors, "\n".join(watched.errors)
