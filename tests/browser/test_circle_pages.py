"""The 15-minute circle in a real browser: staff see the coverage map (streets, walking-time
bands, sites, homes beyond reach, proposed posts) on a desktop and a phone, and an admin
taps two candidate places on the siting map and gets a proposal."""

from __future__ import annotations

from .support import PYTESTMARK, Watched, assert_fits_phone, login, screenshot

pytestmark = PYTESTMARK


def _switch(page, lang: str) -> None:
    with page.expect_navigation():
        page.locator(f'button[name="language"][value="{lang}"]').click()
    page.wait_for_load_state("load")


def test_circle_map(live_server_url: str, watched: Watched, viewport: str):
    page = watched.page
    login(page, live_server_url, "dongping_station")
    _switch(page, "en")
    page.goto(f"{live_server_url}/c/dongping/circle/")
    assert page.locator(".domains a[aria-current=page]").inner_text() == (
        "15-minute low-carbon circle"
    )
    page.locator("#circle-map[data-loaded=true]").wait_for(timeout=20_000)
    coverage = float(page.locator('[data-kpi="coverage_pct"]').inner_text().split()[0])
    assert 50 < coverage < 100
    legend = page.locator(".map-legend").inner_text()
    assert "beyond reach" in legend and "within 13 min" in legend  # 12.5 min rounded
    # Drawn on canvas: the map's canvas holds streets, bands, homes and sites.
    assert page.locator("#circle-map canvas").count() >= 1
    assert page.locator(".proposed-post").count() >= 1  # the demo's proposal
    assert page.locator("table").first.locator("tbody tr").count() == 17
    assert_fits_phone(page, viewport)
    screenshot(page, f"circle-overview-en-{viewport}")
    _switch(page, "zh-hans")
    page.locator("#circle-map[data-loaded=true]").wait_for(timeout=20_000)
    screenshot(page, f"circle-overview-zh-hans-{viewport}")
    assert not watched.errors, "\n".join(watched.errors)


def test_siting_with_drawn_places(live_server_url: str, watched: Watched, viewport: str):
    if viewport != "desktop":
        return
    page = watched.page
    login(page, live_server_url, "dongping_admin")
    _switch(page, "en")
    page.goto(f"{live_server_url}/c/dongping/circle/siting/")
    page.locator("#draw-map[data-loaded=true]").wait_for(timeout=20_000)
    box = page.locator("#draw-map").bounding_box()
    for fx, fy in ((0.5, 0.5), (0.54, 0.44)):  # near the town centre
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    assert page.locator("#id_candidate_source").input_value() == "drawn"
    assert page.locator("#id_drawn").input_value().count("[") == 3  # two pairs in a list
    page.locator("#id_new").fill("1")
    before = page.locator("section.card[data-run]").count()
    with page.expect_navigation():
        page.get_by_role("button", name="Propose posts").click()
    assert "Proposed posts are on the map." in page.locator(".messages").inner_text()
    assert page.locator("section.card[data-run]").count() == before + 1
    assert (
        "places drawn on the map (2)" in page.locator("section.card[data-run]").first.inner_text()
    )
    screenshot(page, "circle-siting-en-desktop")
    assert not watched.errors, "\n".join(watched.errors)
