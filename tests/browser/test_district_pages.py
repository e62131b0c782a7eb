"""The district pages in a real browser: Chongming's officer finds the district overview from
the communities list, sees Dongping's row and its shape and point on the offline map coloured
by its result, sorts the table; the platform administrator compares Dongping and Qiyang. On a
desktop and a phone, in Chinese and English, with no console errors and nothing fetched from
another host."""

from __future__ import annotations

from .support import PYTESTMARK, Watched, assert_fits_phone, login, screenshot

pytestmark = PYTESTMARK

#: district.py's RESULT_COLOURS: Dongping's submitted nearzero-default assessment fails.
FAIL_COLOUR = "#b8281d"


def _switch(page, lang: str) -> None:
    with page.expect_navigation():
        page.locator(f'button[name="language"][value="{lang}"]').click()
    page.wait_for_load_state("load")


def _only_local(watched: Watched, base_url: str) -> None:
    outside = [u for u in watched.requests if not u.startswith((base_url, "data:"))]
    assert not outside, f"requests to other hosts: {outside}"


def test_officer_district_overview(live_server_url: str, watched: Watched, viewport: str):
    page = watched.page
    login(page, live_server_url, "chongming_officer")
    _switch(page, "zh-hans")
    page.goto(f"{live_server_url}/communities/")
    with page.expect_navigation():
        page.locator('a[data-link="district"]').click()
    assert page.url == f"{live_server_url}/evaluation/district/"
    page.locator('#district-map[data-loaded="true"]').wait_for(state="attached")

    # Exactly the district's community, in the table and on the map: its boundary and point.
    rows = page.locator("table.district-table tbody tr[data-community]")
    assert rows.count() == 1 and rows.first.get_attribute("data-community") == "dongping"
    shapes = page.locator("#district-map path.leaflet-interactive")
    assert shapes.count() == 2
    fills = {shapes.nth(i).get_attribute("fill") for i in range(shapes.count())}
    assert fills == {FAIL_COLOUR}
    assert page.locator(".map-legend").is_visible()
    assert page.locator(".leaflet-tooltip.map-label").first.inner_text() == "东平镇社区"
    cell = rows.first.locator('[data-key="std:nearzero-default"]')
    assert cell.get_attribute("data-result") == "fail"
    assert cell.get_attribute("data-state") == "submitted"
    assert_fits_phone(page, viewport)
    screenshot(page, f"district-zh-hans-{viewport}")

    # The popup names the community and links to its dashboard.
    page.locator("#district-map path.leaflet-interactive").last.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "东平镇社区" in popup.inner_text()
    assert popup.locator('a[href="/c/dongping/"]').count() == 1

    # Sorting through the header links works without JavaScript's help.
    with page.expect_navigation():
        page.locator('th[data-key="net"] a').click()
    assert "sort=net" in page.url and "dir=asc" in page.url
    assert page.locator('th[data-key="net"]').get_attribute("aria-sort") == "ascending"
    with page.expect_navigation():
        page.locator('th[data-key="net"] a').click()
    assert page.locator('th[data-key="net"]').get_attribute("aria-sort") == "descending"

    _switch(page, "en")
    page.locator('#district-map[data-loaded="true"]').wait_for(state="attached")
    assert page.locator("h1").inner_text() == "District overview"
    assert_fits_phone(page, viewport)
    screenshot(page, f"district-en-{viewport}")
    _only_local(watched, live_server_url)
    assert not watched.errors, "\n".join(watched.errors)


def test_superuser_district_and_compare(live_server_url: str, watched: Watched, viewport: str):
    page = watched.page
    login(page, live_server_url, "nearzero_admin")
    _switch(page, "zh-hans")
    page.goto(f"{live_server_url}/evaluation/district/")
    page.locator('#district-map[data-loaded="true"]').wait_for(state="attached")
    slugs = page.locator("table.district-table tbody tr[data-community]")
    assert {slugs.nth(i).get_attribute("data-community") for i in range(slugs.count())} == {
        "dongping",
        "qiyang",
    }
    assert page.locator("#district-map path.leaflet-interactive").count() == 4
    assert_fits_phone(page, viewport)
    screenshot(page, f"district-superuser-zh-hans-{viewport}")

    with page.expect_navigation():
        page.locator(".page-head .actions a").first.click()
    assert "/evaluation/compare/" in page.url
    page.locator("#compare-a").select_option("dongping")
    page.locator("#compare-b").select_option("qiyang")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    heads = page.locator("table.compare-table thead th[data-community]")
    assert [heads.nth(i).get_attribute("data-community") for i in range(2)] == [
        "dongping",
        "qiyang",
    ]
    assert page.locator("table.compare-table td.better").count() >= 1
    assert page.locator(".compare-gaps section").count() == 2
    screenshot(page, f"compare-zh-hans-{viewport}")
    assert_fits_phone(page, viewport)
    _switch(page, "en")
    screenshot(page, f"compare-en-{viewport}")
    _only_local(watched, live_server_url)
    assert not watched.errors, "\n".join(watched.errors)
