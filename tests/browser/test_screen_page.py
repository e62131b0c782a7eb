"""The big screen ("community brain") on a 1920×1080 lobby TV: every tile shows a figure,
both charts draw, nothing is logged to the console and no request fails; a refresh updates
the figures in place, and a failed refresh keeps them with an "offline since" note."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, Route

from .support import PYTESTMARK, Watched, login, screenshot

pytestmark = PYTESTMARK

TV = {"viewport": {"width": 1920, "height": 1080}, "locale": "zh-CN"}
TILES = [
    "net_tco2e",
    "per_resident_tco2e",
    "pv_kwh",
    "events_week",
    "participations",
    "knowledge_rate_pct",
    "points_issued",
    "coverage_pct",
]
#: At 1920 px wide the KPI values are at least this large, to be read from three metres [px].
MIN_VALUE_FONT_PX = 56


@contextmanager
def tv_page(browser: Browser) -> Iterator[Watched]:
    """A TV-sized page that records console errors and warnings, page errors, failed
    requests and error responses (support.open_page records errors only)."""
    context = browser.new_context(**TV)
    context.set_default_timeout(15_000)
    page = context.new_page()
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            where = message.location.get("url", "")
            watched.errors.append(f"console {message.type}: {message.text} ({where})")

    def on_failed(request: Request) -> None:
        watched.errors.append(f"request failed: {request.url} {request.failure}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            watched.errors.append(f"HTTP {response.status}: {response.url}")

    context.on("request", lambda request: watched.requests.append(request.url))
    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.errors.append(f"pageerror: {error}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    try:
        yield watched
    finally:
        context.close()


def _wait_for_charts(page: Page) -> None:
    page.wait_for_function(
        """() => ['inventory', 'pv'].every(key => {
            const canvas = document.querySelector('#screen-chart-' + key + ' canvas');
            return canvas && canvas.width > 0 && canvas.height > 0;
        })"""
    )


def _painted_pixels(page: Page, key: str) -> int:
    """Pixels of a chart's canvas that are not transparent (an empty canvas has none)."""
    return page.evaluate(
        """key => {
            const canvas = document.querySelector('#screen-chart-' + key + ' canvas');
            const context = canvas.getContext('2d');
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
            return n;
        }""",
        key,
    )


def _tile_text(page: Page, key: str) -> tuple[str, str]:
    value = page.locator(f'[data-kpi="{key}"]')
    return value.locator('[data-field="display"]').inner_text().strip(), value.get_attribute(
        "data-value"
    )


def _open_screen(page: Page, base_url: str, slug: str) -> None:
    response = page.goto(f"{base_url}/c/{slug}/screen/")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    _wait_for_charts(page)


def test_big_screen_on_a_tv(live_server_url: str, browser: Browser):
    with tv_page(browser) as watched:
        page = watched.page
        login(page, live_server_url, "dongping_admin")
        link = page.locator('a[href="/c/dongping/screen/"]')
        assert link.get_attribute("target") == "_blank"

        _open_screen(page, live_server_url, "dongping")
        assert page.locator("h1").inner_text() == "东平镇社区"
        assert re.fullmatch(r"\d\d:\d\d", page.locator("#screen-clock").inner_text())
        assert page.locator(".domains, .topbar").count() == 0  # no navigation chrome
        for key in TILES:
            display, value = _tile_text(page, key)
            assert display and display != "—", f"{key} shows {display!r}"
            assert value, f"{key} has no data-value"
        change, _value = _tile_text(page, "net_change_pct")
        assert change.startswith("−") and change.endswith("%")
        assert _tile_text(page, "coverage_pct") == ("83.4", "83.4")
        # The demo's readings end in 2024: the PV tile says which day it shows.
        pv_label = page.locator('[data-tile="pv_kwh"] [data-field="label"]').inner_text()
        assert "2024-12-31" in pv_label
        assert "2024-12-31" in page.locator('[data-panel="pv"] [data-field="note"]').inner_text()
        for key in ("inventory", "pv"):
            box = page.locator(f"#screen-chart-{key} canvas").bounding_box()
            assert box and box["width"] > 300 and box["height"] > 200, (key, box)
            assert _painted_pixels(page, key) > 2_000, f"the {key} chart is blank"
        assert page.locator("#screen-events li:not([hidden])").count() >= 1

        # Readable from three metres, and all of it on the screen without scrolling.
        sizes = page.eval_on_selector_all(
            ".screen-tile-value", "els => els.map(el => parseFloat(getComputedStyle(el).fontSize))"
        )
        assert len(sizes) == len(TILES) and min(sizes) >= MIN_VALUE_FONT_PX, sizes
        width, height = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert (width, height) == (1920, 1080)
        for box in page.locator(".screen-tile, .screen-panel").all():
            bounds = box.bounding_box()
            assert bounds["y"] + bounds["height"] <= 1080 and bounds["x"] + bounds["width"] <= 1920

        # A refresh fetches the JSON and keeps everything in place.
        with page.expect_response(lambda r: r.url.endswith("/c/dongping/screen.json")) as got:
            page.evaluate("window.nearzeroScreen.refresh()")
        assert got.value.status == 200
        assert _tile_text(page, "coverage_pct") == ("83.4", "83.4")
        assert page.locator("#screen-offline").is_hidden()
        screenshot(page, "screen-dongping-zh-hans-tv")

        foreign = [u for u in watched.requests if not u.startswith(f"{live_server_url}/")]
        assert not foreign, f"requests left the app server: {foreign}"
        assert not watched.errors, "\n".join(watched.errors)


