"""The organisation tree: rules of the services and the pages that call them."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from nearzero.audit.models import AuditEntry
from nearzero.sites import services
from nearzero.sites.models import Community, Region, Site
from nearzero.sites.services import SitesError


def test_demo_tree_has_the_seed_shapes(dongping, qiyang):
    kinds = dict.fromkeys(("centre", "station", "post", "partner"), 0)
    for site in dongping.sites.all():
        kinds[site.kind] += 1
    assert kinds == {"centre": 1, "station": 6, "post": 10, "partner": 3}  # "1+6+10+X"
    assert qiyang.sites.count() >= 5 and qiyang.pilot_type == "rural"
    residents = sum(h.residents for b in dongping.buildings.all() for h in b.household_set.all())
    assert 5_800 <= residents <= 6_200
    assert dongping.region.parent.name_en == "Chongming District"
    assert qiyang.grid_region == "southwest" and qiyang.province == "510000"


def test_region_levels_must_nest(users):
    district = Region.objects.get(name_en="Chongming District")
    with pytest.raises(SitesError) as info:
        services.create_region(
            actor=users["superuser"], name_zh="错", level="city", parent=district
        )
    assert info.value.code == "bad_region_level"
    town = services.create_region(
        actor=users["officer"], name_zh="港西镇", level="town", parent=district
    )
    assert town.path == f"{district.path}{town.pk}/"


def test_boundary_must_be_a_closed_polygon(users, dongping):
    with pytest.raises(SitesError) as info:
        services.update_community(
            dongping,
            actor=users["admin"],
            boundary={"type": "Polygon", "coordinates": [[[121, 31], [122, 31], [122, 32]]]},
        )
    assert info.value.code == "boundary_short_ring" and info.value.field == "boundary"


def test_site_parent_rules(users, dongping, qiyang, own_station):
    with pytest.raises(SitesError) as info:
        services.update_site(own_station, actor=users["admin"], parent=qiyang.sites.first())
    assert info.value.code == "parent_other_community"
    child = own_station.children.first()
    with pytest.raises(SitesError) as info:
        services.update_site(own_station, actor=users["admin"], parent=child)
    assert info.value.code == "parent_cycle"


def test_station_worker_edits_own_station_but_not_another(client_for, own_station, other_station):
    client = client_for("station")
    old_hours = own_station.opening_hours
    form = {
        "name_zh": own_station.name_zh,
        "name_en": "Renamed",
        "kind": own_station.kind,
        "parent": own_station.parent_id or "",
        "address": own_station.address,
        "lat": own_station.lat,
        "lon": own_station.lon,
        "opening_hours": "Mo-Fr 08:00-18:00",
        "is_active": "on",
    }
    response = client.post(f"/sites/{own_station.pk}/edit/", form)
    assert response.status_code == 302
    own_station.refresh_from_db()
    assert own_station.name_en == "Renamed"
    entry = AuditEntry.objects.filter(action="sites.site.updated").order_by("-id").first()
    assert entry.changes["name_en"][1] == "Renamed"
    assert entry.changes["opening_hours"] == [old_hours, "Mo-Fr 08:00-18:00"]

    before = other_station.name_en
    form.update(
        name_en="Hijacked",
        kind=other_station.kind,
        lat=other_station.lat,
        lon=other_station.lon,
        parent=other_station.parent_id or "",
    )
    assert client.post(f"/sites/{other_station.pk}/edit/", form).status_code == 404
    other_station.refresh_from_db()
    assert other_station.name_en == before


def test_community_form_reports_bad_geojson_with_line_and_column(client_for, dongping):
    data = {
        f: getattr(dongping, f)
        for f in (
            "name_zh",
            "name_en",
            "slug",
            "pilot_type",
            "province",
            "grid_region",
            "population",
            "households",
            "floor_area_m2",
            "time_zone",
        )
    }
    data.update(region=dongping.region_id, boundary='{"type": "Polygon",\n "coordinates": [}')
    response = client_for("admin").post(f"/c/{dongping.slug}/edit/", data)
    assert response.status_code == 200
    assert "line 2" in response.content.decode() or "第 2 行" in response.content.decode()
    dongping.refresh_from_db()
    assert dongping.boundary["type"] == "Polygon"


def test_officer_creates_a_community_in_their_district(client_for):
    town = Region.objects.get(name_en="Dongping Town")
    square = [[121.40, 31.60], [121.41, 31.60], [121.41, 31.61], [121.40, 31.61], [121.40, 31.60]]
    data = {
        "name_zh": "新河社区",
        "name_en": "Xinhe",
        "slug": "xinhe",
        "region": town.pk,
        "pilot_type": "new_urban",
        "province": "310000",
        "grid_region": "east",
        "population": 1200,
        "households": 480,
        "floor_area_m2": "56000.5",
        "time_zone": "Asia/Shanghai",
        "boundary": json.dumps({"type": "Polygon", "coordinates": [square]}),
    }
    response = client_for("officer").post("/communities/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    community = Community.objects.get(slug="xinhe")
    assert community.boundary["coordinates"][0][0] == [121.40, 31.60]
    # The other district's officer cannot even see it.
    assert client_for("outsider").get("/c/xinhe/about/").status_code == 404
    # And cannot create one in Chongming: the region is not offered to them.
    data["slug"] = "xinhe2"
    assert client_for("outsider").post("/communities/new/", data).status_code == 200
    assert not Community.objects.filter(slug="xinhe2").exists()


def test_slug_must_be_unique(users, dongping):
    with pytest.raises(SitesError) as info:
        services.update_community(
            Community.objects.get(slug="qiyang"), actor=users["superuser"], slug=dongping.slug
        )
    assert info.value.code == "slug_taken"


def test_map_geojson_has_boundary_and_every_site(client_for, dongping):
    data = client_for("station").get(f"/c/{dongping.slug}/map.geojson").json()
    roles = [f["properties"].get("role") for f in data["features"]]
    assert roles.count("boundary") == 1
    points = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == Site.objects.filter(community=dongping).count() == 20


#: Query budgets per page: fixed numbers, whatever the size of the community. The dashboard
#: pays a few queries per domain panel (sites, inventory, energy).
QUERY_BUDGET = {
    # 20 for the tree, inventory and energy panels + 12 fixed grouped queries of the
    # engagement panel (its count does not grow with events: tests/test_engagement.py) + 3
    # grouped queries of the points panel.
    "/c/dongping/": 35,
    "/c/dongping/about/": 14,
    "/c/dongping/map.geojson": 14,
    "/communities/": 14,
    "/audit/": 14,
}


@pytest.mark.parametrize("url", sorted(QUERY_BUDGET))
def test_pages_use_a_bounded_number_of_queries(url, client_for, django_assert_max_num_queries):
    client = client_for("officer")
    client.get(url)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(QUERY_BUDGET[url]):
        assert client.get(url).status_code == 200


def test_officer_renames_a_region_in_their_subtree(client_for):
    from nearzero.sites.models import Region

    town = Region.objects.get(name_en="Dongping Town")
    data = {"name_zh": "东平镇（新）", "name_en": "Dongping Town", "code": "310151101"}
    response = client_for("officer").post(f"/regions/{town.pk}/edit/", data)
    assert response.status_code == 302
    town.refresh_from_db()
    assert town.name_zh == "东平镇（新）" and town.code == "310151101"
    entry = AuditEntry.objects.filter(action="sites.region.updated").latest("id")
    assert entry.changes == {"name_zh": ["东平镇", "东平镇（新）"], "code": ["", "310151101"]}
    assert client_for("outsider").post(f"/regions/{town.pk}/edit/", data).status_code == 404


def test_works_at_agrees_with_frontline_sites_for(users):
    """The check-in API decides scope in memory (``works_at``); the listings query it
    (``frontline_sites_for``); a scan grant's statement checks its issuer in SQL
    (``works_at_sql``). For every persona and every site the three give the same answer,
    and it is the frontline rule: admins everywhere in their community, staff at their
    site and its child sites, officers and residents nowhere."""
    from nearzero.accounts import scope

    sites = list(Site.objects.all())
    station = users["station"]
    own = scope.roles_of(station)[0].site
    children = set(own.children.values_list("pk", flat=True))
    child = Site.objects.filter(community=own.community, parent=None).exclude(pk=own.pk).first()
    child.parent = own
    child.save(update_fields=["parent"])  # a child site, so the parent rule is exercised
    sites = list(Site.objects.all())
    reach = {}
    # The form a scan grant's statement checks, as one query per user (fixed names).
    condition = scope.works_at_sql(
        user="u", community="s.community_id", site="s.id", site_parent="s.parent_id"
    )
    select = "SELECT s.id FROM sites_site s JOIN accounts_user u ON u.id = %s WHERE "
    in_sql = select + condition
    for persona, user in users.items():
        queried = set(scope.frontline_sites_for(user).values_list("pk", flat=True))
        in_memory = {s.pk for s in sites if scope.works_at(user, s)}
        with connection.cursor() as cursor:
            cursor.execute(in_sql, [user.pk])
            by_statement = {row[0] for row in cursor.fetchall()}
        assert queried == in_memory == by_statement, persona
        reach[persona] = in_memory
    dongping = own.community
    assert reach["admin"] == {s.pk for s in sites if s.community_id == dongping.pk}
    assert reach["station"] == {own.pk, child.pk, *children}
    assert reach["officer"] == reach["outsider"] == reach["resident"] == set()
    assert reach["superuser"] == {s.pk for s in sites}
