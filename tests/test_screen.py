"""The big screen ("community brain"): its figures against the domains' own selectors and
against values counted independently from rows and readings, the JSON it refreshes from,
who may open it, and a query count that does not grow with the number of events."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
#: A Wednesday after the demo's history: no readings that day, no events that week.
LATER = dt.datetime(2030, 5, 15, 12, 0, tzinfo=SHANGHAI)
TILES = {
    "net_tco2e",
    "per_resident_tco2e",
    "pv_kwh",
    "events_week",
    "participations",
    "knowledge_rate_pct",
    "points_issued",
    "coverage_pct",
}


def _tiles(data: dict) -> dict[str, dict]:
    return {tile["key"]: tile for tile in data["tiles"]}


def _kpi(html: str, key: str) -> str:
    found = re.search(rf'data-kpi="{key}" data-value="([^"]*)"', html)
    assert found, f"no data-kpi={key} in the page"
    return found.group(1)


# --- figures -----------------------------------------------------------------------------------


def test_inventory_tiles_and_trend_match_the_inventory_report(dongping):
    from nearzero.inventory.models import Inventory
    from nearzero.inventory.selectors import report
    from nearzero.web import screen

    data = screen.build(dongping, now=LATER)
    tiles = _tiles(data)
    latest = report(Inventory.objects.get(community=dongping, year=2024))
    earlier = report(Inventory.objects.get(community=dongping, year=2023))
    net = tiles["net_tco2e"]
    assert net["value"] == pytest.approx(latest["net_tco2e"], abs=0.05)
    assert net["display"] == f"{latest['net_tco2e']:,.0f}"
    assert "2024" in net["label"]
    net_change = 100 * (latest["net_tco2e"] - earlier["net_tco2e"]) / earlier["net_tco2e"]
    assert net["change"]["value"] == pytest.approx(net_change, abs=0.05)
    assert net["change"]["display"].startswith("−")  # Dongping's emissions fell
    assert "2023" in net["change"]["label"]
    # The inventory page's own year-on-year change (gross) travels along, labelled as such.
    assert net["change"]["gross_change_pct"] == pytest.approx(latest["yoy"]["change_pct"], abs=0.05)
    assert tiles["per_resident_tco2e"]["value"] == pytest.approx(
        latest["gross_tco2e"] / dongping.population, abs=0.005
    )
    chart = data["charts"]["inventory"]
    assert chart["years"] == ["2023", "2024"]
    assert chart["net_tco2e"] == pytest.approx(
        [earlier["net_tco2e"], latest["net_tco2e"]], abs=0.05
    )


def test_net_change_of_a_community_with_sinks_and_offsets(qiyang):
    """Qiyang's sinks and retired offsets make its net change differ from its gross change:
    the tile's change is the net one, the gross one is the inventory page's."""
    from nearzero.inventory.models import Inventory
    from nearzero.inventory.selectors import report
    from nearzero.web import screen

    net = _tiles(screen.build(qiyang, now=LATER))["net_tco2e"]
    latest = report(Inventory.objects.get(community=qiyang, year=2023))
    earlier = report(Inventory.objects.get(community=qiyang, year=2022))
    expected = 100 * (latest["net_tco2e"] - earlier["net_tco2e"]) / earlier["net_tco2e"]
    assert net["change"]["value"] == pytest.approx(expected, abs=0.05)
    assert net["change"]["gross_change_pct"] == pytest.approx(latest["yoy"]["change_pct"], abs=0.05)
    assert abs(net["change"]["value"] - net["change"]["gross_change_pct"]) > 1


def test_engagement_points_and_circle_tiles_match_counted_rows(dongping):
    from django.db.models import Sum

    from nearzero.circle import selectors as circle
    from nearzero.engagement import selectors as engagement
    from nearzero.engagement.models import CheckIn
    from nearzero.points.models import Leg
    from nearzero.web import screen

    tiles = _tiles(screen.build(dongping, now=LATER))
    assert set(tiles) == TILES

    # Participations of 2024 (the latest year with a held event), counted from check-ins.
    start = dt.datetime(2024, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(2025, 1, 1, tzinfo=SHANGHAI)
    checkins = CheckIn.objects.filter(
        event__community=dongping, event__starts_at__gte=start, event__starts_at__lt=end
    ).exclude(event__status="cancelled")
    assert tiles["participations"]["value"] == checkins.count() > 0
    assert "2024" in tiles["participations"]["label"]
    kpis = engagement.summary(dongping, 2024, now=LATER).total
    assert tiles["knowledge_rate_pct"]["value"] == pytest.approx(kpis.knowledge_rate_pct, abs=0.05)
    assert tiles["knowledge_rate_pct"]["display"] == floatformat(kpis.knowledge_rate_pct, 1)

    # Points issued: what the community's issuing account credited, from the ledger's legs.
    issued = -Leg.objects.filter(account__community=dongping, account__kind="issued").aggregate(
        s=Sum("amount")
    )["s"]
    assert tiles["points_issued"]["value"] == issued > 0
    assert tiles["points_issued"]["display"] == f"{issued:,}"

    found = circle.summary(dongping)
    coverage = tiles["coverage_pct"]
    assert coverage["value"] == pytest.approx(  # rounded to 0.1
        100 * found["covered_residents"] / found["total_residents"], abs=0.0501
    )
    # Shown as the circle page shows it (floatformat: 83.35 → 83.4).
    assert coverage["display"] == floatformat(found["coverage_pct"], 1)
    assert f"{found['covered_residents']:,}" in coverage["note"]
    assert f"{found['total_residents']:,}" in coverage["note"]


def test_pv_shows_the_latest_day_with_readings_and_says_so(dongping):
    """The demo's readings end in 2024: 'today' (2030) has none, so the screen shows the
    last day that has some, labelled with its date; its total and curve are the store's."""
    from nearzero.energy.models import Meter
    from nearzero.energy.selectors import store
    from nearzero.web import screen

    data = screen.build(dongping, now=LATER)
    tile = _tiles(data)["pv_kwh"]
    chart = data["charts"]["pv"]

    meter = Meter.objects.get(community=dongping, code="DP-C-PV")
    hourly = store().series(
        dongping.slug,
        [meter.pk],
        dt.datetime(2024, 12, 1, tzinfo=SHANGHAI),
        dt.datetime(2025, 2, 1, tzinfo=SHANGHAI),
        60,
        time_zone=dongping.time_zone,
    )
    local_day = hourly["ts"].dt.tz_convert("Asia/Shanghai").dt.date
    last_day = max(local_day)
    assert last_day == dt.date(2024, 12, 31)
    expected_kwh = float(hourly.loc[local_day == last_day, "kwh"].sum())

    assert tile["is_today"] is False and tile["day"] == "2024-12-31"
    assert "2024-12-31" in tile["label"]
    assert tile["value"] == pytest.approx(expected_kwh, abs=0.05) and expected_kwh > 0
    assert chart["is_today"] is False
    assert "latest day with readings: 2024-12-31" in chart["note"]
    assert len(chart["slots"]) == len(chart["kwh"]) == 96
    assert chart["slots"][0] == "00:00" and chart["slots"][-1] == "23:45"
    assert sum(v for v in chart["kwh"] if v) == pytest.approx(expected_kwh, abs=0.05)
    assert max(chart["kwh"][:20]) == 0  # no sun before 05:00 in December


