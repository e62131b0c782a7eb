"""The inventory app: import, recalculation, retirement rules, pages and their query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys

import pytest
from openpyxl import Workbook

from nearzero.audit.models import AuditEntry
from nearzero.inventory import files, selectors, services
from nearzero.inventory.models import (
    ActivityRecord,
    EmissionFactor,
    FactorSet,
    ImportBatch,
    Inventory,
    ReadOnlyError,
)

HEADER = [
    "month",
    "activity_type",
    "category",
    "gpc_ref",
    "label",
    "quantity",
    "unit",
    "quality_method",
    "quality_rating",
    "notation_key",
    "explanation",
    "note",
]


def good_rows(n: int = 500) -> list[list]:
    """n valid rows: monthly electricity and gas for many buildings."""
    rows = []
    for i in range(n):
        month = 1 + i % 12
        if i % 2:
            rows.append(
                [
                    month,
                    "electricity_grid",
                    "public",
                    "",
                    f"building {i // 12}",
                    1000 + i,
                    "kWh",
                    "measured",
                    "high",
                    "",
                    "",
                    "",
                ]
            )
        else:
            rows.append(
                [
                    month,
                    "natural_gas",
                    "residential",
                    "",
                    f"building {i // 12}",
                    f"{50 + i / 10:.1f}",
                    "m3",
                    "measured",
                    "high",
                    "",
                    "",
                    "",
                ]
            )
    return rows


def xlsx_bytes(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "activity"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def inventory(dongping, users):
    return services.create_inventory(actor=users["admin"], community=dongping, year=2025)


def _import(inventory, content: bytes, name: str, actor=None):
    rows = files.read_rows(content, name)
    return services.import_activity_rows(
        inventory, rows, actor=actor, content=content, filename=name
    )


def test_three_bad_rows_among_500_are_reported_and_nothing_is_written(inventory):
    rows = good_rows(500)
    rows[41][5] = "-12"  # spreadsheet row 43: negative quantity
    rows[199][6] = "furlongs"  # row 201: unknown unit
    rows[449][1] = "nuclear_fusion"  # row 451: unknown activity type
    content = xlsx_bytes(rows)
    with pytest.raises(services.ImportRejected) as info:
        _import(inventory, content, "bills.xlsx")
    errors = [(e.row, e.column, e.reason) for e in info.value.errors]
    assert [(row, column) for row, column, _reason in errors] == [
        (43, "quantity"),
        (201, "unit"),
        (451, "activity_type"),
    ]
    assert "negative" in errors[0][2]
    assert ActivityRecord.objects.filter(inventory=inventory).count() == 0
    assert not ImportBatch.objects.filter(inventory=inventory).exists()


def test_good_file_twice_leaves_the_same_totals(inventory):
    content = xlsx_bytes(good_rows(500))
    first = _import(inventory, content, "bills.xlsx")
    assert (first.rows, first.inserted, first.updated) == (500, 500, 0)
    gross = selectors.compute(inventory).result.gross_tco2e
    audit_count = AuditEntry.objects.count()
    second = _import(inventory, content, "bills-copy.xlsx")
    assert second.already_imported and second.inserted == 0
    assert ActivityRecord.objects.filter(inventory=inventory).count() == 500
    assert selectors.compute(inventory).result.gross_tco2e == gross
    assert AuditEntry.objects.count() == audit_count
    # The same rows as CSV (another file, same data): every row unchanged.
    third = _import(inventory, csv_bytes(good_rows(500)), "bills.csv")
    assert (third.inserted, third.updated, third.unchanged) == (0, 0, 500)
    assert selectors.compute(inventory).result.gross_tco2e == gross


def test_changed_value_is_an_audited_update(inventory, users):
    _import(inventory, xlsx_bytes(good_rows(24)), "a.xlsx")
    rows = good_rows(24)
    rows[1][5] = 9999
    report = _import(inventory, xlsx_bytes(rows), "b.xlsx", actor=users["admin"])
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 23)
    entry = AuditEntry.objects.filter(action="inventory.activity.updated").latest("id")
    assert entry.changes["quantity"] == ["1001.000000", "9999"]


def test_gb18030_csv_from_chinese_excel_and_chinese_headers(inventory):
    text = (
        "月份,活动类型,类别,数量,单位\n"
        "1,electricity_grid,public,100,度\n"
        "全年,lpg,residential,50,公斤\n"
    )
    report = _import(inventory, text.encode("gb18030"), "表.csv")
    assert report.inserted == 2
    units = sorted(inventory.activities.values_list("unit", flat=True))
    assert units == ["kWh", "kg"]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ([13, "electricity_grid", "public", "", "", 1, "kWh"], "month", "1–12"),
        ([1, "electricity_grid", "waste", "", "", 1, "kWh"], "category", "does not occur"),
        ([1, "electricity_grid", "public", "I.2.1", "", 1, "kWh"], "gpc_ref", "scope"),
        ([1, "electricity_grid", "public", "", "", 1, "m3"], "unit", "expected kWh"),
        ([1, "natural_gas", "residential", "", "", 10, "L"], "unit", "litres"),
        ([1, "natural_gas", "residential", "", "", "ten", "m3"], "quantity", "not a number"),
    ],
)
def test_row_errors_name_the_column_and_reason(inventory, row, column, reason):
    content = csv_bytes([row + [""] * (len(HEADER) - len(row))])
    with pytest.raises(services.ImportRejected) as info:
        _import(inventory, content, "x.csv")
    [error] = info.value.errors
    assert (error.row, error.column) == (2, column)
    assert reason in error.reason


def test_duplicate_rows_in_one_file_are_refused(inventory):
    rows = [*good_rows(3), good_rows(3)[0]]
    with pytest.raises(services.ImportRejected) as info:
        _import(inventory, csv_bytes(rows), "dup.csv")
    assert [(e.row, e.column) for e in info.value.errors] == [(5, "label")]
    assert "row 2" in info.value.errors[0].reason


def test_litres_of_diesel_use_the_density(inventory, users):
    services.record_activity(
        inventory,
        actor=users["admin"],
        origin="form",
        month=0,
        activity_type="diesel",
        category="agriculture",
        quantity=100,
        unit="L",
    )
    record = inventory.activities.get()
    assert record.quantity_canonical == pytest.approx(83.0)  # 100 L × 0.830 kg/L
    line = {ln.activity_type: ln for ln in selectors.compute(inventory).result.lines}["diesel"]
    # CN CO2 3.0959 + IPCC CH4 0.0001677 × 28 + N2O 0.0001677 × 265 kgCO2e per kg
    assert line.tco2e == pytest.approx(83 * (3.0959 + 0.0001677 * 28 + 0.0001677 * 265) / 1000)


def test_factor_set_change_recalculates_and_shows_the_difference(users, dongping):
    inventory = Inventory.objects.get(community=dongping, year=2024)
    before = selectors.compute(inventory).result.gross_tco2e
    cn2022 = FactorSet.objects.get(code="cn-2022")
    diff = {line["activity_type"]: line for line in selectors.factor_set_diff(inventory, cn2022)}
    grid = diff["electricity_grid"]
    assert grid["factor_before"] == pytest.approx(0.5500) and grid["factor_after"] == (
        pytest.approx(0.5617)
    )
    assert diff["natural_gas"]["delta_tco2e"] == pytest.approx(0.0)
    services.change_factor_set(inventory, cn2022, actor=users["admin"])
    after = selectors.compute(inventory).result.gross_tco2e
    assert after - before == pytest.approx(diff["total"]["delta_tco2e"])
    assert after > before
    entry = AuditEntry.objects.filter(action="inventory.inventory.factor_set_changed").latest("id")
    assert entry.changes == {"factor_set": ["cn-2023", "cn-2022"]}


def test_a_serial_is_retired_once_only(users, dongping, qiyang):
    a = Inventory.objects.get(community=dongping, year=2024)
    kwargs = {
        "use": "offset",
        "scheme": "ccer",
        "serial": "CCER-001",
        "quantity": 10,
        "unit": "tCO2e",
        "retired_on": dt.date(2024, 12, 1),
    }
    services.retire_unit(a, actor=users["admin"], **kwargs)
    with pytest.raises(services.InventoryError) as info:
        services.retire_unit(
            Inventory.objects.get(community=qiyang, year=2023), actor=users["superuser"], **kwargs
        )
    assert info.value.code == "serial_already_retired"
    result = selectors.compute(a).result
    assert result.offsets_tco2e == 10 and result.net_tco2e == pytest.approx(result.gross_tco2e - 10)


def test_green_certificates_lower_market_based_scope_2_only(users, dongping):
    inventory = Inventory.objects.get(community=dongping, year=2024)
    before = selectors.compute(inventory).result
    services.retire_unit(
        inventory,
        actor=users["admin"],
        use="scope2",
        scheme="gec",
        serial="GEC-2024-000001-000500",
        quantity=500,
        unit="MWh",
        retired_on=dt.date(2024, 12, 31),
    )
    after = selectors.compute(inventory).result
    assert after.gross_tco2e == before.gross_tco2e
    assert after.net_tco2e == before.net_tco2e
    # 500 MWh × 0.6096 kgCO2/kWh residual (2023) = 304.8 t less market-based scope 2
    assert before.scope2_market_tco2e - after.scope2_market_tco2e == pytest.approx(304.8)


def test_shipped_factors_are_read_only(db):
    factor = EmissionFactor.objects.get(code="cn.grid.2022.average.east")
    factor.value = 0.1
    with pytest.raises(ReadOnlyError):
        factor.save()


def test_notation_key_needs_an_explanation(users, dongping):
    inventory = Inventory.objects.get(community=dongping, year=2024)
    with pytest.raises(services.InventoryError) as info:
        services.set_notation(
            inventory, actor=users["admin"], gpc_ref="II.4.1", key="NO", explanation="  "
        )
    assert info.value.code == "explanation_required"


def test_demo_years_and_change(dongping, qiyang):
    qiyang_2023 = Inventory.objects.get(community=qiyang, year=2023)
    report = selectors.report(qiyang_2023)
    assert report["yoy"]["base_year"] == 2022
    assert -5.6 < report["yoy"]["change_pct"] < -4.4  # "a fall of about 5%"
    assert report["yoy"]["activity_effect_pct"] + report["yoy"]["factor_effect_pct"] == (
        pytest.approx(report["yoy"]["change_pct"])
    )
    assert report["sinks_tco2e"] > 0 and report["offsets_tco2e"] == 120
    assert report["renewable_self_consumed_kwh"] == pytest.approx(600_000, rel=1e-6)
    assert report["completeness"]["missing"] == []
    dongping_2024 = selectors.report(Inventory.objects.get(community=dongping, year=2024))
    assert dongping_2024["yoy"]["factor_effect_pct"] < 0  # East grid 0.5617 → 0.5500


def test_inventory_page_query_count_does_not_grow_with_records(
    client_for, dongping, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    inventory = Inventory.objects.get(community=dongping, year=2024)
    client = client_for("officer")
    url = f"/inventories/{inventory.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    ActivityRecord.objects.bulk_create(
        ActivityRecord(
            inventory=inventory,
            month=1 + i % 12,
            activity_type="electricity_grid",
            category="public",
            gpc_ref="I.2.2",
            label=f"meter {i}",
            quantity=10,
            unit="kWh",
            quantity_canonical=10.0,
            quality_method="measured",
            quality_rating="high",
            origin="import",
        )
        for i in range(3000)
    )
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert len(large) == len(small), "the inventory page's query count grew with the records"
    assert len(small) <= 20


def test_api_records_activity_and_reports(client_for, dongping):
    inventory = Inventory.objects.get(community=dongping, year=2024)
    client = client_for("admin")
    body = {
        "month": 3,
        "activity_type": "electricity_grid",
        "category": "public",
        "label": "API meter",
        "quantity": "1500",
        "unit": "MWh",
    }
    response = client.post(
        f"/api/inventories/{inventory.pk}/activities",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["quantity_canonical"] == 1_500_000
    bad = client.post(
        f"/api/inventories/{inventory.pk}/activities",
        json.dumps({**body, "unit": "m3"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_unit"
    report = client.get(f"/api/inventories/{inventory.pk}/report").json()
    for key in (
        "gross_tco2e",
        "sinks_tco2e",
        "offsets_tco2e",
        "net_tco2e",
        "by_scope",
        "by_gpc_sector",
        "by_category",
        "intensity_tco2e_per_resident",
        "yoy",
        "factors_used",
    ):
        assert key in report
    assert client_for("outsider").get(f"/api/inventories/{inventory.pk}/report").status_code == 404


def test_import_page_shows_every_bad_row(client_for, dongping):
    inventory = Inventory.objects.get(community=dongping, year=2024)
    rows = good_rows(10)
    rows[3][6] = "parsecs"
    upload = io.BytesIO(xlsx_bytes(rows))
    upload.name = "bad.xlsx"
    response = client_for("admin").post(f"/inventories/{inventory.pk}/import/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "parsecs" in html and "<code>unit</code>" in html


def test_template_is_a_real_workbook_that_imports(inventory):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(files.template(inventory)))
    assert wb.sheetnames == ["activity", "reference"]
    ws = wb["activity"]
    ws.append([2, "electricity_grid", "public", "", "centre", 1234, "kWh", "measured", "high"])
    out = io.BytesIO()
    wb.save(out)
    assert _import(inventory, out.getvalue(), "filled.xlsx").inserted == 1


def _cli(*args, data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEARZERO_DATA_DIR")}
    return subprocess.run(
        [sys.executable, "-m", "nearzero", *args, "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inventory-cli")
    assert _cli("demo", "--no-serve", data_dir=folder).returncode == 0
    return folder


def test_cli_import_rejects_bad_rows_with_exit_2(cli_dir, tmp_path):
    rows = good_rows(500)
    rows[9][5] = "-1"
    rows[99][2] = "spaceport"
    rows[499][6] = "furlongs"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    result = _cli(
        "inventory",
        "import",
        str(path),
        "--community",
        "dongping",
        "--year",
        "2026",
        "--format",
        "json",
        data_dir=cli_dir,
    )
    assert result.returncode == 2
    errors = json.loads(result.stdout)["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [
        (11, "quantity"),
        (101, "category"),
        (501, "unit"),
    ]
    listing = _cli(
        "inventory", "report", "--community", "dongping", "--year", "2026", data_dir=cli_dir
    )
    assert listing.returncode == 2 and "no inventory for 2026" in listing.stderr


def test_cli_import_twice_and_report(cli_dir, tmp_path):
    path = tmp_path / "good.csv"
    path.write_bytes(csv_bytes(good_rows(200)))
    args = (
        "inventory",
        "import",
        str(path),
        "--community",
        "qiyang",
        "--year",
        "2024",
        "--format",
        "json",
    )
    first = _cli(*args, data_dir=cli_dir)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["inserted"] == 200
    report_args = (
        "inventory",
        "report",
        "--community",
        "qiyang",
        "--year",
        "2024",
        "--format",
        "json",
    )
    gross = json.loads(_cli(*report_args, data_dir=cli_dir).stdout)["gross_tco2e"]
    second = _cli(*args, data_dir=cli_dir)
    assert json.loads(second.stdout)["already_imported"] is True
    report = json.loads(_cli(*report_args, data_dir=cli_dir).stdout)
    assert report["gross_tco2e"] == gross
    assert report["yoy"]["base_year"] == 2023
    assert {f["id"] for f in report["factors_used"]} >= {"cn.grid.2023.average.southwest"}


def test_cli_factors_list(cli_dir):
    result = _cli(
        "factors",
        "list",
        "--geography",
        "east",
        "--year",
        "2022",
        "--format",
        "json",
        data_dir=cli_dir,
    )
    assert result.returncode == 0
    [factor] = json.loads(result.stdout)
    assert factor["code"] == "cn.grid.2022.average.east" and factor["value"] == 0.5617