def test_refresh_updates_in_place_and_survives_going_offline(
    live_server_url: str, browser: Browser
):
    with tv_page(browser) as watched:
        page = watched.page
        login(page, live_server_url, "dongping_station")
        _open_screen(page, live_server_url, "dongping")
        url = f"{live_server_url}/c/dongping/screen.json"
        fresh = page.request.get(url).json()
        for tile in fresh["tiles"]:
            if tile["key"] == "coverage_pct":
                tile.update(value=91.2, display="91.2")
        fresh["charts"]["inventory"]["net_tco2e"][-1] = 100.0
        fresh["clock"]["time"] = "23:59"

        def changed(route: Route) -> None:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(fresh))

        page.route(url, changed)
        page.evaluate("window.nearzeroScreen.refresh()")
        assert _tile_text(page, "coverage_pct") == ("91.2", "91.2")
        assert "23:59" in page.locator("#screen-updated").inner_text()
        assert page.locator("#screen-offline").is_hidden()
        assert not watched.errors, "\n".join(watched.errors)

        # The network drops: the last figures stay, with a note since when.
        page.unroute(url)
        page.route(url, lambda route: route.abort())
        page.evaluate("window.nearzeroScreen.refresh()")
        note = page.locator("#screen-offline")
        assert note.is_visible()
        assert re.search(r"\d\d:\d\d", note.inner_text())
        assert _tile_text(page, "coverage_pct") == ("91.2", "91.2")
        screenshot(page, "screen-dongping-offline-tv")

        # Back online: the note goes and the server's figures return.
        page.unroute(url)
        page.evaluate("window.nearzeroScreen.refresh()")
        assert note.is_hidden()
        assert _tile_text(page, "coverage_pct") == ("83.4", "83.4")
        # The aborted request is the only thing the browser complained about.
        unexpected = [
            e for e in watched.errors if "screen.json" not in e and "Failed to load" not in e
        ]
        assert not unexpected, "\n".join(unexpected)


def test_big_screen_of_qiyang(live_server_url: str, browser: Browser):
    """Qiyang has no PV meter and no quiz: those tiles say so; the rest show figures."""
    with tv_page(browser) as watched:
        page = watched.page
        login(page, live_server_url, "qiyang_admin")
        _open_screen(page, live_server_url, "qiyang")
        assert page.locator("h1").inner_text() == "岐阳社区"
        for key in TILES:
            display, value = _tile_text(page, key)
            if key in ("pv_kwh", "knowledge_rate_pct"):
                assert display == "—" and value == ""
                note = page.locator(f'[data-tile="{key}"] [data-field="note"]').inner_text()
                assert note, f"{key} does not say why it is empty"
            else:
                assert display and display != "—", f"{key} shows {display!r}"
        assert _painted_pixels(page, "inventory") > 2_000
        assert page.locator('[data-panel="events"]').get_attribute("data-mode") == "latest"
        screenshot(page, "screen-qiyang-zh-hans-tv")
        assert not watched.errors, "\n".join(watched.errors)