def test_pv_of_a_day_with_readings_is_today(dongping):
    from nearzero.web import screen

    noon = dt.datetime(2024, 7, 15, 12, 0, tzinfo=SHANGHAI)
    data = screen.build(dongping, now=noon)
    tile = _tiles(data)["pv_kwh"]
    assert tile["is_today"] is True and tile["day"] == "2024-07-15"
    assert tile["label"] == "PV generation today"
    assert data["charts"]["pv"]["is_today"] is True
    assert tile["value"] > 100  # a July day of the demo's rooftop system


def test_community_without_pv_or_quiz_says_so(qiyang):
    from nearzero.web import screen

    data = screen.build(qiyang, now=LATER)
    tiles = _tiles(data)
    assert tiles["pv_kwh"]["value"] is None and tiles["pv_kwh"]["display"] == "—"
    assert tiles["pv_kwh"]["note"] == "No PV generation meter in this community."
    assert data["charts"]["pv"]["slots"] == [] and data["charts"]["pv"]["empty"]
    assert tiles["knowledge_rate_pct"]["value"] is None
    assert tiles["knowledge_rate_pct"]["note"] == "No quiz answers in 2024."


def test_knowledge_rate_falls_back_to_the_latest_quiz_year(dongping):
    """An event held this year makes it the screen's year; before this year's quiz the
    knowledge rate is the latest year's, labelled with that year."""
    from nearzero.engagement import selectors as engagement_selectors
    from nearzero.engagement import services
    from nearzero.engagement.models import ActivityType
    from nearzero.web import screen

    starts = dt.datetime.now(SHANGHAI).replace(microsecond=0) - dt.timedelta(days=1)
    services.create_event(
        actor=None,
        community=dongping,
        site=dongping.sites.filter(kind="station").order_by("pk").first(),
        activity_type=ActivityType.objects.get(community=None, code="lecture"),
        title="held yesterday",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
    )
    assert engagement_selectors.latest_year(dongping) == starts.year
    kpis_2024 = engagement_selectors.summary(dongping, 2024).total
    tile = _tiles(screen.build(dongping))["knowledge_rate_pct"]
    assert tile["value"] == pytest.approx(kpis_2024.knowledge_rate_pct, abs=0.05)
    assert tile["note"].endswith("in 2024")


