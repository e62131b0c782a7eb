"""The circle app: imports (all or nothing, idempotent), settings, coverage for a community
equal to the file-based command on the same inputs, siting runs, API and pages."""

from __future__ import annotations

import csv
import io
import json
import textwrap

import numpy as np
import pytest
from django.template.defaultfilters import floatformat

from nearzero.circle import selectors, services
from nearzero.circle.choices import CIRCLE_KINDS, Profile
from nearzero.circle.demo import write_network
from nearzero.circle.models import CircleSettings, Home, SitingRun, StreetNetwork
from nearzero.cli import main as cli_main
from nearzero.core.circle.io import PointsError
from nearzero.core.circle.network import NetworkError
from nearzero.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _osm_xml(lat0: float, lon0: float, highway: str = "residential") -> bytes:
    """A small OSM XML street grid near (lat0, lon0): 3 × 3 nodes, 100 m apart."""
    step_lat, step_lon = 100 / 111_195, 100 / (111_195 * np.cos(np.radians(lat0)))
    nodes, ways = [], []
    for i in range(3):
        for j in range(3):
            nodes.append(
                f'<node id="{i * 3 + j + 1}" version="1" lat="{lat0 + i * step_lat:.7f}" '
                f'lon="{lon0 + j * step_lon:.7f}"/>'
            )
    way_id = 100
    for i in range(3):
        refs = "".join(f'<nd ref="{i * 3 + j + 1}"/>' for j in range(3))
        ways.append(f'<way id="{way_id}" version="1">{refs}<tag k="highway" v="{highway}"/></way>')
        way_id += 1
    for j in range(3):
        refs = "".join(f'<nd ref="{i * 3 + j + 1}"/>' for i in range(3))
        ways.append(f'<way id="{way_id}" version="1">{refs}<tag k="highway" v="{highway}"/></way>')
        way_id += 1
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">'
        + "".join(nodes + ways)
        + "</osm>"
    ).encode()


def _homes_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "lat", "lon", "residents"])
    writer.writerows(rows)
    return out.getvalue().encode()


# -- the demo ---------------------------------------------------------------------------------


def test_demo_has_a_network_and_plausible_incomplete_coverage(dongping, qiyang):
    for community in (dongping, qiyang):
        info = selectors.network_info(community)
        assert info is not None and info.nodes > 1000
        result = selectors.coverage(selectors.Inputs(community))
        assert result is not None
        assert result["sites_count"] == sum(
            1 for s in community.sites.filter(is_active=True) if s.kind in CIRCLE_KINDS
        )
        assert 50 < result["coverage_pct"] < 100
    dongping_sites = selectors.Inputs(dongping).sites
    assert len(dongping_sites) == 17  # 1 centre + 6 stations + 10 posts
    # The households of the register are the homes: every resident counted once.
    total = selectors.coverage(selectors.Inputs(dongping))["total_residents"]
    from django.db.models import Sum

    from nearzero.sites.models import Household

    expected = Household.objects.filter(building__community=dongping).aggregate(n=Sum("residents"))[
        "n"
    ]
    assert total == expected
    assert SitingRun.objects.filter(community=dongping).exists()


