"""Energy demo: Dongping's centre gets a rooftop PV system with generation, load and grid
meters and a year (2024) of 15-minute readings simulated from the PV model with weather noise
and a two-day outage; its six stations get candidate roofs; charging sentinels log sessions.
Qiyang gets its hydro supply, a PV pergola of about 35 kWh/day, PV benches and lamps."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import numpy as np

from nearzero.sites.choices import SiteKind

from . import services

SEED = 20240601
YEAR = 2024
#: The two days of the simulated inverter outage (a fault and its repair).
OUTAGE_DAYS = (dt.date(2024, 7, 16), dt.date(2024, 7, 17))


#: The centre's meters: code, name, direction and the inventory link (grid purchases only).
CENTRE_METERS = [
    ("DP-C-GRID", "中心电网进线 centre grid supply", "import", "electricity_grid"),
    ("DP-C-PV", "中心屋顶光伏 centre rooftop PV", "generation", ""),
    ("DP-C-LOAD", "中心总用电 centre total load", "import", ""),
    ("DP-C-EXPORT", "中心上网电量 centre export", "export", ""),
]


def _meters(tree, centre):
    return [
        services.create_meter(
            actor=None,
            community=tree.dongping,
            code=code,
            name=name,
            site=centre,
            carrier="electricity",
            direction=direction,
            unit="kWh",
            register="interval",
            resolution_min=15,
            inventory_activity_type=activity,
            inventory_category="public" if activity else "",
        )
        for code, name, direction, activity in CENTRE_METERS
    ]


def simulated_year(
    tree, system, rng: np.random.Generator
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """15-minute generation and load for the centre, 2024 (kWh per interval)."""
    from nearzero.core.energy import pv

    from .selectors import community_weather, system_spec

    weather = community_weather(tree.dongping, year=YEAR)
    fleet = pv.simulate_fleet(
        weather.frame,
        [system_spec(system)],
        latitude_deg=weather.lat,
        longitude_deg=weather.lon,
        keep_hourly=True,
    )
    hourly_kw = fleet.hourly_ac_kw[:, 0]
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    start = dt.datetime(YEAR, 1, 1, tzinfo=tz)
    n = len(hourly_kw) * 4
    ts = np.array(
        [int((start + dt.timedelta(minutes=15 * i)).timestamp()) for i in range(n)], dtype="int64"
    )
    # Cloud noise per day (clearness varies day to day) and per interval.
    days = n // 96
    daily = np.clip(rng.normal(1.0, 0.10, days), 0.6, 1.2)
    generation = np.repeat(hourly_kw, 4) * 0.25 * np.repeat(daily, 96)[:n]
    generation *= np.clip(rng.normal(1.0, 0.05, n), 0.7, 1.3)
    generation = np.clip(generation, 0, None)
    for day in OUTAGE_DAYS:
        first = (day - dt.date(YEAR, 1, 1)).days * 96
        generation[first : first + 96] = 0.0
    # Centre load: opening hours 08:30–20:00, lower at weekends, summer cooling peak.
    hour = (np.arange(n) % 96) / 4.0
    day_index = np.arange(n) // 96
    weekday = np.array(
        [(dt.date(YEAR, 1, 1) + dt.timedelta(days=int(d))).weekday() for d in range(days + 1)]
    )[day_index]
    season = 1.0 + 0.35 * np.cos((day_index - 200) / 366 * 2 * np.pi)
    open_hours = (hour >= 8.5) & (hour < 20.0)
    base_kw = np.where(open_hours, np.where(weekday < 5, 42.0, 28.0), 6.0) * season
    load = base_kw * 0.25 * np.clip(rng.normal(1.0, 0.06, n), 0.7, 1.4)
    grid = np.clip(load - generation, 0, None)
    export = np.clip(generation - load, 0, None)
    return {
        "generation": (ts, generation),
        "load": (ts, load),
        "grid": (ts, grid),
        "export": (ts, export),
    }


def load(tree) -> None:
    random.seed(SEED)
    rng = np.random.default_rng(SEED)
    dongping = tree.dongping
    centre = next(s for s in tree.dongping_sites if s.kind == SiteKind.CENTRE)
    grid, generation, load_meter, export = _meters(tree, centre)
    system = services.add_pv_system(
        actor=None,
        community=dongping,
        site=centre,
        name="中心屋顶光伏 Centre rooftop PV",
        kwp=92.0,
        tilt_deg=15.0,
        azimuth_deg=180.0,
        mounting="roof",
        inverter_ac_kw=80.0,
        losses_pct=14.08,
        commissioned_on=dt.date(2024, 1, 8),
        generation_meter=generation,
        load_meter=load_meter,
    )
    stations = [s for s in tree.dongping_sites if s.kind == SiteKind.STATION]
    for station in stations:
        services.add_candidate_roof(
            actor=None,
            community=dongping,
            site=station,
            name=f"{station.name_zh} 屋顶",
            area_m2=float(rng.integers(120, 420)),
            tilt_deg=float(rng.choice([5, 10, 15, 20])),
            azimuth_deg=float(rng.choice([165, 180, 195, 210])),
            shading_factor=round(float(rng.uniform(0.82, 1.0)), 2),
        )
    series = simulated_year(tree, system, rng)
    services.import_simulated_readings(
        community=dongping,
        meters={"generation": generation, "load": load_meter, "grid": grid, "export": export},
        series=series,
        filename=f"demo-dongping-centre-{YEAR}",
    )
    sessions = []
    for i in range(640):
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=int(rng.integers(0, 366)))
        when = dt.datetime.combine(
            day, dt.time(int(rng.integers(7, 22))), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")
        )
        vehicle = "ebike" if rng.random() < 0.7 else "ev"
        kwh = round(float(rng.uniform(0.4, 1.2) if vehicle == "ebike" else rng.uniform(8, 30)), 2)
        station = stations[int(rng.integers(0, len(stations)))]
        sessions.append(
            {
                "external_id": f"CS-{YEAR}-{i:05d}",
                "started_at": when,
                "kwh": kwh,
                "vehicle": vehicle,
                "site": station,
            }
        )
    services.record_charging_sessions(actor=None, community=dongping, sessions=sessions)

    qiyang = tree.qiyang
    hydro_site = next((s for s in tree.qiyang_sites if "水电" in s.name_zh), None)
    services.add_renewable(
        actor=None,
        community=qiyang,
        site=hydro_site,
        kind="hydro",
        name="岐阳水电站 Qiyang hydro station",
        capacity_kw=800,
        annual_kwh=4_000_000,
        annual_kwh_used_on_site=600_000,
        note="4,000,000 kWh/yr, 600,000 kWh/yr used by the community",
    )
    services.add_renewable(
        actor=None,
        community=qiyang,
        site=tree.qiyang_sites[0],
        kind="pv_pergola",
        name="党群服务中心光伏廊架 PV pergola",
        capacity_kw=16,
        annual_kwh=12_800,
        annual_kwh_used_on_site=12_800,
        note="about 35 kWh/day",
    )
    services.add_renewable(
        actor=None,
        community=qiyang,
        kind="pv_bench",
        name="光伏座椅 PV benches (12)",
        capacity_kw=1.2,
        annual_kwh=1_000,
        annual_kwh_used_on_site=1_000,
    )
    services.add_renewable(
        actor=None,
        community=qiyang,
        kind="pv_lamp",
        name="新能源路灯 PV street lamps (60)",
        capacity_kw=6,
        annual_kwh=5_500,
        annual_kwh_used_on_site=5_500,
    )
