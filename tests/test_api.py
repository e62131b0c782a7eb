"""The REST API goes through the same scope and services as the pages."""

from __future__ import annotations

import json

from django.test import Client

from nearzero.audit.models import AuditEntry


def test_list_communities_is_scoped(client_for):
    slugs = {c["slug"] for c in client_for("officer").get("/api/communities").json()}
    assert slugs == {"dongping"}
    slugs = {c["slug"] for c in client_for("superuser").get("/api/communities").json()}
    assert slugs == {"dongping", "qiyang"}


def test_create_site_through_the_api_is_audited(client_for, dongping):
    body = {
        "name_zh": "红梅驿站·测试",
        "name_en": "Test Post",
        "kind": "post",
        "lat": 31.7001,
        "lon": 121.4702,
        "opening_hours": "Mo-Su 09:00-18:00",
    }
    response = client_for("admin").post(
        f"/api/communities/{dongping.slug}/sites", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    site = response.json()
    assert site["community"] == "dongping" and site["kind"] == "post"
    entry = AuditEntry.objects.get(action="sites.site.created", object_id=str(site["id"]))
    assert entry.actor_label == "dongping_admin"
    assert entry.changes["name_en"] == [None, "Test Post"]


def test_bad_input_answers_400_with_a_code_and_the_field(client_for, dongping):
    body = {"name_zh": "错", "kind": "post", "lat": 95.0, "lon": 121.47}
    response = client_for("admin").post(
        f"/api/communities/{dongping.slug}/sites", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "lat_out_of_range"
    assert response.json()["field"] == "lat"


def test_station_worker_patches_own_station_only(client_for, own_station, other_station):
    client = client_for("station")
    ok = client.patch(
        f"/api/sites/{own_station.pk}",
        json.dumps({"address": "新地址 8 号"}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["address"] == "新地址 8 号"
    refused = client.patch(
        f"/api/sites/{other_station.pk}",
        json.dumps({"address": "x"}),
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert refused.json() == {"code": "not_found", "detail": "Not found."}


def test_writes_need_the_csrf_token(users, dongping):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    body = {"name_zh": "无令牌", "kind": "post", "lat": 31.7, "lon": 121.47}
    response = client.post(
        f"/api/communities/{dongping.slug}/sites", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 403


def test_openapi_schema_lists_the_operations(client_for):
    schema = client_for("anonymous").get("/api/openapi.json").json()
    assert "/api/communities/{slug}/sites" in schema["paths"]
    assert set(schema["paths"]["/api/sites/{site_id}"]) == {"get", "patch"}
