"""The check-in scan page on a phone: a staff member points the camera at a resident's QR code
(Chromium's fake camera plays a Y4M video of the code), the resident shows as checked in, a
repeat scan says "already", and the event's figures go up by one. A second test types codes
the way a USB/Bluetooth scanner does and checks the offline queue: a scan made without network
waits in localStorage and uploads when the browser is back online. A third gives a volunteer's
phone (no account) a scanner link from the event page, scans with it, and withdraws it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import segno
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .support import (
    CHROMIUM,
    PYTESTMARK,
    REPO_ROOT,
    Watched,
    assert_fits_phone,
    login,
    open_page,
    screenshot,
)

pytestmark = PYTESTMARK

QUEUE_KEY = "nearzero.checkin.queue"

# Run inside the live server's data folder by `nearzero shell -c`: an event open now at a
# Dongping station and three Dongping residents with no check-in at it, with their QR tokens.
PREPARE = textwrap.dedent(
    """
    import datetime as dt, json
    from django.utils import timezone
    from nearzero.engagement import exports, services
    from nearzero.engagement.models import ActivityType, Resident
    from nearzero.sites.models import Community

    community = Community.objects.get(slug="dongping")
    site = community.sites.filter(kind="station").order_by("pk").first()
    now = timezone.now()
    event = services.create_event(
        actor=None,
        community=community,
        site=site,
        activity_type=ActivityType.objects.get(community=None, code="lecture"),
        title="扫码测试",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=2),
    )
    residents = (
        Resident.objects.filter(community=community, erased_at=None)
        .exclude(checkins__event=event)
        .order_by("pk")[:5]
    )
    print("PREPARED " + json.dumps({
        "event": event.pk,
        "residents": [{"name": r.name, "token": exports.resident_token(r)} for r in residents],
    }))
    """
)


@dataclass(frozen=True)
class Resident:
    name: str
    token: str


@dataclass(frozen=True)
class ScanEvent:
    pk: int
    residents: list[Resident]


def _server_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder conftest's live server runs on (``mktemp("browser-data")``)."""
    dirs = sorted(
        d
        for d in tmp_path_factory.getbasetemp().glob("browser-data*")
        if d.name.removeprefix("browser-data").isdigit() and (d / "nearzero.sqlite3").exists()
    )
    assert len(dirs) == 1, f"expected one live-server data folder, found {dirs}"
    return dirs[0]


