"""Demo organisation tree: a Dongping-like town in Chongming, Shanghai, and a Qiyang-like
rural community near Chengdu. Deterministic: the same seed gives the same rows.

Coordinates are plausible, not surveyed; names of stations and posts are illustrative.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from django.db import transaction

from nearzero.audit.services import record

from . import services
from .choices import GridRegion, PilotType, Province, RegionLevel, SiteKind
from .models import Building, Community, Household, Site

SEED = 20240101

#: Household sizes and their shares, roughly China's 2020 census household-size mix.
HOUSEHOLD_SIZE_SHARES = {1: 0.18, 2: 0.32, 3: 0.26, 4: 0.14, 5: 0.07, 6: 0.03}


@dataclass(frozen=True)
class SiteSpec:
    kind: str
    name_zh: str
    name_en: str
    dx_km: float  # east of the community centre
    dy_km: float  # north of the community centre
    address: str
    hours: str
    parent: int | None = None  # index into the spec list


def _offset(lat0: float, lon0: float, dx_km: float, dy_km: float) -> tuple[float, float]:
    lat = lat0 + dy_km / 111.32
    lon = lon0 + dx_km / (111.32 * math.cos(math.radians(lat0)))
    return round(lat, 6), round(lon, 6)


def _boundary(lat0: float, lon0: float, corners_km: list[tuple[float, float]]) -> dict:
    ring = [list(reversed(_offset(lat0, lon0, dx, dy))) for dx, dy in corners_km]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


DONGPING_CENTRE = (31.6905, 121.4690)
DONGPING_CORNERS = [
    (-3.6, -3.2),
    (0.4, -3.9),
    (3.8, -2.6),
    (4.1, 1.2),
    (2.6, 3.9),
    (-1.2, 4.2),
    (-3.9, 2.0),
]
_STATION_NAMES = [
    ("东平", "Dongping"),
    ("北沿", "Beiyan"),
    ("前进", "Qianjin"),
    ("长征", "Changzheng"),
    ("东风", "Dongfeng"),
    ("跃进", "Yuejin"),
]
_STATION_OFFSETS = [(0.9, 0.6), (-2.4, 2.5), (2.6, 2.4), (-2.7, -1.6), (2.9, -1.3), (0.2, -2.8)]
_POST_NAMES = [
    ("梅园", "Meiyuan"),
    ("森林路", "Forest Road"),
    ("北闸", "Beizha"),
    ("老街", "Old Street"),
    ("东红", "Donghong"),
    ("长江", "Changjiang"),
    ("新村", "Xincun"),
    ("河畔", "Riverside"),
    ("花海", "Flower Sea"),
    ("南堤", "South Embankment"),
]
_POST_OFFSETS = [
    (0.3, 1.6),
    (1.8, 0.4),
    (-1.5, 3.2),
    (-1.1, 0.2),
    (1.5, 3.3),
    (-3.0, 0.6),
    (3.3, 0.6),
    (-1.8, -2.6),
    (1.9, -2.2),
    (-0.6, -3.3),
]


def _dongping_sites() -> list[SiteSpec]:
    specs = [
        SiteSpec(
            SiteKind.CENTRE,
            "东平镇社区党群服务中心",
            "Dongping Town Party-Mass Service Centre",
            0.0,
            0.0,
            "东平镇北沿公路 2188 号",
            "Mo-Su 08:30-20:00",
        ),
    ]
    for (zh, en), (dx, dy) in zip(_STATION_NAMES, _STATION_OFFSETS, strict=True):
        specs.append(
            SiteSpec(
                SiteKind.STATION,
                f"{zh}党群服务站",
                f"{en} Party-Mass Service Station",
                dx,
                dy,
                f"东平镇{zh}路 {len(specs) * 37} 号",
                "Mo-Fr 08:30-17:00",
                0,
            )
        )
    for i, ((zh, en), (dx, dy)) in enumerate(zip(_POST_NAMES, _POST_OFFSETS, strict=True)):
        specs.append(
            SiteSpec(
                SiteKind.POST,
                f"红梅驿站·{zh}",
                f"Red Plum Post · {en}",
                dx,
                dy,
                f"东平镇{zh}",
                "Mo-Su 09:00-18:00",
                1 + i % 6,
            )
        )
    specs += [
        SiteSpec(
            SiteKind.PARTNER,
            "东红空间有声图书馆",
            "Donghong Space Audio Library",
            0.15,
            0.1,
            "东平镇北沿公路 2188 号 2 楼",
            "Tu-Su 09:00-17:00",
        ),
        SiteSpec(
            SiteKind.PARTNER,
            "书馆咖吧",
            "Library Café",
            0.2,
            -0.05,
            "东平镇北沿公路 2188 号 1 楼",
            "Mo-Su 10:00-20:00",
        ),
        SiteSpec(
            SiteKind.PARTNER,
            "东平国家森林公园",
            "Dongping National Forest Park",
            -0.8,
            2.9,
            "东平镇北沿公路 2188 号",
            "Mo-Su 07:00-17:00",
        ),
    ]
    return specs


QIYANG_CENTRE = (30.4712, 103.8436)
QIYANG_CORNERS = [(-2.1, -1.8), (1.6, -2.2), (2.4, 0.3), (1.5, 2.2), (-1.4, 2.0), (-2.5, 0.2)]


def _qiyang_sites() -> list[SiteSpec]:
    return [
        SiteSpec(
            SiteKind.CENTRE,
            "岐阳社区党群服务中心",
            "Qiyang Community Party-Mass Service Centre",
            0.0,
            0.0,
            "彭镇岐阳社区 1 组",
            "Mo-Fr 09:00-17:30",
        ),
        SiteSpec(
            SiteKind.STATION,
            "岐阳一组服务站",
            "Qiyang Group 1 Service Station",
            -1.3,
            1.1,
            "岐阳社区 1 组",
            "Mo-Fr 09:00-17:00",
            0,
        ),
        SiteSpec(
            SiteKind.STATION,
            "岐阳五组服务站",
            "Qiyang Group 5 Service Station",
            1.2,
            0.9,
            "岐阳社区 5 组",
            "Mo-Fr 09:00-17:00",
            0,
        ),
        SiteSpec(
            SiteKind.STATION,
            "岐阳九组服务站",
            "Qiyang Group 9 Service Station",
            0.4,
            -1.4,
            "岐阳社区 9 组",
            "Mo-Fr 09:00-17:00",
            0,
        ),
        SiteSpec(
            SiteKind.POST,
            "再生资源碳小屋",
            "Recycling Carbon Hut",
            0.3,
            0.35,
            "岐阳社区广场",
            "Mo-Su 08:00-20:00",
            0,
        ),
        SiteSpec(
            SiteKind.POST,
            "光伏座椅休憩点",
            "PV Bench Rest Point",
            -0.4,
            0.5,
            "岐阳社区滨河步道",
            "Mo-Su 00:00-24:00",
            1,
        ),
        SiteSpec(
            SiteKind.POST,
            "便民充电站",
            "Community Charging Station",
            0.8,
            -0.3,
            "岐阳社区停车场",
            "Mo-Su 00:00-24:00",
            2,
        ),
        SiteSpec(
            SiteKind.POST,
            "生态湿地观察点",
            "Wetland Watch Point",
            -1.5,
            -1.0,
            "岐阳社区生态湿地",
            "Mo-Su 07:00-19:00",
            3,
        ),
        SiteSpec(
            SiteKind.PARTNER,
            "岐阳水电站",
            "Qiyang Hydro Station",
            1.9,
            -0.8,
            "岐阳社区杨柳河",
            "Mo-Fr 08:00-17:00",
        ),
        SiteSpec(
            SiteKind.PARTNER,
            "岐阳农业专业合作社",
            "Qiyang Agricultural Cooperative",
            -1.8,
            0.6,
            "岐阳社区 3 组",
            "Mo-Sa 08:00-18:00",
        ),
    ]


def _create_sites(
    community: Community, lat0: float, lon0: float, specs: list[SiteSpec]
) -> list[Site]:
    created: list[Site] = []
    for spec in specs:
        lat, lon = _offset(lat0, lon0, spec.dx_km, spec.dy_km)
        created.append(
            services.create_site(
                actor=None,
                community=community,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                kind=spec.kind,
                parent=created[spec.parent] if spec.parent is not None else None,
                address=spec.address,
                lat=lat,
                lon=lon,
                opening_hours=spec.hours,
            )
        )
    return created


def _household_size(rng: random.Random) -> int:
    sizes, weights = zip(*HOUSEHOLD_SIZE_SHARES.items(), strict=True)
    return rng.choices(sizes, weights)[0]


def _create_housing(
    community: Community,
    rng: random.Random,
    *,
    lat0: float,
    lon0: float,
    clusters: list[tuple[float, float]],
    target_residents: int,
    building_prefix: str,
    units_per_building: tuple[int, int],
    floors: tuple[int, int],
    spread_km: float,
) -> tuple[int, int]:
    """Buildings scattered around settlement clusters, filled with households until the
    registered residents reach ``target_residents``. Returns (households, residents)."""
    buildings: list[Building] = []
    households: list[Household] = []
    residents = 0
    number = 0
    while residents < target_residents:
        number += 1
        cx, cy = clusters[number % len(clusters)]
        lat, lon = _offset(lat0, lon0, cx + rng.gauss(0, spread_km), cy + rng.gauss(0, spread_km))
        building = Building(
            community=community,
            name=f"{building_prefix}{number}",
            lat=lat,
            lon=lon,
            floors=rng.randint(*floors),
        )
        buildings.append(building)
        for unit in range(rng.randint(*units_per_building)):
            size = min(_household_size(rng), max(1, target_residents - residents))
            floor = 1 + unit % building.floors
            households.append(
                Household(building=building, label=f"{floor}-{101 + unit}", residents=size)
            )
            residents += size
            if residents >= target_residents:
                break
    Building.objects.bulk_create(buildings, batch_size=500)
    for household in households:
        household.building_id = household.building.pk
    Household.objects.bulk_create(households, batch_size=1000)
    record(
        "sites.housing.imported",
        community=community,
        object_type="sites.community",
        object_id=str(community.pk),
        object_label=str(community),
        changes={
            "buildings": [None, len(buildings)],
            "households": [None, len(households)],
            "residents": [None, residents],
        },
    )
    return len(households), residents


@dataclass(frozen=True)
class DemoTree:
    dongping: Community
    qiyang: Community
    dongping_sites: list[Site]
    qiyang_sites: list[Site]
    chongming: object
    shuangliu: object


#: (key, Chinese name, English name, level, parent key, GB/T 2260 code)
DEMO_REGIONS = [
    ("shanghai", "上海市", "Shanghai", RegionLevel.CITY, None, "310000"),
    ("chongming", "崇明区", "Chongming District", RegionLevel.DISTRICT, "shanghai", "310151"),
    ("dongping_town", "东平镇", "Dongping Town", RegionLevel.TOWN, "chongming", ""),
    ("chengdu", "成都市", "Chengdu", RegionLevel.CITY, None, "510100"),
    ("shuangliu", "双流区", "Shuangliu District", RegionLevel.DISTRICT, "chengdu", "510116"),
    ("peng_town", "彭镇", "Peng Town", RegionLevel.TOWN, "shuangliu", ""),
]


@transaction.atomic
def load() -> DemoTree:
    rng = random.Random(SEED)
    regions = {}
    for key, name_zh, name_en, level, parent, code in DEMO_REGIONS:
        regions[key] = services.create_region(
            actor=None,
            name_zh=name_zh,
            name_en=name_en,
            level=level,
            parent=regions.get(parent),
            code=code,
        )
    chongming, dongping_town = regions["chongming"], regions["dongping_town"]
    shuangliu, peng_town = regions["shuangliu"], regions["peng_town"]

    lat0, lon0 = DONGPING_CENTRE
    dongping = services.create_community(
        actor=None,
        region=dongping_town,
        slug="dongping",
        name_zh="东平镇社区",
        name_en="Dongping Town Community",
        boundary=_boundary(lat0, lon0, DONGPING_CORNERS),
        population=6120,
        households=2240,
        floor_area_m2=412000,
        province=Province.SHANGHAI,
        grid_region=GridRegion.EAST,
        pilot_type=PilotType.EXISTING_URBAN,
        time_zone="Asia/Shanghai",
    )
    dongping_sites = _create_sites(dongping, lat0, lon0, _dongping_sites())
    _create_housing(
        dongping,
        rng,
        lat0=lat0,
        lon0=lon0,
        clusters=_STATION_OFFSETS + _POST_OFFSETS,
        target_residents=6000,
        building_prefix="东平楼",
        units_per_building=(8, 24),
        floors=(2, 6),
        spread_km=0.35,
    )

    lat0, lon0 = QIYANG_CENTRE
    qiyang = services.create_community(
        actor=None,
        region=peng_town,
        slug="qiyang",
        name_zh="岐阳社区",
        name_en="Qiyang Community",
        boundary=_boundary(lat0, lon0, QIYANG_CORNERS),
        population=3560,
        households=1260,
        floor_area_m2=198000,
        province=Province.SICHUAN,
        grid_region=GridRegion.SOUTHWEST,
        pilot_type=PilotType.RURAL,
        time_zone="Asia/Shanghai",
    )
    qiyang_sites = _create_sites(qiyang, lat0, lon0, _qiyang_sites())
    _create_housing(
        qiyang,
        rng,
        lat0=lat0,
        lon0=lon0,
        clusters=[(-1.3, 1.1), (1.2, 0.9), (0.4, -1.4), (0.0, 0.2), (-1.6, -0.5)],
        target_residents=3500,
        building_prefix="岐阳院落",
        units_per_building=(1, 4),
        floors=(1, 3),
        spread_km=0.4,
    )
    return DemoTree(dongping, qiyang, dongping_sites, qiyang_sites, chongming, shuangliu)