# --- events ------------------------------------------------------------------------------------


def _make_week(community, n: int, *, registrations: int = 2, checkins: int = 1) -> list:
    """``n`` events in the week of LATER (Mon 13 – Sun 19 May 2030) with registrations and
    check-ins, and one cancelled event that must not count."""
    from nearzero.engagement import services
    from nearzero.engagement.models import ActivityType, CheckIn, Resident

    site = community.sites.filter(kind="station").order_by("pk").first()
    lecture = ActivityType.objects.get(community=None, code="lecture")
    residents = list(Resident.objects.filter(community=community, erased_at=None)[:3])
    events = []
    for i in range(n):
        starts = dt.datetime(2030, 5, 13 + i % 7, 9 + i // 7 % 8, 0, tzinfo=SHANGHAI)
        event = services.create_event(
            actor=None,
            community=community,
            site=site,
            activity_type=lecture,
            title=f"week event {i}",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
        )
        for resident in residents[:registrations]:
            services.register_for_event(actor=None, event=event, resident=resident)
        CheckIn.objects.bulk_create(
            CheckIn(
                event=event,
                resident=resident,
                community=community,
                checked_in_at=starts,
                source="search",
            )
            for resident in residents[:checkins]
        )
        events.append(event)
    cancelled = services.create_event(
        actor=None,
        community=community,
        site=site,
        activity_type=lecture,
        title="cancelled",
        starts_at=dt.datetime(2030, 5, 14, 8, 0, tzinfo=SHANGHAI),
        ends_at=dt.datetime(2030, 5, 14, 9, 0, tzinfo=SHANGHAI),
    )
    cancelled.status = "cancelled"
    cancelled.save(update_fields=["status"])
    return events


def test_events_of_this_week_with_registrations_and_check_ins(dongping):
    from nearzero.engagement import services
    from nearzero.engagement.models import Event
    from nearzero.web import screen

    made = _make_week(dongping, 3, registrations=2, checkins=1)
    # Just outside the week, local time: Sunday 23:30 before, Monday 00:00 after.
    for starts in (
        dt.datetime(2030, 5, 12, 23, 30, tzinfo=SHANGHAI),
        dt.datetime(2030, 5, 20, 0, 0, tzinfo=SHANGHAI),
    ):
        services.create_event(
            actor=None,
            community=dongping,
            site=made[0].site,
            activity_type=made[0].activity_type,
            title="next door",
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=30),
        )
    data = screen.build(dongping, now=LATER)
    tile = _tiles(data)["events_week"]
    monday = dt.datetime(2030, 5, 13, tzinfo=SHANGHAI)
    expected = (
        Event.objects.filter(
            community=dongping,
            starts_at__gte=monday,
            starts_at__lt=monday + dt.timedelta(days=7),
        )
        .exclude(status="cancelled")
        .count()
    )
    assert tile["value"] == expected == 3
    assert tile["note"] == "2030-05-13 to 2030-05-19"
    events = data["events"]
    assert events["mode"] == "this_week"
    assert [e["title"] for e in events["items"]] == [e.title for e in made]
    first = events["items"][0]
    assert (first["registrations"], first["checkins"]) == (2, 1)
    assert first["date"] == "2030-05-13" and first["time"] == "09:00–10:00"
    assert first["figures"] == "2 registered · 1 checked in"


def test_without_events_this_week_the_next_or_latest_are_shown_and_labelled(dongping, qiyang):
    from nearzero.engagement.models import Event
    from nearzero.web import screen

    # Dongping's demo has events after today: the next ones, soonest first.
    now = dt.datetime(2024, 5, 1, 12, 0, tzinfo=SHANGHAI)
    week = Event.objects.filter(
        community=dongping,
        starts_at__gte=dt.datetime(2024, 4, 29, tzinfo=SHANGHAI),
        starts_at__lt=dt.datetime(2024, 5, 6, tzinfo=SHANGHAI),
    )
    assert not week.exists()
    events = screen.build(dongping, now=now)["events"]
    assert events["mode"] == "upcoming"
    assert events["heading"] == "No events this week. Next events:"
    upcoming = Event.objects.filter(community=dongping, starts_at__gte=now).exclude(
        status="cancelled"
    )
    assert [e["id"] for e in events["items"]] == [
        e.pk for e in upcoming.order_by("starts_at")[: screen.EVENTS_SHOWN]
    ]

    # Qiyang has nothing ahead in 2030: its latest events, newest first, with their dates.
    events = screen.build(qiyang, now=LATER)["events"]
    assert events["mode"] == "latest"
    assert events["heading"] == "No upcoming events. Latest events:"
    latest = Event.objects.filter(community=qiyang).exclude(status="cancelled")
    expected = latest.order_by("-starts_at")[: screen.EVENTS_SHOWN]
    assert [e["id"] for e in events["items"]] == [e.pk for e in expected]
    assert events["items"][0]["date"].startswith("2024-")
    checkins = {e.pk: e.checkins.count() for e in expected}
    assert {e["id"]: e["checkins"] for e in events["items"]} == checkins


