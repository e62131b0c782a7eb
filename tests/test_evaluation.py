"""The evaluation app: indicator values are the domains' own numbers, assessments freeze on
submission and keep their history, standards are added from files, the action plan, the CLI
and the pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.template.defaultfilters import floatformat

from nearzero.cli import main as cli_main
from nearzero.core.errors import DomainError
from nearzero.core.evaluation import StandardError
from nearzero.evaluation import selectors, services
from nearzero.evaluation.models import Assessment, KeyProject, Submission, Task

pytestmark = pytest.mark.django_db


def _by_id(evaluation) -> dict:
    return {r.id: r for r in evaluation.indicators}


# --- the same numbers as the domains' pages --------------------------------------------------


def test_inventory_indicators_equal_the_inventory_page(client_for, dongping):
    from nearzero.inventory.models import Inventory

    inventory = Inventory.objects.get(community=dongping, year=2024)
    page = client_for("admin").get(f"/inventories/{inventory.pk}/")
    assert page.status_code == 200
    shown_change = page.context["yoy"].change_pct
    shown_result = page.context["result"]
    values = _by_id(
        selectors.live_evaluation(dongping, selectors.get_standard("chengdu-2022"), 2024)
    )
    assert values["total_stable_or_falls"].value == pytest.approx(shown_change, abs=1e-4)
    assert values["intensity_falls"].value == pytest.approx(shown_change, abs=1e-4)  # same people
    assert values["offsets_purchased"].value == pytest.approx(shown_result.offsets_tco2e, abs=1e-4)
    # Dongping's previous inventory is its baseline (2023): the reduction is the page's change.
    default = _by_id(selectors.evaluation_for(dongping, "nearzero-default", 2024))
    assert default["carbon_reduction"].value == pytest.approx(-shown_change, abs=1e-4)
    assert default["carbon_reduction"].status == "fail"  # 3.4 < 10 for an existing urban area


def test_circle_engagement_points_energy_indicators_equal_their_pages(client_for, dongping):
    client = client_for("admin")
    values = _by_id(
        selectors.live_evaluation(dongping, selectors.get_standard("nearzero-default"), 2024)
    )
    html = client.get("/c/dongping/circle/").content.decode()
    assert (
        f'data-kpi="coverage_pct">{floatformat(values["circle_coverage"].value, 1)} <span' in html
    )
    # Shown the way the page shows it: 83.35 is 83.4 on both (rounded half up).
    coverage = floatformat(values["circle_coverage"].value, 1)
    assert selectors.format_value(values["circle_coverage"].value, "%") == f"{coverage}%"
    engagement = client.get("/c/dongping/engagement/?year=2024")
    kpis = engagement.context["data"].total
    assert values["events_held"].value == kpis.events == 48
    assert values["knowledge_rate"].value == pytest.approx(kpis.knowledge_rate_pct, abs=1e-4)
    assert values["volunteer_hours"].value == pytest.approx(kpis.volunteer_hours, abs=1e-4)
    points = client.get("/c/dongping/points/").context["totals"]
    assert values["fund_pool"].value == pytest.approx(points["fund_fen"] / 100)
    dashboard = client.get("/c/dongping/").context["panel"]
    pv_tile = next(t for t in dashboard.tiles if t.key == "pv_kwp")
    assert f"{values['rooftop_pv'].value:,.0f}" == pv_tile.value


# --- assessments ------------------------------------------------------------------------------


def test_demo_assessments_have_realistic_gaps_and_history(dongping, qiyang):
    report = selectors.evaluation_report(dongping, "nearzero-default", 2024)
    assert report["status"] == "submitted" and report["submissions"] == 2
    assert "Waste-sorting collection rate 24.0% < 30.0%" in report["gaps"]
    assert report["result"] == "fail"
    history = selectors.submissions(dongping, "nearzero-default", 2024)
    first, second = history[-1], history[0]
    assert (first["number"], second["number"]) == (1, 2)
    # The first submission had the quarterly estimate (22%), kept as it was.
    snapshot = Submission.objects.get(assessment__community=dongping, number=1).snapshot
    waste = next(r for r in snapshot["indicators"] if r["id"] == "waste_sorting_rate")
    assert waste["value"] == 22.0
    assert selectors.evaluation_report(qiyang, "chengdu-2022", 2023)["result"] == "pass"
    assert KeyProject.objects.filter(community=qiyang).count() == 7


def test_submission_freezes_and_reopen_keeps_history(dongping, users):
    admin = users["admin"]
    assessment = Assessment.objects.get(community=dongping, standard="ndrc-2015", year=2024)
    services.set_manual_value(
        actor=admin, assessment=assessment, indicator_id="public_transport_share", value="41"
    )
    first = services.submit(actor=admin, assessment=assessment)
    with pytest.raises(DomainError) as frozen:
        services.set_manual_value(
            actor=admin, assessment=assessment, indicator_id="public_transport_share", value=70
        )
    assert frozen.value.code == "frozen"
    frozen_view = _by_id(selectors.evaluation_for(dongping, "ndrc-2015", 2024))
    assert frozen_view["public_transport_share"].value == 41.0
    services.reopen(actor=admin, assessment=assessment, reason="district: new survey")
    services.set_manual_value(
        actor=admin, assessment=assessment, indicator_id="public_transport_share", value=70
    )
    live = _by_id(selectors.evaluation_for(dongping, "ndrc-2015", 2024))
    assert (live["public_transport_share"].value, live["public_transport_share"].status) == (
        70.0,
        "pass",
    )
    second = services.submit(actor=admin, assessment=assessment, stage="district")
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert (
        next(
            r["value"] for r in first.snapshot["indicators"] if r["id"] == "public_transport_share"
        )
        == 41.0
    )


def test_submissions_are_append_only_in_the_database(dongping):
    row = Submission.objects.filter(assessment__community=dongping).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        Submission.objects.filter(pk=row.pk).update(result="pass")
    with pytest.raises(DatabaseError), transaction.atomic():
        Submission.objects.filter(pk=row.pk).delete()


def test_manual_values_are_checked(dongping, users):
    admin = users["admin"]
    assessment = Assessment.objects.get(community=dongping, standard="ndrc-2015", year=2024)
    for indicator, value, code in (
        ("carbon_reduction", 50, "not_manual"),
        ("waste_sorting_rate", "many", "bad_value"),
        ("waste_sorting_rate", 130, "bad_value"),
        ("no_such", 1, "unknown_indicator"),
    ):
        with pytest.raises(DomainError) as caught:
            services.set_manual_value(
                actor=admin, assessment=assessment, indicator_id=indicator, value=value
            )
        assert caught.value.code == code


def test_evidence_turns_no_evidence_into_a_status(dongping, users):
    admin = users["admin"]
    assessment = Assessment.objects.get(community=dongping, standard="ndrc-2015", year=2024)
    before = _by_id(selectors.evaluation_for(dongping, "ndrc-2015", 2024))
    assert before["resource_recovery_rate"].status == "no_evidence"
    data = b"month,recovered_t,total_t\n2024,90,258\n"
    _row, created = services.add_evidence(
        actor=admin,
        assessment=assessment,
        indicator_id="resource_recovery_rate",
        title="ledger",
        data=data,
        filename="recovery.csv",
    )
    _again, created_again = services.add_evidence(
        actor=admin,
        assessment=assessment,
        indicator_id="resource_recovery_rate",
        title="ledger",
        data=data,
        filename="recovery.csv",
    )
    assert (created, created_again) == (True, False)
    after = _by_id(selectors.evaluation_for(dongping, "ndrc-2015", 2024))
    assert (
        after["resource_recovery_rate"].status,
        after["resource_recovery_rate"].evidence_count,
    ) == (
        "fail",
        1,
    )


# --- standards --------------------------------------------------------------------------------

USER_STANDARD = b"""id: street-2026
version: "1"
name: {zh: \xe8\xa1\x97\xe9\x81\x93\xe6\xa0\x87\xe5\x87\x86, en: Street standard}
indicators:
  - id: coverage
    name: {zh: \xe8\xa6\x86\xe7\x9b\x96\xe7\x8e\x87}
    unit: "%"
    threshold: 80
    source: {domain: circle, measure: coverage_pct}
