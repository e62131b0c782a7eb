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
# Frontline work (check-in, practices, registering residents): Dongping's admin and station
# worker at their own site, and superusers; officers read but do not scan.
FRONTLINE = row(302, 404, 200, 200, 404, 404, 200)
FRONTLINE_POST = row(302, 404, 302, 302, 404, 404, 302)
API_FRONTLINE = row(401, 401, 201, 201, 404, 404, 201)
API_FRONTLINE_200 = row(401, 401, 200, 200, 404, 404, 200)
API_ADMIN_200 = row(401, 401, 404, 200, 404, 404, 200)
PERSONAL_DATA = row(302, 404, 404, 200, 404, 404, 200)
RESIDENT_ONLY = row(302, 200, 404, 404, 404, 404, 404)
CIRCLE_MANAGE_400 = row(302, 404, 404, 400, 400, 404, 400)
# A form posted by those who manage Dongping (its admin, the Chongming officer): redirected
# back to the page, whatever the form said.
MANAGE_POST = row(302, 404, 404, 302, 302, 404, 302)

# name → (method, kwargs builder, expected per persona[, JSON body])
MATRIX = {
    "login": ("GET", None, row(200, 302, 302, 302, 302, 302, 302)),
    "logout": ("POST", None, row(302, 302, 302, 302, 302, 302, 302)),
    "set_language": ("POST", None, row(302, 302, 302, 302, 302, 302, 302)),
    "web:home": ("GET", None, row(302, 302, 302, 302, 302, 302, 302)),
    "web:dashboard": ("GET", "dongping", DONGPING_READ),
    "web:screen": ("GET", "dongping", DONGPING_READ),
    "web:screen_data": ("GET", "dongping", DONGPING_READ),
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
    "engagement:overview": ("GET", "dongping", DONGPING_READ),
    "engagement:events": ("GET", "dongping", DONGPING_READ),
    "engagement:event_create": ("GET", "dongping", FRONTLINE),
    "engagement:residents": ("GET", "dongping", DONGPING_READ),
    "engagement:resident_create": ("GET", "dongping", FRONTLINE),
    "engagement:practices": ("GET", "dongping", DONGPING_READ),
    "engagement:quizzes": ("GET", "dongping", DONGPING_READ),
    "engagement:quiz_create": ("GET", "dongping", DONGPING_WRITE),
    "engagement:feedback_list": ("GET", "dongping", DONGPING_READ),
    "engagement:month": ("GET", "month", DONGPING_READ),
    "engagement:bulletin": ("GET", "month", DONGPING_READ),
    "engagement:event": ("GET", "event", DONGPING_READ),
    "engagement:scan": ("GET", "event", FRONTLINE),
    "engagement:resident_search": ("GET", "event", FRONTLINE),
    "engagement:poster": ("GET", "event", DONGPING_READ),
    "engagement:scan_link_create": ("POST", "open_event", FRONTLINE_POST),  # no label: back
    "engagement:scan_link_revoke": ("POST", "scan_link", FRONTLINE_POST),
    "engagement:scanner": ("GET", None, ALL_200),  # the page; its link's token does the rest
    "engagement:resident": ("GET", "resident", DONGPING_READ),
    "engagement:resident_export": ("GET", "resident", PERSONAL_DATA),
    "engagement:resident_erase": ("POST", "resident", row(302, 404, 404, 302, 404, 404, 302)),
    "engagement:resident_rotate": ("POST", "resident", FRONTLINE_POST),
    "engagement:shift_verify": ("POST", "shift", FRONTLINE_POST),
    "engagement:adoption": ("GET", "adoption", DONGPING_READ),
    "engagement:quiz": ("GET", "quiz", DONGPING_READ),
    "engagement:quiz_export": ("GET", "quiz", DONGPING_READ),
    "engagement:feedback": ("GET", "feedback", DONGPING_READ),
    "engagement:self_check_in": ("GET", "poster", RESIDENT_ONLY),
    "engagement:ics": ("GET", "ics", ALL_200),
    "engagement:share": ("GET", "share", ALL_200),
    "engagement:my_events": ("GET", None, RESIDENT_ONLY),
    "engagement:my_register": ("POST", "upcoming", row(302, 302, 404, 404, 404, 404, 404)),
    "engagement:my_history": ("GET", None, RESIDENT_ONLY),
    "engagement:my_quizzes": ("GET", None, RESIDENT_ONLY),
    "engagement:my_quiz": ("GET", "quiz", RESIDENT_ONLY),
    "engagement:my_feedback": ("GET", None, RESIDENT_ONLY),
    "engagement:my_data": ("GET", None, RESIDENT_ONLY),
    "points:overview": ("GET", "dongping", DONGPING_READ),
    "points:rules": ("GET", "dongping", DONGPING_READ),
    "points:rules_defaults": ("POST", "dongping", row(302, 404, 404, 302, 404, 404, 302)),
    "points:rule_edit": ("GET", "rule", row(302, 404, 404, 200, 404, 404, 200)),
    "points:rewards": ("GET", "dongping", DONGPING_READ),
    "points:reward_edit": ("GET", "reward", row(302, 404, 404, 200, 404, 404, 200)),
    "points:orders": ("GET", "dongping", DONGPING_READ),
    "points:order_create": ("POST", "dongping", FRONTLINE_POST),
    "points:order_collect": ("POST", "order", FRONTLINE_POST),
    "points:order_cancel": ("POST", "order", FRONTLINE_POST),
    "points:fund": ("GET", "dongping", DONGPING_READ),
    "points:leaderboard": ("GET", "dongping", DONGPING_READ),
    "points:account": ("GET", "points_resident", DONGPING_READ),
    "points:my_points": ("GET", None, RESIDENT_ONLY),
    "points:my_rewards": ("GET", None, RESIDENT_ONLY),
    "points:my_reserve": ("POST", "reward", row(302, 302, 404, 404, 404, 404, 404)),
    "points:my_orders": ("GET", None, RESIDENT_ONLY),
    "points:my_cancel": ("POST", "my_order", row(302, 302, 404, 404, 404, 404, 404)),
    "points:my_leaderboard": ("GET", None, RESIDENT_ONLY),
    "points:my_visibility": ("POST", None, row(302, 302, 404, 404, 404, 404, 404)),
    "api:list_events": ("GET", "dongping", API_DONGPING_READ),
    "api:create_event": (
        "POST",
        "dongping",
        API_FRONTLINE,
        lambda v: {
            "site_id": v["station_site"],
            "activity_type": "lecture",
            "starts_at": "2030-05-01T09:00:00+08:00",
            "ends_at": "2030-05-01T11:00:00+08:00",
        },
    ),
    "api:engagement_check_in": (
        "POST",
        "open_event",
        API_FRONTLINE,
        lambda v: {"resident_id": v["resident"], "nonce": "matrix-nonce"},
    ),
    "api:engagement_upload_queue": ("POST", None, API_ANY_STAFF, {"scans": []}),
    "api:resident_points": ("GET", "points_resident", API_DONGPING_READ),
    "api:adjust": ("POST", "points_resident", API_ADMIN_200, {"points": 5, "reason": "matrix"}),
    "api:rewards": ("GET", "dongping", API_DONGPING_READ),
    "api:redeem": (
        "POST",
        "reward",
        API_FRONTLINE,
        lambda v: {"resident_id": v["points_resident"]},
    ),
    "api:collect": ("POST", "order", API_FRONTLINE_200, {}),
    "api:cancel": ("POST", "order", API_FRONTLINE_200, {}),
    "api:orders": ("GET", "dongping", API_DONGPING_READ),
    "api:fund_inflow": (
        "POST",
        "dongping",
        row(401, 401, 404, 201, 404, 404, 201),
        {"amount_fen": 10_000, "source": "donation", "memo": "matrix"},
    ),
    "api:fund": ("GET", "dongping", API_DONGPING_READ),
    "api:reconcile": ("GET", "dongping", API_DONGPING_READ),
    "api:engagement_event_figures": ("GET", "event", API_DONGPING_READ),
    # A scan grant's own endpoint: no session opens it (tests/test_scan_grants.py).
    "api:engagement_scan_grant": ("GET", None, row(401, 401, 401, 401, 401, 401, 401)),
    "api:record_shift": (
        "POST",
        None,
        API_FRONTLINE,
        lambda v: {
            "site_id": v["station_site"],
            "resident_id": v["resident"],
            "starts_at": "2030-05-02T08:00:00+08:00",
            "ends_at": "2030-05-02T10:00:00+08:00",
        },
    ),
    "api:verify_shift": ("POST", "shift", row(401, 401, 200, 200, 404, 404, 200), {}),
    "api:record_weighing": (
        "POST",
        None,
        API_FRONTLINE,
        lambda v: {"site_id": v["station_site"], "material": "cardboard", "kg": 3.5},
    ),
    "api:list_quizzes": ("GET", "dongping", API_DONGPING_READ),
    "api:quiz_results": ("GET", "quiz", API_DONGPING_READ),
    "api:list_feedback": ("GET", "dongping", API_DONGPING_READ),
    "api:answer_feedback": (
        "POST",
        "feedback",
        row(401, 401, 200, 200, 404, 404, 200),
        {"status": "answered", "reply": "谢谢"},
    ),
    "api:kpis": ("GET", "dongping", API_DONGPING_READ),
    "circle:overview": ("GET", "dongping", DONGPING_READ),
    "circle:map_data": ("GET", "dongping", DONGPING_READ),
    "circle:streets": ("GET", "dongping", DONGPING_READ),
    "circle:manage": ("GET", "dongping", DONGPING_READ),
    "circle:siting": ("GET", "dongping", DONGPING_READ),
    # Empty posts: those who manage the community get the form back with its errors (400).
    "circle:import_network": ("POST", "dongping", CIRCLE_MANAGE_400),
    "circle:import_homes": ("POST", "dongping", CIRCLE_MANAGE_400),
    "circle:settings": ("POST", "dongping", CIRCLE_MANAGE_400),
    "circle:clear_homes": ("POST", "dongping", row(302, 404, 404, 302, 302, 404, 302)),
    "api:circle_coverage": ("GET", "dongping", API_DONGPING_READ),
    "api:circle_isochrones": ("GET", "dongping", API_DONGPING_READ),
    "api:circle_siting_runs": ("GET", "dongping", API_DONGPING_READ),
    "api:circle_siting": ("POST", "dongping", row(401, 401, 404, 201, 201, 404, 201), {"new": 1}),
    "evaluation:index": ("GET", "dongping", DONGPING_READ),
    "evaluation:plan": ("GET", "dongping", DONGPING_READ),
    "evaluation:assessment": ("GET", "assessment", DONGPING_READ),
    "evaluation:start": ("POST", "assessment", MANAGE_POST),
    "evaluation:enter_value": ("POST", "assessment", MANAGE_POST),
    "evaluation:add_evidence": ("POST", "assessment", MANAGE_POST),
    "evaluation:submit": ("POST", "assessment", MANAGE_POST),
    "evaluation:reopen": ("POST", "assessment", MANAGE_POST),
    "evaluation:submission": ("GET", "submission", DONGPING_READ),
    "evaluation:evidence_file": ("GET", "evidence", DONGPING_READ),
    "evaluation:task_status": ("POST", "task", MANAGE_POST),
    "evaluation:minutes_file": ("GET", "minutes", DONGPING_READ),
    "evaluation:standards": ("GET", None, ANY_STAFF),
    "evaluation:standard": ("GET", "standard", ANY_STAFF),
    # The district pages list only the communities in the user's scope (tests/test_district.py).
    "evaluation:district": ("GET", None, ANY_STAFF),
    "evaluation:compare": ("GET", None, ANY_STAFF),
    "api:evaluation_standards": ("GET", None, API_ANY_STAFF),
    "api:evaluation_result": ("GET", "assessment", API_DONGPING_READ),
    "reports:index": ("GET", "dongping", DONGPING_READ),
    "reports:acceptance": ("GET", "report_acceptance", DONGPING_READ),
    "reports:annual": ("GET", "report_annual", DONGPING_READ),
    "reports:workbook": ("GET", "report_workbook", DONGPING_READ),
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
    "event": ("pk", "event_id"),
    "open_event": ("pk", "event_id"),
    "scan_link": ("pk", "pk"),
    "upcoming": ("pk", "pk"),
    "resident": ("pk", "pk"),
    "shift": ("pk", "shift_id"),
    "adoption": ("pk", "pk"),
    "quiz": ("pk", "quiz_id"),
    "feedback": ("pk", "feedback_id"),
    "poster": ("secret", "secret"),
    "ics": ("token", "token"),
    "share": ("token", "token"),
    "month": (None, None),  # several URL parameters: the value is the kwargs dict
    "report_acceptance": (None, None),
    "report_annual": (None, None),
    "report_workbook": (None, None),
    "points_resident": ("pk", "resident_id"),
    "reward": ("pk", "reward_id"),
    "order": ("pk", "order_id"),
    "rule": ("pk", "pk"),
    "my_order": ("pk", "pk"),
    "assessment": (None, None),
    "task": (None, None),
    "minutes": (None, None),
    "submission": ("pk", "pk"),
    "evidence": ("pk", "pk"),
    "standard": ("standard_id", "standard_id"),
}