@pytest.fixture(scope="module")
def scan_event(live_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> ScanEvent:
    data_dir = _server_data_dir(tmp_path_factory)
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # as conftest: the server's SQLite in its data folder
    done = subprocess.run(
        [sys.executable, "-m", "nearzero", "--data-dir", str(data_dir), "shell", "-c", PREPARE],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("PREPARED "))
    data = json.loads(line.removeprefix("PREPARED "))
    residents = [Resident(r["name"], r["token"]) for r in data["residents"]]
    assert len(residents) == 5 and len({r.name for r in residents}) == 5, residents
    return ScanEvent(data["event"], residents)


def write_qr_y4m(path: Path, text: str, width: int = 640, height: int = 480, frames: int = 10):
    """A still video of ``text`` as a QR code (black modules on white, 4-module quiet zone) in
    the YUV4MPEG2 format Chromium's fake camera plays (4:2:0, grey: U = V = 128)."""
    matrix = segno.make(text, error="m").matrix
    quiet = 4
    modules = len(matrix) + 2 * quiet
    scale = min(width, height) * 9 // 10 // modules
    left0 = (width - modules * scale) // 2
    top0 = (height - modules * scale) // 2
    luma = bytearray(b"\xff" * (width * height))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if not dark:
                continue
            top = top0 + (r + quiet) * scale
            left = left0 + (c + quiet) * scale
            for y in range(top, top + scale):
                luma[y * width + left : y * width + left + scale] = b"\x00" * scale
    chroma = b"\x80" * ((width // 2) * (height // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(luma)
            out.write(chroma)  # U
            out.write(chroma)  # V


@pytest.fixture(scope="module")
def camera_browser(
    browser: Browser, scan_event: ScanEvent, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    """A second Chromium whose camera films the first resident's QR code."""
    video = tmp_path_factory.mktemp("scan-camera") / "qr.y4m"
    write_qr_y4m(video, scan_event.residents[0].token)
    camera = browser.browser_type.launch(
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
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        yield camera
    finally:
        camera.close()


def _participations(page: Page, base_url: str, event: int) -> int:
    page.goto(f"{base_url}/engagement/events/{event}/")
    return int(page.locator("#event-participations").inner_text().replace(",", "").strip())


def _count(page: Page) -> int:
    return int(page.locator("#scan-count").inner_text().strip())


def _wait_status(watched: Watched, kind: str, name: str | None = None, timeout: float = 15_000):
    page = watched.page
    status = page.locator(f"#scan-status.{kind}")
    if name:
        status = status.filter(has_text=name)
    try:
        status.wait_for(timeout=timeout)
    except PlaywrightTimeoutError:
        shown = page.locator("#scan-status")
        pytest.fail(
            f"#scan-status never became {kind!r}{f' with {name!r}' if name else ''}: it is "
            f"{shown.get_attribute('class')!r} {shown.inner_text()!r}; page errors:\n"
            + "\n".join(watched.errors)
        )
    return status


def _queue(page: Page) -> list:
    return page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}') || '[]')")


def _type_code(page: Page, token: str) -> None:
    page.locator("#scan-token").fill(token)
    page.locator("#scan-token").press("Enter")


def _assert_clean(watched: Watched, base_url: str, ignore: tuple[str, ...] = ()) -> None:
    foreign = [url for url in watched.requests if not url.startswith(f"{base_url}/")]
    assert not foreign, foreign
    errors = [e for e in watched.errors if not any(i in e for i in ignore)]
    assert not errors, "\n".join(errors)


def test_camera_scan_checks_in_and_updates_figures(
    live_server_url: str, camera_browser: Browser, scan_event: ScanEvent
):
    resident = scan_event.residents[0]
    with open_page(camera_browser, "phone") as watched:
        page = watched.page
        page.context.grant_permissions(["camera"], origin=live_server_url)
        login(page, live_server_url, "dongping_admin")
        before = _participations(page, live_server_url, scan_event.pk)
        assert resident.name not in page.locator("#checkins").inner_text()

        page.locator("a.button.primary[href$='/scan/']").click()
        page.wait_for_url(f"{live_server_url}/engagement/events/{scan_event.pk}/scan/")
        assert _count(page) == before

        page.locator("#camera-start").click()
        status = _wait_status(watched, "ok", resident.name)
        assert page.locator("#scan-video").is_visible()
        assert page.evaluate("document.getElementById('scan-video').videoWidth") == 640
        assert _count(page) == before + 1
        assert status.get_attribute("class") == "scan-status ok"
        assert page.locator("#scan-log li.ok").filter(has_text=resident.name).count() == 1
        assert_fits_phone(page, "phone")
        lang = page.locator("html").get_attribute("lang")
        screenshot(page, f"scan-checked-in-{lang}-phone")

        # The code is still in front of the camera: once the 4 s debounce has passed it is
        # read again, and the server answers "already checked in" without counting it twice.
        _wait_status(watched, "again", resident.name)
        assert _count(page) == before + 1
        assert_fits_phone(page, "phone")
        screenshot(page, f"scan-already-{lang}-phone")

        # The same button stops the camera (its track ends) and starts it again.
        camera = page.locator("#camera-start")
        open_label = camera.inner_text()
        camera.click()
        assert page.locator("#scan-video").is_hidden()
        assert page.evaluate("document.getElementById('scan-video').srcObject") is None
        assert camera.inner_text() != open_label
        camera.click()
        page.locator("#scan-video").wait_for(state="visible")
        camera.click()

        after = _participations(page, live_server_url, scan_event.pk)
        assert after == before + 1
        rows = page.locator("#checkins tbody tr").filter(has_text=resident.name)
        assert rows.count() == 1
        assert_fits_phone(page, "phone")
        _assert_clean(watched, live_server_url)


def test_typed_codes_and_offline_queue(
    live_server_url: str, browser: Browser, scan_event: ScanEvent
):
    typed, offline = scan_event.residents[1], scan_event.residents[2]
    with open_page(browser, "phone") as watched:
        page = watched.page
        login(page, live_server_url, "dongping_admin")
        before = _participations(page, live_server_url, scan_event.pk)
        page.goto(f"{live_server_url}/engagement/events/{scan_event.pk}/scan/")
        assert _count(page) == before

        # A typed code (or a USB/Bluetooth scanner: it types the code and presses Enter).
        _type_code(page, typed.token)
        _wait_status(watched, "ok", typed.name)
        assert _count(page) == before + 1
        assert page.locator("#scan-token").input_value() == ""

        # The same code typed again (the debounce is for the camera only): "already", not
        # counted twice.
        _type_code(page, typed.token)
        _wait_status(watched, "again", typed.name)
        assert _count(page) == before + 1

        # No network: the scan waits in localStorage.
        page.context.set_offline(True)
        _type_code(page, offline.token)
        _wait_status(watched, "queued")
        assert page.locator("#scan-queued").is_visible()
        queue = _queue(page)
        assert [(s["event_id"], s["token"]) for s in queue] == [(scan_event.pk, offline.token)]
        assert _count(page) == before + 1
        assert_fits_phone(page, "phone")
        lang = page.locator("html").get_attribute("lang")
        screenshot(page, f"scan-offline-queued-{lang}-phone")

        # Back online: Chromium fires `online`, the queue uploads by itself and the counter
        # follows.
        page.context.set_offline(False)
        page.wait_for_function(f"() => localStorage.getItem('{QUEUE_KEY}') === '[]'")
        _wait_status(watched, "ok")
        page.wait_for_function(
            f"() => document.getElementById('scan-count').textContent.trim() === '{before + 2}'"
        )
        assert page.locator("#scan-queued").is_hidden()

        after = _participations(page, live_server_url, scan_event.pk)
        assert after == before + 2
        table = page.locator("#checkins")
        for resident in (typed, offline):
            assert table.locator("tbody tr").filter(has_text=resident.name).count() == 1

        # Opening the scan page again uploads nothing more.
        page.goto(f"{live_server_url}/engagement/events/{scan_event.pk}/scan/")
        assert _count(page) == before + 2
        assert _queue(page) == []
        # The failed fetch while offline is logged by Chromium as a console error.
        _assert_clean(watched, live_server_url, ignore=("ERR_INTERNET_DISCONNECTED",))


def test_a_volunteer_scans_with_a_scanner_link(
    live_server_url: str, browser: Browser, scan_event: ScanEvent
):
    first, second = scan_event.residents[3], scan_event.residents[4]
    with open_page(browser, "phone") as staff, open_page(browser, "phone") as volunteer:
        page = staff.page
        login(page, live_server_url, "dongping_station")
        page.goto(f"{live_server_url}/engagement/events/{scan_event.pk}/")
        page.locator("#scan-link-label").fill("志愿者小王")
        page.locator("#scan-link-label").press("Enter")
        qr = page.locator(".scan-link svg")
        qr.wait_for()
        assert qr.bounding_box()["width"] >= 200  # big enough to scan from a phone
        assert_fits_phone(page, "phone")
        lang = page.locator("html").get_attribute("lang")
        screenshot(page, f"scan-link-{lang}-phone")
        link = page.locator(".scan-link input").input_value()
        assert link.startswith(f"{live_server_url}/scan/#NZS1.")

        # The volunteer's phone: no sign-in. The token leaves the address bar at once.
        phone = volunteer.page
        phone.goto(link)
        phone.wait_for_function("() => !location.hash")
        crumbs = phone.locator("#scan-crumbs")
        crumbs.wait_for()
        phone.wait_for_function("() => document.getElementById('scan-crumbs').textContent")
        assert "扫码测试" in crumbs.inner_text()
        before = _count(phone)
        assert phone.locator("#search-form").count() == 0  # names are for staff only
        _type_code(phone, first.token)
        _wait_status(volunteer, "ok", first.name)
        assert _count(phone) == before + 1
        assert_fits_phone(phone, "phone")
        screenshot(phone, f"scan-volunteer-{lang}-phone")

        # Reloading keeps the link (sessionStorage), without the token in the URL.
        phone.reload()
        phone.wait_for_function("() => document.getElementById('scan-crumbs').textContent")
        assert _count(phone) == before + 1

        # The staff member withdraws it: the next scan is refused and says why.
        page.goto(f"{live_server_url}/engagement/events/{scan_event.pk}/")
        row = page.locator("#scan-link-table tbody tr").filter(has_text="志愿者小王")
        assert row.locator("td").nth(2).inner_text().strip() == "1"
        row.locator("button").click()
        page.wait_for_load_state("load")
        _type_code(phone, second.token)
        _wait_status(volunteer, "error")
        assert _count(phone) == before + 1
        assert _participations(page, live_server_url, scan_event.pk) == before + 1
        table = page.locator("#checkins")
        assert table.locator("tbody tr").filter(has_text="志愿者小王").count() == 1
        # The refused scan is a 401 the browser logs on the console; nothing else.
        _assert_clean(volunteer, live_server_url, ignore=("401",))
        _assert_clean(staff, live_server_url)
