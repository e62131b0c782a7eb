"""Evaluation in a real browser: an officer reads Dongping's assessment (values, gap list,
history) and Qiyang's action plan on a desktop and a phone; an admin enters a value with its
evidence on a draft assessment and sees the status change."""

from __future__ import annotations

from pathlib import Path

from .support import PYTESTMARK, Watched, assert_fits_phone, login, screenshot

pytestmark = PYTESTMARK


def _switch(page, lang: str) -> None:
    with page.expect_navigation():
        page.locator(f'button[name="language"][value="{lang}"]').click()
    page.wait_for_load_state("load")


def test_assessment_and_plan_pages(live_server_url: str, watched: Watched, viewport: str):
    page = watched.page
    login(page, live_server_url, "nearzero_admin")
    _switch(page, "zh-hans")
    page.goto(f"{live_server_url}/c/dongping/evaluation/")
    assert page.locator(".standard-card").count() == 3
    page.goto(f"{live_server_url}/c/dongping/evaluation/nearzero-default/2024/")
    gaps = page.locator("ul.gaps").inner_text()
    assert "生活垃圾分类收集率 24.0% < 30.0%" in gaps
    assert page.locator("[data-submission]").count() == 2
    assert page.locator('[data-result="fail"]').count() >= 1
    assert_fits_phone(page, viewport)
    screenshot(page, f"evaluation-assessment-zh-hans-{viewport}")
    _switch(page, "en")
    assert "Waste-sorting collection rate 24.0% < 30.0%" in page.locator("ul.gaps").inner_text()
    screenshot(page, f"evaluation-assessment-en-{viewport}")
    page.goto(f"{live_server_url}/c/qiyang/evaluation/plan/")
    assert page.locator("tr[data-project]").count() == 7
    assert page.locator('tr[data-overdue="1"]').count() >= 2
    assert_fits_phone(page, viewport)
    screenshot(page, f"evaluation-plan-en-{viewport}")
    _switch(page, "zh-hans")
    screenshot(page, f"evaluation-plan-zh-hans-{viewport}")
    assert not watched.errors, "\n".join(watched.errors)


def test_admin_enters_a_value_with_evidence(
    live_server_url: str, watched: Watched, viewport: str, tmp_path: Path
):
    if viewport != "desktop":
        return
    page = watched.page
    login(page, live_server_url, "dongping_admin")
    page.goto(f"{live_server_url}/c/dongping/evaluation/ndrc-2015/2024/")
    row = page.locator('tr[data-indicator="resource_recovery_rate"]')
    assert row.locator("[data-status]").get_attribute("data-status") == "no_evidence"
    entry = row.locator("xpath=following-sibling::tr[1]")
    ledger = tmp_path / "recovery-2024.csv"
    ledger.write_text("year,recovered_t,total_t\n2024,134,258\n", encoding="utf-8")
    entry.locator('input[type="file"]').set_input_files(str(ledger))
    with page.expect_navigation():
        entry.locator("form").nth(1).locator("button").click()
    entry = page.locator('tr[data-indicator="resource_recovery_rate"]').locator(
        "xpath=following-sibling::tr[1]"
    )
    entry.locator('input[name="value"]').fill("52")
    with page.expect_navigation():
        entry.locator("form").first.locator("button").click()
    row = page.locator('tr[data-indicator="resource_recovery_rate"]')
    assert row.locator("[data-status]").get_attribute("data-status") == "pass"
    assert row.get_attribute("data-value") == "52.0"
    screenshot(page, "evaluation-entry-zh-hans-desktop")
    assert not watched.errors, "\n".join(watched.errors)