# The reports' downloads (the DOCX: the quickest of the acceptance report's two formats).
REPORT_KWARGS = {
    "report_acceptance": {
        "slug": "dongping",
        "standard_id": "nearzero-default",
        "year": 2024,
        "fmt": "docx",
    },
    "report_annual": {"slug": "dongping", "year": 2024},
    "report_workbook": {"slug": "dongping", "kind": "inventory", "year": 2024},
}


def _kwargs(name: str, key: str | None, values: dict) -> dict:
    if key is None:
        return {}
    page_param, api_param = PARAMS[key]
    if page_param is None:
        return values[key]
    return {api_param if name.startswith("api:") else page_param: values[key]}


@pytest.mark.parametrize("persona", P)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(name, persona, client_for, dongping, other_station, users):
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
    values.update(_engagement_values(dongping, users_by_persona=users))
    values.update(_points_values(dongping, users_by_persona=users))
    values.update(_points_api_values(dongping))
    values.update(_evaluation_values(dongping))
    values.update(REPORT_KWARGS)
    url = reverse(name, kwargs=_kwargs(name, key, values))
    client = client_for(persona)
    if method == "GET":
        response = client.get(url)
    elif body:
        payload = body[0](values) if callable(body[0]) else body[0]
        response = client.generic(
            method,
            url,
            json.dumps(payload),
            "application/json",
            headers={"Idempotency-Key": f"matrix-{persona}"},  # the ledger's writes need one
        )
    else:
        response = client.post(url, {"language": "en", "next": "/"})
    if response.status_code == 302 and expected[persona] == 302 and persona != "anonymous":
        assert "/login/" not in response["Location"], f"{persona} was sent to the login page"
    assert response.status_code == expected[persona], (
        f"{persona} {method} {url}: {response.status_code}, expected {expected[persona]}"
    )