def test_community_coverage_equals_the_file_command_on_the_same_inputs(dongping, tmp_path, capsys):
    """The web's numbers and `nearzero circle coverage` with files agree exactly."""
    inputs = selectors.Inputs(dongping)
    web = selectors.coverage(inputs)
    network_path = tmp_path / "dongping.osm.pbf"
    write_network(dongping, network_path)
    stored = selectors.network_info(dongping)
    import hashlib

    assert hashlib.sha256(network_path.read_bytes()).hexdigest() == stored.sha256
    residents = tmp_path / "homes.csv"
    residents.write_bytes(
        _homes_csv(
            zip(
                inputs.homes.ids,
                inputs.homes.lat,
                inputs.homes.lon,
                inputs.homes.residents,
                strict=True,
            )
        )
    )
    sites = tmp_path / "sites.csv"
    with sites.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "lat", "lon", "kind"])
        for site in inputs.site_rows:
            writer.writerow([site.pk, repr(site.lat), repr(site.lon), site.kind])
    code = cli_main(
        [
            "circle",
            "coverage",
            "--network",
            str(network_path),
            "--residents",
            str(residents),
            "--sites",
            str(sites),
            "--format",
            "json",
        ]
    )
    assert code == 0
    cli = json.loads(capsys.readouterr().out)
    for key in ("coverage_pct", "covered_residents", "total_residents", "median_walk_min"):
        assert cli[key] == web[key], key
    assert [s["catchment_residents"] for s in cli["per_site"]] == [
        s["catchment_residents"] for s in web["per_site"]
    ]
    assert sum(s["catchment_residents"] for s in cli["per_site"]) == cli["covered_residents"]
    assert cli["uncovered_residents"] == sum(h["residents"] for h in cli["uncovered"])


