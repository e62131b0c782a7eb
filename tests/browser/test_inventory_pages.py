"""The inventory pages in a real browser: charts drawn, the sentence, the factor trace, an
import with bad rows, both languages, desktop and phone."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import Browser

from .support import (
    PYTESTMARK,
    SCREENSHOTS,
    Watched,
    assert_fits_phone,
    login,
    open_page,
    screenshot,
)

pytestmark = PYTESTMARK

SENTENCE_START = {"zh-hans": "总排放量较2022年下降", "en": "Total emissions fell"}


def _switch(page, lang: str) -> None:
    with page.expect_navigation():
        page.locator(f'button[name="language"][value="{lang}"]').click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_inventory_overview(live_server_url: str, watched: Watched, viewport: str, lang: str):
    page = watched.page
    login(page, live_server_url, "qiyang_admin")
    _switch(page, lang)
    page.goto(f"{live_server_url}/c/qiyang/inventories/")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2  # 2023 and 2022
    with page.expect_navigation():
        page.get_by_role("link", name="2023", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == lang
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart-canvas')].every(el => el.querySelector('svg'))"
    )
    assert page.locator(".chart-canvas").count() == 4  # months, scopes, gross→net, change
    assert SENTENCE_START[lang] in page.locator(".sentence").inner_text()
    # The grid line names its factor and where it comes from.
    page.locator("details summary", has_text="cn.grid.2022.average.510000").first.click()
    assert page.locator("text=0.1404").first.is_visible()
    assert_fits_phone(page, viewport)
    screenshot(page, f"inventory-{lang}-{viewport}")
    foreign = [url for url in watched.requests if not url.startswith(f"{live_server_url}/")]
    assert not foreign, foreign
    assert not watched.errors, "\n".join(watched.errors)


def test_import_with_bad_rows_lists_them(live_server_url: str, browser: Browser, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "activity"
    ws.append(["month", "activity_type", "category", "label", "quantity", "unit"])
    ws.append([1, "electricity_grid", "public", "post A", 1200, "kWh"])
    ws.append([2, "electricity_grid", "public", "post A", -5, "kWh"])
    ws.append([3, "natural_gas", "residential", "", 40, "kWh"])
    path = tmp_path / "bills.xlsx"
    out = io.BytesIO()
    wb.save(out)
    path.write_bytes(out.getvalue())
    with open_page(browser, "desktop") as watched:
        page = watched.page
        login(page, live_server_url, "dongping_admin")
        _switch(page, "en")
        page.goto(f"{live_server_url}/c/dongping/inventories/")
        page.get_by_role("link", name="2024", exact=True).click()
        page.get_by_role("link", name="Import").click()
        page.locator('input[type="file"]').set_input_files(str(path))
        with page.expect_navigation():
            page.get_by_role("button", name="Check and import").click()
        table = page.locator("table.errors-table tbody tr")
        assert table.count() == 2
        text = page.locator("table.errors-table").inner_text()
        assert "row 3" in text and "row 4" in text and "negative" in text
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        screenshot(page, "inventory-import-errors-en-desktop")
        assert not watched.errors, "\n".join(watched.errors)