def _engagement_values(dongping, *, users_by_persona) -> dict:
    """Rows of the demo the engagement URLs need: an event at the station worker's own site,
    one open for check-in now, a shift the station worker may verify, and so on."""
    import datetime as dt

    from django.core import signing
    from django.utils import timezone

    from nearzero.accounts import scope
    from nearzero.engagement import services, views
    from nearzero.engagement.models import (
        ActivityType,
        Event,
        Feedback,
        PlantAdoption,
        Quiz,
        Resident,
        SortingShift,
    )

    station_user = users_by_persona["station"]
    station_sites = scope.editable_sites_for(station_user)
    station_site = station_sites.filter(kind="station").first()
    now = timezone.now()
    open_event = services.create_event(
        actor=None,
        community=dongping,
        site=station_site,
        activity_type=ActivityType.objects.get(community=None, code="lecture"),
        title="matrix",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    upcoming = Event.objects.filter(community=dongping, starts_at__gt=now, self_check_in=True)
    return {
        "station_site": station_site.pk,
        "event": Event.objects.filter(site=station_site).order_by("starts_at").first().pk,
        "open_event": open_event.pk,
        "scan_link": services.issue_scan_grant(
            actor=station_user, event=open_event, kind="link", label="matrix"
        )[0].pk,
        "upcoming": upcoming.first().pk,
        "poster": upcoming.first().poster_secret,
        "resident": Resident.objects.filter(community=dongping, user=None).order_by("pk")[5].pk,
        "shift": SortingShift.objects.filter(site__in=station_sites, verified_at=None).first().pk,
        "adoption": PlantAdoption.objects.filter(community=dongping).first().pk,
        "quiz": Quiz.objects.filter(community=dongping, kind="quiz").first().pk,
        "feedback": Feedback.objects.filter(community=dongping).first().pk,
        "ics": signing.dumps(dongping.pk, salt=views.FEED_SALT),
        "share": signing.dumps({"c": dongping.pk, "y": 2024, "m": 5}, salt=views.SHARE_SALT),
        "month": {"slug": dongping.slug, "year": 2024, "month": 5},
    }


def _points_api_values(dongping) -> dict:
    """A resident with fresh points (the demo's 2024 points may expire on redemption), a
    reward in stock and a reserved order, for the points API."""
    from nearzero.engagement.models import Resident
    from nearzero.points import services
    from nearzero.points.models import Reward

    resident = Resident.objects.filter(community=dongping, erased_at=None).order_by("pk")[7]
    services.adjust(actor=None, resident=resident, points=500, reason="matrix")
    reward = Reward.objects.create(community=dongping, name="matrix", cost_points=10, stock=9)
    order = services.redeem(actor=None, resident=resident, reward=reward)
    return {"points_resident": resident.pk, "reward": reward.pk, "order": order.pk}


def _points_values(dongping, *, users_by_persona) -> dict:
    """For the points pages: an earning rule, and a reward reserved by the resident who signs
    in (with fresh points, so that reserving again from the page succeeds)."""
    from nearzero.points import services
    from nearzero.points.models import Reward, Rule

    me = users_by_persona["resident"].resident
    services.adjust(actor=None, resident=me, points=500, reason="matrix")
    reward = Reward.objects.create(community=dongping, name="matrix page", cost_points=10, stock=9)
    order = services.redeem(actor=None, resident=me, reward=reward)
    return {"rule": Rule.objects.filter(community=dongping).first().pk, "my_order": order.pk}


def test_admin_site_is_for_superusers_only(client_for):
    assert client_for("superuser").get("/admin/").status_code == 200
    for persona in ("admin", "officer", "station", "resident"):
        response = client_for(persona).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], persona


def _evaluation_values(dongping) -> dict:
    from nearzero.evaluation.models import Assessment, Evidence, Minutes, Submission, Task

    assessment = Assessment.objects.get(community=dongping, standard="nearzero-default", year=2024)
    minutes = Minutes.objects.filter(community=dongping).exclude(file="").first()
    return {
        "assessment": {"slug": dongping.slug, "standard_id": "nearzero-default", "year": 2024},
        "task": {"slug": dongping.slug, "pk": Task.objects.filter(community=dongping).first().pk},
        "minutes": {"slug": dongping.slug, "pk": minutes.pk},
        "submission": Submission.objects.filter(assessment=assessment).first().pk,
        "evidence": Evidence.objects.filter(assessment=assessment).first().pk,
        "standard": "ndrc-2015",
    }