def test_community_cli_coverage_and_siting(dongping, capsys):
    assert cli_main(["circle", "coverage", "--community", "dongping", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["coverage_pct"] == selectors.coverage(selectors.Inputs(dongping))["coverage_pct"]
    assert "homes" not in data
    before = SitingRun.objects.count()
    assert (
        cli_main(["circle", "site", "--community", "dongping", "--new", "2", "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert SitingRun.objects.count() == before + 1
    gains = [p["gain_residents"] for p in data["picks"]]
    assert gains == sorted(gains, reverse=True)
    assert data["covered_after"] == data["covered_before"] + sum(gains)


# -- imports ----------------------------------------------------------------------------------


def test_network_import_is_idempotent_and_all_or_nothing(dongping, users, tmp_path):
    stored = StreetNetwork.objects.get(community=dongping)
    data = bytes(stored.data)  # not an OSM file: the stored npz arrays
    with pytest.raises(NetworkError) as caught:
        services.import_network(
            actor=users["admin"], community=dongping, data=data, filename="streets.osm.pbf"
        )
    assert caught.value.code == "not_osm"
    assert "streets.osm.pbf" in caught.value.message
    with pytest.raises(NetworkError) as caught:
        services.import_network(
            actor=users["admin"],
            community=dongping,
            data=_osm_xml(31.69, 121.47, highway="motorway"),
            filename="motorway.osm",
        )
    assert caught.value.code == "empty"
    # A real network somewhere else: the community's sites are outside its area.
    with pytest.raises(NetworkError) as caught:
        services.import_network(
            actor=users["admin"],
            community=dongping,
            data=_osm_xml(30.47, 103.84),
            filename="qiyang-grid.osm",
        )
    assert caught.value.code == "outside_network"
    after = StreetNetwork.objects.get(community=dongping)
    assert (after.sha256, after.nodes, after.imported_at) == (
        stored.sha256,
        stored.nodes,
        stored.imported_at,
    )


def test_same_network_file_twice_changes_nothing(qiyang, users):
    from nearzero.audit.models import AuditEntry

    grid = _osm_xml(30.4712, 103.8436)
    services.clear_homes(actor=users["superuser"], community=qiyang)
    # Qiyang's sites lie kilometres apart: a 200 m grid does not reach them.
    with pytest.raises(NetworkError):
        services.import_network(
            actor=users["superuser"], community=qiyang, data=grid, filename="grid.osm"
        )
    qiyang.sites.update(is_active=False)
    first = services.import_network(
        actor=users["superuser"], community=qiyang, data=grid, filename="grid.osm"
    )
    assert first.changed and first.count == 9
    entries = AuditEntry.objects.filter(action="circle.network.imported").count()
    again = services.import_network(
        actor=users["superuser"], community=qiyang, data=grid, filename="grid.osm"
    )
    assert not again.changed
    assert AuditEntry.objects.filter(action="circle.network.imported").count() == entries
    info = selectors.network_info(qiyang)
    assert (info.nodes, info.edges) == (9, 12)
    assert info.length_km == pytest.approx(1.2, abs=0.002)


def test_homes_import_replaces_the_register_and_reports_rows(dongping, users):
    inputs = selectors.Inputs(dongping)
    lat, lon = float(inputs.sites.lat[0]), float(inputs.sites.lon[0])
    good = _homes_csv([["A1", lat + 0.001, lon, 120], ["A2", lat, lon + 0.002, 80]])
    result = services.import_homes(
        actor=users["admin"], community=dongping, data=good, filename="homes.csv"
    )
    assert result.changed and result.count == 2
    assert selectors.homes_source(dongping) == "file"
    coverage = selectors.coverage(selectors.Inputs(dongping))
    assert coverage["total_residents"] == 200
    again = services.import_homes(
        actor=users["admin"], community=dongping, data=good, filename="homes.csv"
    )
    assert not again.changed
    bad = _homes_csv([["B1", lat, lon, 10], ["B2", "", lon, 5]])
    with pytest.raises(PointsError) as caught:
        services.import_homes(actor=users["admin"], community=dongping, data=bad, filename="b.csv")
    assert (caught.value.row, caught.value.column) == (3, "lat")
    assert "b.csv row 3, column lat" in caught.value.message
    far = _homes_csv([["C1", 30.47, 103.84, 10]])
    with pytest.raises(PointsError) as caught:
        services.import_homes(actor=users["admin"], community=dongping, data=far, filename="c.csv")
    assert caught.value.code == "outside_network" and "C1" in caught.value.message
    assert sorted(Home.objects.filter(community=dongping).values_list("ref", flat=True)) == [
        "A1",
        "A2",
    ]
    assert services.clear_homes(actor=users["admin"], community=dongping) == 2
    assert selectors.homes_source(dongping) == "households"


def test_settings_and_the_elderly_profile(dongping, users):
    inputs = selectors.Inputs(dongping)
    adult = selectors.coverage(inputs, Profile.ADULT)
    elderly = selectors.coverage(inputs, Profile.ELDERLY)
    # Same minutes, slower walk: 1000 m / 80 m/min = 12.5 min → 750 m at 60 m/min.
    assert elderly["max_walk_m"] == pytest.approx(750.0)
    assert elderly["max_walk_min"] == adult["max_walk_min"] == 12.5
    assert elderly["covered_residents"] <= adult["covered_residents"]
    services.update_settings(
        actor=users["admin"],
        community=dongping,
        max_walk_m=800,
        speed_m_per_min=80,
        elderly_speed_m_per_min=60,
    )
    shorter = selectors.coverage(selectors.Inputs(dongping))
    assert shorter["max_walk_m"] == 800
    assert shorter["covered_residents"] <= adult["covered_residents"]
    with pytest.raises(DomainError) as caught:
        services.update_settings(
            actor=users["admin"],
            community=dongping,
            max_walk_m=50,
            speed_m_per_min=80,
            elderly_speed_m_per_min=60,
        )
    assert caught.value.field == "max_walk_m"
    assert CircleSettings.objects.get(community=dongping).max_walk_m == 800


def test_siting_run_gains_and_exact_limit(dongping, users):
    run = services.run_siting(actor=users["admin"], community=dongping, new=3)
    picks = run.result["picks"]
    assert 1 <= len(picks) <= 3
    gains = [p["gain_residents"] for p in picks]
    assert gains == sorted(gains, reverse=True) and all(g > 0 for g in gains)
    assert run.coverage_pct_after > run.coverage_pct_before
    with pytest.raises(DomainError) as caught:
        services.run_siting(actor=users["admin"], community=dongping, new=2, method="exact")
    assert caught.value.code == "too_many_for_exact"
    with pytest.raises(DomainError):
        services.run_siting(actor=users["admin"], community=dongping, new=0)


# -- API and pages ----------------------------------------------------------------------------


def test_api_coverage_isochrones_and_siting(client_for, dongping):
    client = client_for("admin")
    response = client.get("/api/circle/dongping/coverage")
    assert response.status_code == 200
    data = response.json()
    assert data == {k: v for k, v in data.items() if k != "homes"}
    assert data["coverage_pct"] == selectors.coverage(selectors.Inputs(dongping))["coverage_pct"]
    iso = client.get("/api/circle/dongping/isochrones").json()
    assert [f["properties"]["walk_min"] for f in iso["features"]] == [12.5, 8.3, 4.2]
    inputs = selectors.Inputs(dongping)
    body = {
        "new": 1,
        "method": "exact",
        "candidates": [
            {"id": "east", "lat": float(inputs.homes.lat[i]), "lon": float(inputs.homes.lon[i])}
            for i in range(0, 40, 4)
        ],
    }
    response = client.post("/api/circle/dongping/siting", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["method"] == "exact"
    bad = client.post(
        "/api/circle/dongping/siting",
        {"new": 1, "candidates": [{"id": "far", "lat": 30.47, "lon": 103.84}]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "outside_network"


def test_overview_page_shows_the_selector_numbers(client_for, dongping):
    response = client_for("station").get("/c/dongping/circle/")
    assert response.status_code == 200
    result = selectors.coverage(selectors.Inputs(dongping))
    html = response.content.decode()
    shown = floatformat(result["coverage_pct"], 1)
    assert f'data-kpi="coverage_pct">{shown} <span' in html
    assert abs(float(shown) - result["coverage_pct"]) <= 0.05 + 1e-9
    assert "circle-map" in html
    streets = client_for("station").get("/c/dongping/circle/streets.json").json()
    assert len(streets["lat"]) == selectors.network_info(dongping).nodes
    assert len(streets["edges"]) == 2 * selectors.network_info(dongping).edges
    features = client_for("station").get("/c/dongping/circle/map.json").json()["features"]
    roles = {f["properties"].get("role", f["properties"].get("kind")) for f in features}
    assert {"isochrone", "site", "home", "proposed"} <= roles


def test_manage_page_uploads(client_for, dongping):
    client = client_for("admin")
    inputs = selectors.Inputs(dongping)
    lat, lon = float(inputs.sites.lat[0]), float(inputs.sites.lon[0])
    upload = io.BytesIO(_homes_csv([["H1", lat, lon, 30]]))
    upload.name = "homes.csv"
    response = client.post("/c/dongping/circle/inputs/homes/", {"file": upload})
    assert response.status_code == 302
    assert Home.objects.filter(community=dongping).count() == 1
    broken = io.BytesIO(b"id,lat,lon\nH1,31.6,121.4\n")
    broken.name = "broken.csv"
    response = client.post("/c/dongping/circle/inputs/homes/", {"file": broken})
    assert response.status_code == 400
    assert "missing column(s) residents" in response.content.decode()
    assert Home.objects.filter(community=dongping).count() == 1
    text = io.BytesIO(textwrap.dedent("not an osm file").encode())
    text.name = "x.osm.pbf"
    response = client.post("/c/dongping/circle/inputs/network/", {"file": text})
    assert response.status_code == 400
    assert "x.osm.pbf is not a readable OpenStreetMap" in response.content.decode()


def test_siting_page_with_drawn_places(client_for, dongping):
    inputs = selectors.Inputs(dongping)
    drawn = json.dumps([[float(inputs.homes.lat[i]), float(inputs.homes.lon[i])] for i in (0, 7)])
    response = client_for("admin").post(
        "/c/dongping/circle/siting/",
        {"new": 1, "candidate_source": "drawn", "drawn": drawn, "method": "greedy"},
    )
    assert response.status_code == 302
    run = SitingRun.objects.filter(community=dongping).first()
    assert run.candidate_source == "drawn" and run.candidates == 2
    page = client_for("station").get("/c/dongping/circle/siting/")
    assert page.status_code == 200
    assert 'id="siting-form"' not in page.content.decode()  # station staff read only


def test_dashboard_tile(client_for, dongping):
    html = client_for("admin").get("/c/dongping/").content.decode()
    assert 'data-tile="circle_coverage"' in html