def test_query_count_does_not_grow_with_events(dongping):
    from nearzero.web import screen

    _make_week(dongping, 2)
    screen.build(dongping, now=LATER)  # warm any per-process caches
    with CaptureQueriesContext(connection) as few:
        small = screen.build(dongping, now=LATER)
    _make_week(dongping, 30)
    with CaptureQueriesContext(connection) as many:
        large = screen.build(dongping, now=LATER)
    assert _tiles(small)["events_week"]["value"] == 2
    assert _tiles(large)["events_week"]["value"] == 32
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert len(few) <= 35


def test_view_query_budget(client_for, dongping, django_assert_max_num_queries):
    _make_week(dongping, 25)
    client = client_for("admin")
    urls = [
        reverse(name, kwargs={"slug": "dongping"}) for name in ("web:screen_data", "web:screen")
    ]
    client.get(urls[0])  # warm per-process caches
    for url in urls:
        with django_assert_max_num_queries(40):
            assert client.get(url).status_code == 200


# --- pages, JSON and access ----------------------------------------------------------------------


def test_json_shape(client_for):
    response = client_for("admin").get("/c/dongping/screen.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert set(data) >= {"community", "time_zone", "generated_at", "clock", "tiles", "charts"}
    assert data["community"] == {"slug": "dongping", "name": "东平镇社区"}
    assert {t["key"] for t in data["tiles"]} == TILES
    for tile in data["tiles"]:
        assert set(tile) >= {"key", "label", "value", "display", "unit", "note"}
        assert tile["label"] and tile["display"] and tile["display"] != "—", tile
        assert isinstance(tile["value"], int | float), tile
    assert set(data["charts"]) == {"inventory", "pv"}
    assert len(data["charts"]["inventory"]["years"]) == len(
        data["charts"]["inventory"]["net_tco2e"]
    )
    assert len(data["charts"]["pv"]["slots"]) == len(data["charts"]["pv"]["kwh"]) == 96
    assert data["events"]["mode"] in {"this_week", "upcoming", "latest", "none"}
    for item in data["events"]["items"]:
        assert set(item) >= {"title", "site", "date", "time", "registrations", "checkins"}
    # Chinese by default: labels the catalogue already knows come back translated.
    assert _tiles(data)["per_resident_tco2e"]["label"] == "人均排放量"


def test_page_renders_every_tile_with_its_value(client_for, dongping):
    from nearzero.circle import selectors as circle

    response = client_for("station").get("/c/dongping/screen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'class="domains"' not in html and 'class="topbar"' not in html  # no chrome
    assert 'data-url="/c/dongping/screen.json"' in html
    assert "nearzero/screen.js" in html and "vendor/echarts/echarts.min.js" in html
    found = circle.summary(dongping)
    assert _kpi(html, "coverage_pct") == floatformat(found["coverage_pct"], 1) == "83.4"
    for key in TILES:
        assert _kpi(html, key) != "", key
    assert float(_kpi(html, "net_change_pct")) < 0
    assert 'id="screen-initial"' in html  # the first data, before the first refresh


def test_dashboard_links_to_the_big_screen(client_for):
    html = client_for("admin").get("/c/dongping/").content.decode()
    assert re.search(r'href="/c/dongping/screen/" target="_blank" rel="noopener"', html)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("resident", 404),
        ("station", 200),
        ("admin", 200),
        ("officer", 200),
        ("outsider", 404),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("name", ["web:screen", "web:screen_data"])
def test_access(client_for, persona, status, name):
    response = client_for(persona).get(reverse(name, kwargs={"slug": "dongping"}))
    assert response.status_code == status
    if status == 302:
        assert "/login/" in response["Location"]


def test_qiyang_admin_cannot_see_dongping(client_for, db):
    from django.test import Client

    from nearzero.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="qiyang_admin"))
    assert client.get("/c/dongping/screen.json").status_code == 404
    assert client.get("/c/qiyang/screen.json").status_code == 200
