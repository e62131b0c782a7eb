"""The role × URL matrix: every URL of the app, every persona, the expected status.

A URL added without a row here fails ``test_every_url_is_in_the_matrix``. Outside a user's
subtree the answer is 404 (never 403), on pages and API alike.
"""

from __future__ import annotations

import json

import pytest
from django.urls import get_resolver, reverse

from .conftest import PERSONAS

P = list(PERSONAS)  # anonymous, resident, station, admin, officer, outsider, superuser


def row(*statuses: int) -> dict[str, int]:
    assert len(statuses) == len(P)
    return dict(zip(P, statuses, strict=True))


ALL_200 = row(200, 200, 200, 200, 200, 200, 200)
# Pages for staff of Dongping: its station worker, admin, Chongming officer, superuser.
DONGPING_READ = row(302, 404, 200, 200, 200, 404, 200)
DONGPING_WRITE = row(302, 404, 404, 200, 200, 404, 200)
ANY_STAFF = row(302, 404, 200, 200, 200, 200, 200)
OFFICERS = row(302, 404, 404, 404, 200, 200, 200)
API_ANY_STAFF = row(401, 401, 200, 200, 200, 200, 200)
API_DONGPING_READ = row(401, 401, 200, 200, 200, 404, 200)

# name → (method, kwargs builder, expected per persona[, JSON body])
MATRIX = {
    "login": ("GET", None, row(200, 302, 302, 302, 302, 302, 302)),
    "logout": ("POST", None, row(302, 302, 302, 302, 302, 302, 302)),
    "set_language": ("POST", None, row(302, 302, 302, 302, 302, 302, 302)),
    "web:home": ("GET", None, row(302, 302, 302, 302, 302, 302, 302)),
    "web:dashboard": ("GET", "dongping", DONGPING_READ),
    "web:me": ("GET", None, row(302, 200, 404, 404, 404, 404, 404)),
    "web:healthz": ("GET", None, ALL_200),
    "sites:region_list": ("GET", None, ANY_STAFF),
    "sites:region_create": ("GET", None, OFFICERS),
    "sites:region_edit": ("GET", "chongming", row(302, 404, 404, 404, 200, 404, 200)),
    "sites:community_list": ("GET", None, ANY_STAFF),
    "sites:community_create": ("GET", None, OFFICERS),
    "sites:community_detail": ("GET", "dongping", DONGPING_READ),
    "sites:community_edit": ("GET", "dongping", DONGPING_WRITE),
    "sites:community_map": ("GET", "dongping", DONGPING_READ),
    "sites:community_map_geojson": ("GET", "dongping", DONGPING_READ),
    "sites:site_create": ("GET", "dongping", DONGPING_WRITE),
    "sites:site_detail": ("GET", "other_station", DONGPING_READ),
    "sites:site_edit": ("GET", "other_station", DONGPING_WRITE),
    "audit:entry_list": ("GET", None, ANY_STAFF),
    "api:api-root": ("GET", None, row(404, 404, 404, 404, 404, 404, 404)),
    "api:openapi-json": ("GET", None, ALL_200),
    "api:openapi-view": ("GET", None, ALL_200),
    "api:list_regions": ("GET", None, API_ANY_STAFF),
    "api:list_communities": ("GET", None, API_ANY_STAFF),
    "api:get_community": ("GET", "dongping", API_DONGPING_READ),
    "api:list_sites": ("GET", "dongping", API_DONGPING_READ),
    "api:create_site": (
        "POST",
        "dongping",
        row(401, 401, 404, 201, 201, 404, 201),
        {"name_zh": "红梅驿站·新", "kind": "post", "lat": 31.69, "lon": 121.47},
    ),
    "api:get_site": ("GET", "other_station", API_DONGPING_READ),
    "inventory:list": ("GET", "dongping", DONGPING_READ),
    "inventory:create": ("GET", "dongping", DONGPING_WRITE),
    "inventory:factor_create": ("GET", "dongping", DONGPING_WRITE),
    "inventory:detail": ("GET", "inventory", DONGPING_READ),
    "inventory:activities": ("GET", "inventory", DONGPING_READ),
    "inventory:import": ("GET", "inventory", DONGPING_WRITE),
    "inventory:template": ("GET", "inventory", DONGPING_READ),
    "inventory:export_xlsx": ("GET", "inventory", DONGPING_READ),
    "inventory:export_json": ("GET", "inventory", DONGPING_READ),
    "inventory:factor_set": ("GET", "inventory", DONGPING_WRITE),
    "inventory:notations": ("GET", "inventory", DONGPING_READ),
    "inventory:sinks_offsets": ("GET", "inventory", DONGPING_WRITE),
    "inventory:activity_delete": ("POST", "activity", row(302, 404, 404, 302, 302, 404, 302)),
    "inventory:factors": ("GET", None, ANY_STAFF),
    "api:list_factors": ("GET", None, API_ANY_STAFF),
    "api:list_factor_sets": ("GET", None, API_ANY_STAFF),
    "api:list_inventories": ("GET", "dongping", API_DONGPING_READ),
    "api:create_inventory": (
        "POST",
        "dongping",
        row(401, 401, 404, 201, 201, 404, 201),
        {"year": 2030},
    ),
    "api:get_inventory": ("GET", "inventory", API_DONGPING_READ),
    "api:inventory_report": ("GET", "inventory", API_DONGPING_READ),
    "api:list_activities": ("GET", "inventory", API_DONGPING_READ),
    "api:record_activity": (
        "POST",
        "inventory",
        row(401, 401, 404, 201, 201, 404, 201),
        {
            "month": 5,
            "activity_type": "electricity_grid",
            "category": "public",
            "label": "matrix test",
            "quantity": "1200",
            "unit": "kWh",
        },
    ),
    "energy:overview": ("GET", "dongping", DONGPING_READ),
    "energy:pv": ("GET", "dongping", DONGPING_READ),
    "energy:meter_create": ("GET", "dongping", DONGPING_WRITE),
    "energy:import": ("GET", "dongping", DONGPING_WRITE),
    "energy:batch": ("GET", "batch", DONGPING_READ),
    "api:list_meters": ("GET", "dongping", API_DONGPING_READ),
    "api:push_readings": (
        "POST",
        "dongping",
        row(401, 401, 404, 201, 201, 404, 201),
        {
            "readings": [
                {"meter": "DP-C-GRID", "timestamp": "2025-01-01T00:00:00+08:00", "value": 1.5}
            ]
        },
    ),
    "api:meter_daily": ("GET", "meter", API_DONGPING_READ),
    "api:meter_monthly": ("GET", "meter", API_DONGPING_READ),
    "api:assess_pv": (
        "POST",
        "dongping",
        API_DONGPING_READ,
        {"kwp": 10, "tilt_deg": 20},
    ),
    "api:update_site": (
        "PATCH",
        "other_station",
        row(401, 401, 404, 200, 200, 404, 200),
        {"opening_hours": "Mo-Sa 08:00-18:00"},
    ),
}


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                ns = pattern.namespace
                walk(
                    pattern.url_patterns,
                    f"{namespace}:{ns}" if namespace and ns else ns or namespace,
                )
            elif pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return {n for n in names if not n.startswith("admin:")}


