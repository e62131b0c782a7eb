"""Browser smoke test: sign in, switch language, check the dashboard (tiles, ECharts charts)
and the offline map (boundary, site markers, legend) on a desktop and a phone viewport."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from .support import (
    COMMUNITY_NAMES,
    DONGPING_BOUNDARIES,
    DONGPING_SITES,
    KIND_COLOURS,
    PYTESTMARK,
    Watched,
    assert_fits_phone,
    login,
    open_page,
    screenshot,
)

pytestmark = PYTESTMARK


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_dashboard_and_map(live_server_url: str, watched: Watched, viewport: str, lang: str):
    page = watched.page
    login(page, live_server_url, "dongping_admin")
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
    assert_fits_phone(page, viewport)
    screenshot(page, f"dashboard-{lang}-{viewport}")

    # Map.
    page.goto(f"{live_server_url}/c/dongping/map/")
    assert page.locator("html").get_attribute("lang") == lang
    page.locator('#map[data-loaded="true"]').wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    interactive = page.locator("#map path.leaflet-interactive")
    assert interactive.count() == DONGPING_SITES + DONGPING_BOUNDARIES
    assert page.locator(".map-legend").is_visible()
    assert_fits_phone(page, viewport)
    screenshot(page, f"map-{lang}-{viewport}")

    foreign = [url for url in watched.requests if not url.startswith(f"{live_server_url}/")]
    assert not foreign, f"requests left the app server: {foreign}"
    assert not watched.errors, "\n".join(watched.errors)


def test_officer_cannot_open_another_districts_community(live_server_url: str, browser: Browser):
    with open_page(browser, "desktop") as watched:
        page = watched.page
        login(page, live_server_url, "shuangliu_officer")
        response = page.goto(f"{live_server_url}/c/dongping/")
        assert response is not None
        assert response.status == 404


def test_map_markers_are_coloured_by_kind(live_server_url: str, browser: Browser):
    with open_page(browser, "desktop") as watched:
        page = watched.page
        login(page, live_server_url, "dongping_admin")
        page.goto(f"{live_server_url}/c/dongping/map/")
        page.locator('#map[data-loaded="true"]').wait_for(state="attached")
        fills = set(
            page.locator("#map path.leaflet-interactive").evaluate_all(
                "paths => paths.map(p => (p.getAttribute('fill') || '').toLowerCase())"
            )
        )
        assert fills >= KIND_COLOURS, f"marker fills {sorted(fills)}"