"""


def test_user_standard_added_once_and_scored(dongping, users):
    row, created = services.add_standard(
        actor=users["officer"], data=USER_STANDARD, filename="street.yaml"
    )
    again, created_again = services.add_standard(
        actor=users["officer"], data=USER_STANDARD, filename="street.yaml"
    )
    assert (created, created_again, again.pk) == (True, False, row.pk)
    assert "street-2026" in {s["id"] for s in selectors.standards_listing()}
    evaluation = selectors.evaluation_for(dongping, "street-2026", 2024)
    assert evaluation.result == "pass"  # 83% ≥ 80%
    with pytest.raises(DomainError):
        services.add_standard(
            actor=None, data=USER_STANDARD.replace(b"80", b"85"), filename="street2.yaml"
        )
    shipped_id = USER_STANDARD.replace(b"street-2026", b"ndrc-2015")
    with pytest.raises(DomainError):
        services.add_standard(actor=None, data=shipped_id, filename="x.yaml")
    with pytest.raises(StandardError, match=r"bad.yaml:8: indicator 'coverage' threshold"):
        services.add_standard(
            actor=None, data=USER_STANDARD.replace(b"80", b"high"), filename="bad.yaml"
        )


def test_standards_page_refuses_a_malformed_upload_naming_the_line(client_for):
    client = client_for("officer")
    bad = SimpleUploadedFile("mine.yaml", USER_STANDARD.replace(b"domain: circle", b"domain: sky"))
    response = client.post("/evaluation/standards/", {"file": bad})
    assert response.status_code == 200
    assert "mine.yaml:9:" in response.content.decode()
    assert "street-2026" not in {s["id"] for s in selectors.standards_listing()}
    ok = SimpleUploadedFile("mine.yaml", USER_STANDARD)
    assert client.post("/evaluation/standards/", {"file": ok}).status_code == 302
    assert client_for("station").post("/evaluation/standards/", {"file": ok}).status_code == 404


# --- action plan ------------------------------------------------------------------------------


def test_action_plan_overdue_and_progress(qiyang, users):
    plan = selectors.action_plan(qiyang)
    today = dt.date.today()
    overdue = {p.name_zh for p in plan["projects"] if p.is_overdue_on(today)}
    # Chargers (due 2024-06-30) and PV benches (due 2024-12-31) are still being built.
    assert {"新能源汽车充电桩", "光伏座椅与新能源路灯"} <= overdue
    assert "生态湿地（碳汇）" not in overdue  # completed
    budget = sum(float(p.budget_yuan) for p in plan["projects"])
    weighted = sum(float(p.budget_yuan) * p.progress_pct for p in plan["projects"]) / budget
    assert plan["progress_pct"] == pytest.approx(weighted)
    task = Task.objects.filter(community=qiyang, status="todo").first()
    services.save_task(
        actor=users["superuser"],
        community=qiyang,
        task=task,
        title=task.title,
        status="done",
        due_date=task.due_date,
    )
    task.refresh_from_db()
    assert task.done_at is not None and not task.is_overdue


def test_plan_page_marks_overdue_rows(client_for, qiyang):
    response = client_for("superuser").get("/c/qiyang/evaluation/plan/")
    html = response.content.decode()
    overdue_rows = html.count('data-overdue="1"')
    plan = selectors.action_plan(qiyang)
    expected = sum(t.is_overdue for t in plan["tasks"]) + sum(
        p.is_overdue for p in plan["projects"]
    )
    assert overdue_rows == expected > 0


# --- CLI and pages ----------------------------------------------------------------------------


def test_cli_standards_list_and_evaluate(dongping, capsys):
    assert cli_main(["standards", "list", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["ndrc-2015"]["indicators"] == 5
    assert {"name_zh", "name_en", "version"} <= set(rows["chengdu-2022"])
    code = cli_main(
        [
            "evaluate",
            "--community",
            "dongping",
            "--standard",
            "nearzero-default",
            "--period",
            "2024",
            "--format",
            "json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"] == "fail" and data["period"] == 2024
    waste = next(r for r in data["indicators"] if r["id"] == "waste_sorting_rate")
    assert (waste["value"], waste["threshold"], waste["status"], waste["source"]) == (
        24.0,
        30.0,
        "fail",
        "manual",
    )
    assert cli_main(["evaluate", "--community", "nowhere", "--standard", "x", "--period", "1"]) == 2


def test_assessment_page_shows_values_gaps_and_history(client_for, dongping):
    response = client_for("officer").get("/c/dongping/evaluation/nearzero-default/2024/")
    html = response.content.decode()
    assert "生活垃圾分类收集率 24.0% &lt; 30.0%" in html
    assert 'data-indicator="circle_coverage"' in html
    assert html.count("data-submission=") == 2
    assert 'name="value"' not in html  # frozen: no entry forms


def test_manual_value_and_evidence_through_the_page(client_for, dongping):
    client = client_for("admin")
    url = "/c/dongping/evaluation/ndrc-2015/2024/"
    response = client.post(url + "value/", {"indicator": "resource_recovery_rate", "value": "52"})
    assert response.status_code == 302
    upload = SimpleUploadedFile("recovery.csv", b"year,recovered_t,total_t\n2024,134,258\n")
    client.post(
        url + "evidence/",
        {"indicator": "resource_recovery_rate", "title": "ledger", "file": upload},
    )
    row = _by_id(selectors.evaluation_for(dongping, "ndrc-2015", 2024))["resource_recovery_rate"]
    assert (row.value, row.status, row.evidence_count) == (52.0, "pass", 1)


def test_api_answers_like_the_cli(client_for, dongping):
    client = client_for("officer")
    data = client.get("/api/evaluation/dongping/nearzero-default/2024").json()
    assert data == json.loads(
        json.dumps(selectors.evaluation_report(dongping, "nearzero-default", 2024), default=str)
    )
    assert client.get("/api/evaluation/dongping/nope/2024").json()["code"] == "unknown_standard"
    assert client_for("outsider").get("/api/evaluation/dongping/ndrc-2015/2024").status_code == 404
    listing = client.get("/api/evaluation/standards").json()
    assert {row["id"] for row in listing} >= {"ndrc-2015", "chengdu-2022", "nearzero-default"}


def test_a_shared_context_gives_the_same_evaluation_with_fewer_queries(dongping):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nearzero.evaluation import sources

    standards = [selectors.get_standard(s) for s in ("ndrc-2015", "nearzero-default")]
    with CaptureQueriesContext(connection) as alone:
        apart = [selectors.live_evaluation(dongping, s, 2024) for s in standards]
    context = sources.Context(dongping, 2024)
    with CaptureQueriesContext(connection) as shared:
        together = [
            selectors.live_evaluation(dongping, s, 2024, context=context) for s in standards
        ]
    assert together == apart
    assert len(shared.captured_queries) < len(alone.captured_queries)
    with pytest.raises(TypeError):
        sources.Context(dongping, 2024, weather=None)