def test_every_url_is_in_the_matrix():
    missing = _url_names() - set(MATRIX)
    assert not missing, f"URLs without a row in the access matrix: {sorted(missing)}"
    stale = set(MATRIX) - _url_names()
    assert not stale, f"matrix rows for URLs that no longer exist: {sorted(stale)}"


# key → (page URL parameter, API URL parameter)
PARAMS = {
    "dongping": ("slug", "slug"),
    "other_station": ("pk", "site_id"),
    "chongming": ("pk", "pk"),
    "inventory": ("pk", "inventory_id"),
    "activity": ("pk", "pk"),
    "batch": ("pk", "pk"),
    "meter": ("pk", "meter_id"),
}


def _kwargs(name: str, key: str | None, values: dict) -> dict:
    if key is None:
        return {}
    page_param, api_param = PARAMS[key]
    return {api_param if name.startswith("api:") else page_param: values[key]}


@pytest.mark.parametrize("persona", P)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(name, persona, client_for, dongping, other_station):
    from nearzero.energy.models import ImportBatch as ReadingBatch
    from nearzero.energy.models import Meter
    from nearzero.inventory.models import Inventory
    from nearzero.sites.models import Region

    method, key, expected, *body = MATRIX[name]
    inventory = Inventory.objects.get(community=dongping, year=2024)
    values = {
        "dongping": dongping.slug,
        "other_station": other_station.pk,
        "chongming": Region.objects.get(name_en="Chongming District").pk,
        "inventory": inventory.pk,
        "activity": inventory.activities.order_by("pk").first().pk,
        "batch": ReadingBatch.objects.filter(community=dongping).first().pk,
        "meter": Meter.objects.get(community=dongping, code="DP-C-GRID").pk,
    }
    url = reverse(name, kwargs=_kwargs(name, key, values))
    client = client_for(persona)
    if method == "GET":
        response = client.get(url)
    elif body:
        response = client.generic(method, url, json.dumps(body[0]), "application/json")
    else:
        response = client.post(url, {"language": "en", "next": "/"})
    if response.status_code == 302 and expected[persona] == 302 and persona != "anonymous":
        assert "/login/" not in response["Location"], f"{persona} was sent to the login page"
    assert response.status_code == expected[persona], (
        f"{persona} {method} {url}: {response.status_code}, expected {expected[persona]}"
    )


def test_admin_site_is_for_superusers_only(client_for):
    assert client_for("superuser").get("/admin/").status_code == 200
    for persona in ("admin", "officer", "station", "resident"):
        response = client_for(persona).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], persona
