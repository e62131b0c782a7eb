"""The energy app: reading imports through the service, inventory sync, PV pages and API."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nearzero.energy import selectors, services
from nearzero.energy.models import ImportBatch, Meter
from nearzero.inventory.models import ActivityRecord, Inventory


@pytest.fixture
def meters(dongping, users):
    """An interval meter and a counter meter of the Dongping centre."""
    centre = dongping.sites.get(kind="centre")
    interval = services.create_meter(
        actor=users["admin"],
        community=dongping,
        code="T-INT",
        name="test interval",
        site=centre,
        carrier="electricity",
        direction="import",
        unit="kWh",
        register="interval",
        resolution_min=15,
    )
    counter = services.create_meter(
        actor=users["admin"],
        community=dongping,
        code="T-CNT",
        name="test counter",
        site=centre,
        carrier="electricity",
        direction="import",
        unit="kWh",
        register="counter",
        resolution_min=15,
    )
    return interval, counter


ACCEPTANCE_CSV = """meter,timestamp,value,unit
T-INT,2025-03-01T00:00:00+08:00,1.5,kWh
T-INT,2025-03-01T00:15:00+08:00,1.25,kWh
T-INT,2025-03-01T00:15:00+08:00,1.25,kWh
T-INT,2025-03-01T00:30:00+08:00,-2,kWh
NOPE,2025-03-01T00:30:00+08:00,1,kWh
T-INT,2025-03-01T00:45:00,1000,Wh
T-CNT,2025-03-01T00:00:00+08:00,100.0,kWh
T-CNT,2025-03-01T00:15:00+08:00,101.5,kWh
T-CNT,2025-03-01T00:30:00+08:00,3.0,kWh
T-CNT,2025-03-01T00:45:00+08:00,4.5,kWh
T-INT,2025-03-01T01:00:00+08:00,1.0,litre
"""


def test_import_reports_every_problem_and_adds_up(users, dongping, meters):
    outcome = services.import_readings(
        actor=users["admin"],
        community=dongping,
        filename="vendor.csv",
        content=ACCEPTANCE_CSV.encode(),
    )
    batch = outcome.batch
    assert not outcome.already_imported
    assert (batch.rows_in, batch.inserted, batch.duplicates, batch.rejected) == (11, 6, 1, 4)
    assert batch.rows_in == batch.inserted + batch.duplicates + batch.rejected
    codes = {(r.row, r.code) for r in batch.rejected_rows.all()}
    assert (5, "negative") in codes  # row 5: -2 kWh
    assert (6, "unknown_meter") in codes  # row 6: meter NOPE
    assert (10, "counter_reset") in codes  # row 10: 101.5 → 3.0
    assert (12, "bad_unit") in codes  # row 12: litre
    assert batch.duplicates == 1  # row 4 repeats row 3
    # Zone-less timestamps are read in the community's time zone; Wh become kWh.
    daily = selectors.store().daily(
        dongping.slug, [meters[0].pk], dt.date(2025, 3, 1), dt.date(2025, 3, 2), dongping.time_zone
    )
    assert daily["kwh"].iloc[0] == pytest.approx(1.5 + 1.25 + 1.0)

    again = services.import_readings(
        actor=users["admin"],
        community=dongping,
        filename="vendor-again.csv",
        content=ACCEPTANCE_CSV.encode(),
    )
    assert again.already_imported and again.batch.pk == batch.pk
    assert ImportBatch.objects.filter(community=dongping, filename="vendor-again.csv").count() == 0


def test_changed_value_is_a_revision_and_wins(users, dongping, meters):
    first = "meter,timestamp,value\nT-INT,2025-04-01T10:00:00+08:00,2.0\n"
    second = "meter,timestamp,value\nT-INT,2025-04-01T10:00:00+08:00,3.5\n"
    services.import_readings(
        actor=users["admin"], community=dongping, filename="a.csv", content=first.encode()
    )
    batch = services.import_readings(
        actor=users["admin"], community=dongping, filename="b.csv", content=second.encode()
    ).batch
    assert batch.revisions == 1 and batch.inserted == 1
    daily = selectors.store().daily(
        dongping.slug, [meters[0].pk], dt.date(2025, 4, 1), dt.date(2025, 4, 2), dongping.time_zone
    )
    assert daily["kwh"].iloc[0] == pytest.approx(3.5)


def test_linked_meter_months_flow_into_the_inventory(users, dongping):
    inventory = Inventory.objects.get(community=dongping, year=2024)
    grid = Meter.objects.get(community=dongping, code="DP-C-GRID")
    records = ActivityRecord.objects.filter(inventory=inventory, label="meter DP-C-GRID")
    assert records.count() == 12
    monthly = selectors.store().monthly(
        dongping.slug, [grid.pk], dt.date(2024, 1, 1), dt.date(2025, 1, 1), dongping.time_zone
    )
    july = records.get(month=7)
    assert float(july.quantity) == pytest.approx(float(monthly["kwh"].iloc[6]), abs=1e-3)
    assert july.origin == "meter" and july.quality_method == "measured"
    # A late correction of one July interval updates the July record (and audits it).
    late = "meter,timestamp,value\nDP-C-GRID,2024-07-10T12:00:00+08:00,99.0\n"
    services.import_readings(
        actor=users["admin"], community=dongping, filename="late.csv", content=late.encode()
    )
    july.refresh_from_db()
    after = selectors.store().monthly(
        dongping.slug, [grid.pk], dt.date(2024, 7, 1), dt.date(2024, 8, 1), dongping.time_zone
    )
    assert float(july.quantity) == pytest.approx(float(after["kwh"].iloc[0]), abs=1e-3)


def test_pv_self_consumption_in_the_inventory_comes_from_co_timed_meters(dongping):
    from nearzero.core.energy import selfcons

    inventory = Inventory.objects.get(community=dongping, year=2024)
    march = ActivityRecord.objects.get(
        inventory=inventory, month=3, activity_type="renewable_self_consumed"
    )
    system = dongping.pv_systems.get()
    start, end = services._month_window("2024-03", dongping.time_zone)
    frame = selectors.store().series(
        dongping.slug,
        [system.generation_meter_id, system.load_meter_id],
        start,
        end,
        15,
        time_zone=dongping.time_zone,
    )
    wide = frame.pivot(index="ts", columns="meter_id", values="kwh")
    gen, load = wide[system.generation_meter_id], wide[system.load_meter_id]
    expected = float((gen.where(gen < load, load)).sum())  # Σ min(gen, load)
    assert float(march.quantity) == pytest.approx(expected, abs=1e-3)
    assert selfcons.self_consumption(gen, load).self_consumed_kwh == pytest.approx(expected)


def test_meter_unit_must_match_the_carrier(users, dongping):
    with pytest.raises(services.EnergyError) as info:
        services.create_meter(
            actor=users["admin"],
            community=dongping,
            code="BAD",
            carrier="natural_gas",
            direction="import",
            unit="kWh",
            register="interval",
        )
    assert info.value.code == "unit_for_other_carrier"


def test_pages_show_the_demo(client_for, dongping):
    client = client_for("admin")
    pv_html = client.get(f"/c/{dongping.slug}/pv/").content.decode()
    assert "92.0 kWp" in pv_html and "cn.grid.2023.average.east" in pv_html
    assert "2024-07-16" in pv_html or "July 16, 2024" in pv_html or "2024年7月16日" in pv_html
    energy = client.get(f"/c/{dongping.slug}/energy/")
    assert energy.status_code == 200 and "DP-C-GRID" in energy.content.decode()


def test_api_push_twice_and_rejected_rows(client_for, dongping, meters):
    client = client_for("admin")
    body = {
        "readings": [
            {"meter": "T-INT", "timestamp": "2025-05-01T00:00:00+08:00", "value": 2.0},
            {"meter": "T-INT", "timestamp": "2025-05-01T00:15:00+08:00", "value": -1.0},
        ]
    }
    first = client.post(
        f"/api/communities/{dongping.slug}/readings",
        json.dumps(body),
        content_type="application/json",
    )
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["rows_in"], data["inserted"], data["rejected"]) == (2, 1, 1)
    assert data["rejected_rows"][0]["code"] == "negative"
    second = client.post(
        f"/api/communities/{dongping.slug}/readings",
        json.dumps(body),
        content_type="application/json",
    )
    assert second.status_code == 200 and second.json()["already_imported"] is True


def test_api_pv_assessment(client_for, dongping):
    response = client_for("station").post(
        f"/api/communities/{dongping.slug}/pv/assess",
        json.dumps({"kwp": 10, "tilt_deg": 20, "azimuth_deg": 180}),
        content_type="application/json",
    )
    data = response.json()
    assert response.status_code == 200
    assert 900 < data["specific_yield_kwh_per_kwp"] < 1300
    assert data["factor_used"]["id"] == "cn.grid.2023.average.east"
    assert len(data["monthly_kwh"]) == 12


def test_a_communitys_own_station_serves_it_when_nearer(dongping):
    from nearzero.energy.models import SolarStation

    lat, lon = selectors.community_point(dongping)
    own = SolarStation(
        community=dongping,
        code="DP-01",
        name="东平自建站",
        lat=lat,
        lon=lon,
        monthly_ghi_kwh_m2=[60] * 12,
        diffuse_share=0.5,
        source="test",
    )
    own.full_clean()
    own.save()
    weather = selectors.community_weather(dongping)
    assert weather.station.code == "DP-01" and weather.distance_km < 0.01
    monthly = weather.frame["ghi"].resample("MS").sum() / 1000  # W·h/m² per hour → kWh/m²
    assert monthly.to_numpy() == pytest.approx([60] * 12, rel=1e-6)
