"""The energy pages in a real browser: charts from the interval store, the PV page with its
findings and roofs, both languages, desktop and phone."""

from __future__ import annotations

import pytest

from .support import PYTESTMARK, Watched, assert_fits_phone, login, screenshot

pytestmark = PYTESTMARK


def _switch(page, lang: str) -> None:
    with page.expect_navigation():
        page.locator(f'button[name="language"][value="{lang}"]').click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_energy_and_pv_pages(live_server_url: str, watched: Watched, viewport: str, lang: str):
    page = watched.page
    login(page, live_server_url, "dongping_admin")
    _switch(page, lang)
    page.goto(f"{live_server_url}/c/dongping/energy/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart-canvas')].every(el => el.querySelector('svg'))"
    )
    assert page.locator(".chart-canvas").count() == 4  # day, month, average day, heat map
    assert "DP-C-GRID" in page.locator("main").inner_text()
    assert_fits_phone(page, viewport)
    screenshot(page, f"energy-{lang}-{viewport}")

    page.goto(f"{live_server_url}/c/dongping/pv/")
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    assert "92.0 kWp" in text
    assert page.locator("ul.findings li").count() >= 1  # the two-day outage
    assert page.locator("table tbody tr").count() >= 12 + 6  # months + six candidate roofs
    assert_fits_phone(page, viewport)
    screenshot(page, f"pv-{lang}-{viewport}")
    foreign = [url for url in watched.requests if not url.startswith(f"{live_server_url}/")]
    assert not foreign, foreign
    assert not watched.errors, "\n".join(watched.errors)
