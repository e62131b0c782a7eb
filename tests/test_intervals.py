"""nearzero.core.energy.intervals: every row status, units, time zones, counters, vendor
formats (docs/algorithms/interval-data.md; its worked numbers are these tests)."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pyarrow as pa
import pytest
from openpyxl import Workbook

from nearzero.core.energy import intervals as iv
from nearzero.core.energy.intervals import ColumnMapping, MeterSpec

SHANGHAI = "Asia/Shanghai"
UTC = dt.UTC


def meter(meter_id, code, register="interval", unit="kWh", **kwargs) -> MeterSpec:
    return MeterSpec(meter_id, code, register, unit, "dongping", SHANGHAI, **kwargs)


METERS = {
    "E1": meter(1, "E1"),
    "C1": meter(2, "C1", "counter"),
    "G1": meter(3, "G1", unit="m3"),
}


def csv_bytes(*lines: str, header: str = "meter,timestamp,value,unit") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def rows(parsed: iv.Parsed) -> list[tuple]:
    return [(r["meter_id"], r["ts"], r["value"], r["reading"]) for r in parsed.table.to_pylist()]


def problems(parsed: iv.Parsed) -> list[tuple]:
    return [(p.row, p.column, p.value, p.code) for p in parsed.problems]


# --- the acceptance file ---------------------------------------------------------------------

ACCEPTANCE = csv_bytes(
    "E1,2024-03-01T00:00:00+08:00,1.5,kWh",  # 2 ok
    "E1,2024-03-01T00:15:00+08:00,1.25,kWh",  # 3 ok
    "E1,2024-03-01T00:15:00+08:00,1.25,kWh",  # 4 duplicate of row 3
    "E1,2024-03-01T00:30:00+08:00,-0.5,kWh",  # 5 negative
    "X9,2024-03-01T00:30:00+08:00,1.0,kWh",  # 6 unknown meter
    "C1,2024-03-01T00:15:00+08:00,1000.0,kWh",  # 7 ok: 1000.0 − 999.0 (stored) = 1.0
    "C1,2024-03-01T00:30:00+08:00,1002.5,kWh",  # 8 ok: 2.5
    "C1,2024-03-01T00:45:00+08:00,3.0,kWh",  # 9 counter reset
    "C1,2024-03-01T01:00:00+08:00,5.0,kWh",  # 10 ok: 5.0 − 3.0 = 2.0
    "E1,2024-03-01T00:45,abc,kWh",  # 11 bad value
    "E1,2024-03-01T01:00:00+08:00,2,MJ",  # 12 bad unit (heat, not energy)
    "E1,not-a-time,1,kWh",  # 13 bad timestamp
    "E1,2024-03-01T00:00:00+08:00,1.6,kWh",  # 14 conflicts with row 2 (row 2 kept)
)
#: The last stored reading of C1: its interval started 23:45 local, the register read 999.0.
PREVIOUS = {2: (utc(2024, 2, 29, 15, 45), 999.0)}


def test_acceptance_file_reports_every_row_and_adds_up():
    parsed = iv.parse_csv(ACCEPTANCE, ColumnMapping(), METERS, SHANGHAI, previous=PREVIOUS)
    assert parsed.rows_in == 13
    assert problems(parsed) == [
        (4, "timestamp", "2024-03-01T00:15:00+08:00", "duplicate_in_file"),
        (5, "value", "-0.5", "negative"),
        (6, "meter", "X9", "unknown_meter"),
        (9, "value", "3.0", "counter_reset"),
        (11, "value", "abc", "bad_value"),
        (12, "unit", "MJ", "bad_unit"),
        (13, "timestamp", "not-a-time", "bad_timestamp"),
        (14, "value", "1.6", "conflict_in_file"),
    ]
    assert parsed.accepted == 5
    assert parsed.duplicates_in_file == 1
    assert parsed.rejected_count == 7
    assert parsed.rows_in == parsed.accepted + parsed.duplicates_in_file + parsed.rejected_count
    assert rows(parsed) == [
        (1, utc(2024, 2, 29, 16, 0), 1.5, None),
        (1, utc(2024, 2, 29, 16, 15), 1.25, None),
        # counter readings close their interval: the 00:15 reading is the 00:00–00:15 interval
        (2, utc(2024, 2, 29, 16, 0), 1.0, 1000.0),
        (2, utc(2024, 2, 29, 16, 15), 2.5, 1002.5),
        (2, utc(2024, 2, 29, 16, 45), 2.0, 5.0),
    ]
    reasons = {p.code: p.reason for p in parsed.problems}
    assert reasons["duplicate_in_file"] == "repeats row 3: same meter, time and value"
    assert "row 2 is kept" in reasons["conflict_in_file"]
    assert "(1002.5 → 3)" in reasons["counter_reset"]
    assert parsed.counts() == {
        "ok": 5,
        "unknown_meter": 1,
        "bad_timestamp": 1,
        "bad_value": 1,
        "bad_unit": 1,
        "negative": 1,
        "duplicate_in_file": 1,
        "conflict_in_file": 1,
        "counter_reset": 1,
    }


def test_previous_may_be_a_function_of_the_first_interval_of_each_counter():
    asked = {}

    def previous(first):
        asked.update(first)
        return PREVIOUS

    parsed = iv.parse_csv(ACCEPTANCE, ColumnMapping(), METERS, SHANGHAI, previous=previous)
    assert asked == {2: utc(2024, 2, 29, 16, 0)}  # only counters, their first interval start
    assert rows(parsed)[2][2] == 1.0


def test_first_counter_reading_without_an_earlier_one_has_unknown_energy():
    parsed = iv.parse_csv(
        csv_bytes("C1,2024-03-01T00:15:00+08:00,1000,kWh", "C1,2024-03-01T00:30:00+08:00,1001,"),
        ColumnMapping(),
        METERS,
        SHANGHAI,
    )
    assert rows(parsed) == [
        (2, utc(2024, 2, 29, 16, 0), None, 1000.0),  # unknown, never 0
        (2, utc(2024, 2, 29, 16, 15), 1.0, 1001.0),
    ]


# --- time --------------------------------------------------------------------------------------


def test_timestamps_with_and_without_zone_are_the_same_instant_in_shanghai():
    meters = {f"M{i}": meter(i, f"M{i}") for i in range(1, 7)}
    spellings = [
        "2024-03-01T00:15:00+08:00",
        "2024-03-01T00:15:00",  # wall clock in the meter's community zone
        "2024-02-29T16:15:00Z",
        "2024-03-01 00:15",
        "2024/03/01 00:15:00",
        "2024-03-01T00:15:00+0800",
    ]
    content = csv_bytes(
        *(f"M{i},{ts},1" for i, ts in enumerate(spellings, start=1)),
        header="meter,timestamp,value",
    )
    parsed = iv.parse_csv(content, ColumnMapping(), meters, SHANGHAI)
    assert parsed.problems == []
    assert {r["ts"] for r in parsed.table.to_pylist()} == {utc(2024, 2, 29, 16, 15)}


def test_all_naive_file_is_read_in_the_community_zone():
    parsed = iv.parse_csv(
        csv_bytes("E1,2024-03-01 00:00:00,1", header="meter,timestamp,value"),
        ColumnMapping(),
        METERS,
        SHANGHAI,
    )
    assert rows(parsed) == [(1, utc(2024, 2, 29, 16, 0), 1.0, None)]


def test_end_stamped_intervals_start_one_resolution_earlier():
    parsed = iv.parse_csv(
        csv_bytes("E1,2024-03-01T00:15:00+08:00,1.5,kWh"),
        ColumnMapping(timestamp_is_end=True),
        METERS,
        SHANGHAI,
    )
    assert rows(parsed)[0][1] == utc(2024, 2, 29, 16, 0)


def test_a_wall_time_skipped_by_daylight_saving_is_a_bad_timestamp():
    berlin = {"B1": MeterSpec(9, "B1", "interval", "kWh", "berlin", "Europe/Berlin")}
    parsed = iv.parse_csv(
        csv_bytes(
            "B1,2024-03-31T01:45:00,1",  # CET, +01:00
            "B1,2024-03-31T02:30:00,1",  # does not exist: clocks jump 02:00 → 03:00
            "B1,2024-03-31T03:00:00,1",  # CEST, +02:00
            header="meter,timestamp,value",
        ),
        ColumnMapping(),
        berlin,
        "Europe/Berlin",
    )
    assert problems(parsed) == [(3, "timestamp", "2024-03-31T02:30:00", "bad_timestamp")]
    assert [r[1] for r in rows(parsed)] == [utc(2024, 3, 31, 0, 45), utc(2024, 3, 31, 1, 0)]


def test_explicit_timestamp_format():
    parsed = iv.parse_csv(
        csv_bytes("E1,01.03.2024 00:15,1", header="meter,timestamp,value"),
        ColumnMapping(timestamp_format="%d.%m.%Y %H:%M"),
        METERS,
        SHANGHAI,
    )
    assert rows(parsed)[0][1] == utc(2024, 2, 29, 16, 15)


def test_local_month_and_offsets():
    ts = np.array([iv.to_epoch_us(utc(2024, 3, 31, 15, 45)), iv.to_epoch_us(utc(2024, 3, 31, 16))])
    assert [str(m) for m in iv.local_months(ts, SHANGHAI)] == ["2024-03", "2024-04"]
    bounds, offsets = iv.utc_offset_segments(
        "Europe/Berlin", iv.to_epoch_us(utc(2024, 3, 1)), iv.to_epoch_us(utc(2024, 4, 1))
    )
    assert offsets == [3_600_000_000, 7_200_000_000]
    assert bounds[1] == iv.to_epoch_us(utc(2024, 3, 31, 1))
    days = iv.local_midnights_us(dt.date(2024, 3, 30), dt.date(2024, 4, 1), "Europe/Berlin")
    assert np.diff(days).tolist() == [24 * 3600e6, 23 * 3600e6]


# --- units -------------------------------------------------------------------------------------


def test_wh_kwh_and_mwh_become_kwh():
    meters = {"E1": meter(1, "E1"), "E2": meter(2, "E2"), "E3": meter(3, "E3")}
    parsed = iv.parse_csv(
        csv_bytes(
            "E1,2024-03-01T00:00:00+08:00,1500,Wh",
            "E2,2024-03-01T00:00:00+08:00,1.5,kWh",
            "E3,2024-03-01T00:00:00+08:00,0.0015,MWh",
        ),
        ColumnMapping(),
        meters,
        SHANGHAI,
    )
    assert [r[2] for r in rows(parsed)] == pytest.approx([1.5, 1.5, 1.5], rel=1e-12)


def test_meter_unit_applies_when_the_file_has_no_unit_column():
    meters = {"W1": meter(1, "W1", unit="Wh"), "G1": meter(2, "G1", unit="万m3")}
    parsed = iv.parse_csv(
        csv_bytes(
            "W1,2024-03-01T00:00:00+08:00,250",
            "G1,2024-03-01T00:00:00+08:00,0.0002",
            header="meter,timestamp,value",
        ),
        ColumnMapping(),
        meters,
        SHANGHAI,
    )
    assert [r[2] for r in rows(parsed)] == pytest.approx([0.25, 2.0], rel=1e-12)  # kWh, m³


def test_a_unit_of_another_quantity_is_rejected():
    parsed = iv.parse_csv(
        csv_bytes(
            "G1,2024-03-01T00:00:00+08:00,3,kWh",
            "E1,2024-03-01T00:00:00+08:00,3,kW",
            "G1,2024-03-01T00:15:00+08:00,3,",  # empty: the meter's unit (m3)
        ),
        ColumnMapping(),
        METERS,
        SHANGHAI,
    )
    assert problems(parsed) == [(2, "unit", "kWh", "bad_unit"), (3, "unit", "kW", "bad_unit")]
    assert "convertible to m3" in parsed.problems[0].reason
    assert rows(parsed) == [(3, utc(2024, 2, 29, 16, 15), 3.0, None)]


def test_values_with_spaces_and_thousands_separators():
    parsed = iv.parse_csv(
        csv_bytes(
            'E1,2024-03-01T00:00:00+08:00," 1,234.5 ",kWh',
            "E1,2024-03-01T00:15:00+08:00,nan,kWh",
            "E1,2024-03-01T00:30:00+08:00,,kWh",
        ),
        ColumnMapping(),
        METERS,
        SHANGHAI,
    )
    assert rows(parsed)[0][2] == 1234.5
    assert [p[3] for p in problems(parsed)] == ["bad_value", "bad_value"]


# --- counters ----------------------------------------------------------------------------------


def test_rollover_versus_reset():
    # A 5-digit register with one decimal shows 0.0 … 99,999.9 and wraps at 100,000.0.
    meters = {
        "R1": meter(1, "R1", "counter", rollover_at=100_000.0),
        "R2": meter(2, "R2", "counter", rollover_at=100_000.0),
        "N1": meter(3, "N1", "counter"),  # no rollover declared
    }
    previous = {
        1: (utc(2024, 2, 29, 15, 30), 99_999.0),
        2: (utc(2024, 2, 29, 15, 30), 50_000.0),
        3: (utc(2024, 2, 29, 15, 30), 99_999.0),
    }
    parsed = iv.parse_csv(
        csv_bytes(
            "R1,2024-03-01T00:00:00+08:00,0.5",  # wrapped: 100000 − 99999 + 0.5 = 1.5
            "R1,2024-03-01T00:15:00+08:00,2.0",  # 1.5
            "R2,2024-03-01T00:00:00+08:00,10.0",  # 50000 → 10: far from the top, a reset
            "R2,2024-03-01T00:15:00+08:00,12.5",  # counted from the reset reading: 2.5
            "N1,2024-03-01T00:00:00+08:00,0.5",  # no rollover_at: a reset
            header="meter,timestamp,value",
        ),
        ColumnMapping(),
        meters,
        SHANGHAI,
        previous=previous,
    )
    assert problems(parsed) == [
        (4, "value", "10.0", "counter_reset"),
        (6, "value", "0.5", "counter_reset"),
    ]
    assert [r[0] for r in rows(parsed)] == [1, 1, 2]
    assert [r[2] for r in rows(parsed)] == pytest.approx([1.5, 1.5, 2.5], abs=1e-9)


def test_rollover_at_the_display_maximum_undercounts_one_step():
    meters = {"R1": meter(1, "R1", "counter", rollover_at=99_999.9)}
    parsed = iv.parse_csv(
        csv_bytes("R1,2024-03-01T00:00:00+08:00,0.5", header="meter,timestamp,value"),
        ColumnMapping(),
        meters,
        SHANGHAI,
        previous={1: (utc(2024, 2, 29, 15, 30), 99_999.0)},
    )
    assert rows(parsed)[0][2] == pytest.approx(1.4, abs=1e-9)  # 99,999.9 − 99,999.0 + 0.5


def test_counters_in_wh_give_kwh_and_order_by_time_not_by_file():
    meters = {"C1": meter(1, "C1", "counter", unit="Wh")}
    parsed = iv.parse_csv(
        csv_bytes(
            "C1,2024-03-01T00:30:00+08:00,3000",
            "C1,2024-03-01T00:15:00+08:00,1000",
            "C1,2024-03-01T00:45:00+08:00,3500",
            header="meter,timestamp,value",
        ),
        ColumnMapping(),
        meters,
        SHANGHAI,
    )
    assert [(r[2], r[3]) for r in rows(parsed)] == [(None, 1.0), (2.0, 3.0), (0.5, 3.5)]


# --- vendor formats ----------------------------------------------------------------------------


def test_xlsx_with_a_vendor_mapping_and_chinese_headers():
    wb = Workbook()
    ws = wb.active
    ws.append(["东平社区 15分钟电量导出"])  # a title row above the header
    ws.append(["表号", "时间", "电量(kWh)", "备注"])
    ws.append(["E1", dt.datetime(2024, 3, 1, 0, 0), 1.5, ""])
    ws.append(["E1", dt.datetime(2024, 3, 1, 0, 14, 59, 999_000), 1.25, "Excel float time"])
    ws.append([None, None, None, None])  # blank row: skipped, still counted
    ws.append(["E9", dt.datetime(2024, 3, 1, 0, 30), 2, ""])
    ws.append(["E1", "2024-03-01 00:45", "-1", ""])
    out = io.BytesIO()
    wb.save(out)
    mapping = ColumnMapping(
        meter="表号", timestamp="时间", value="电量(kWh)", unit=None, value_unit="kWh", header_row=2
    )
    parsed = iv.parse_xlsx(out.getvalue(), mapping, METERS, SHANGHAI)
    assert parsed.rows_in == 4
    assert rows(parsed) == [
        (1, utc(2024, 2, 29, 16, 0), 1.5, None),
        (1, utc(2024, 2, 29, 16, 15), 1.25, None),
    ]
    assert problems(parsed) == [
        (6, "表号", "E9", "unknown_meter"),
        (7, "电量(kWh)", "-1", "negative"),
    ]


def test_gb18030_csv_with_chinese_headers_and_blank_lines_keep_row_numbers():
    text = "表号,时间,电量\r\nE1,2024-03-01 00:00,1.5\r\n\r\nE1,2024-03-01 00:15,-2\r\n"
    mapping = ColumnMapping(meter="表号", timestamp="时间", value="电量", unit=None)
    parsed = iv.parse_csv(text.encode("gb18030"), mapping, METERS, SHANGHAI)
    assert problems(parsed) == [(4, "电量", "-2", "negative")]
    assert rows(parsed) == [(1, utc(2024, 2, 29, 16, 0), 1.5, None)]


def test_utf8_bom_and_header_case_are_tolerated():
    content = "\ufeffMeter , Timestamp,VALUE\nE1,2024-03-01T00:00:00+08:00,1\n".encode()
    parsed = iv.parse_csv(content, ColumnMapping(), METERS, SHANGHAI)
    assert parsed.accepted == 1


def test_json_records_from_a_gateway():
    records = [
        {"meter": "E1", "timestamp": "2024-03-01T00:00:00+08:00", "value": 1.5, "unit": "kWh"},
        {"meter": "E1", "timestamp": "2024-03-01T00:15:00+08:00", "value": "1500", "unit": "Wh"},
        {"meter": "E1", "timestamp": "2024-03-01T00:30:00+08:00"},  # no value
        {},
    ]
    parsed = iv.parse_records(records, ColumnMapping(), METERS, SHANGHAI)
    assert [r[2] for r in rows(parsed)] == [1.5, 1.5]
    assert problems(parsed) == [(3, "value", "", "bad_value"), (4, "meter", "", "unknown_meter")]


def test_file_errors_name_the_problem():
    with pytest.raises(iv.IntervalFileError) as missing:
        iv.parse_csv(b"meter,time,value\nE1,x,1\n", ColumnMapping(), METERS, SHANGHAI)
    assert missing.value.code == "missing_columns"
    assert "timestamp" in str(missing.value)
    with pytest.raises(iv.IntervalFileError) as broken:
        iv.parse_csv(csv_bytes("E1,2024-03-01T00:00:00+08:00,1"), ColumnMapping(), METERS, SHANGHAI)
    assert broken.value.code == "bad_csv"
    with pytest.raises(iv.IntervalFileError) as xlsx:
        iv.parse_xlsx(b"not a workbook", ColumnMapping(), METERS, SHANGHAI)
    assert xlsx.value.code == "bad_xlsx"


def test_reading_schema_and_sort_order():
    parsed = iv.parse_csv(
        csv_bytes(
            "G1,2024-03-01T00:15:00+08:00,1,m3",
            "E1,2024-03-01T00:15:00+08:00,1,kWh",
            "E1,2024-03-01T00:00:00+08:00,1,kWh",
        ),
        ColumnMapping(),
        METERS,
        SHANGHAI,
    )
    assert parsed.table.schema == iv.READING_SCHEMA
    keys = [(r[0], r[1]) for r in rows(parsed)]
    assert keys == sorted(keys)


def test_a_large_file_is_parsed_without_a_python_loop_per_row():
    n_meters, per_meter = 200, 96 * 7
    meters = {f"M{i}": meter(i, f"M{i}") for i in range(n_meters)}
    start = np.datetime64("2024-03-01T00:00")
    stamps = np.datetime_as_string(start + np.arange(per_meter) * np.timedelta64(15, "m"))
    lines = [f"M{m},{t},0.25" for m in range(n_meters) for t in stamps]
    parsed = iv.parse_csv(
        csv_bytes(*lines, header="meter,timestamp,value"), ColumnMapping(), meters, SHANGHAI
    )
    assert parsed.accepted == n_meters * per_meter
    assert pa.compute.sum(parsed.table["value"]).as_py() == pytest.approx(
        0.25 * n_meters * per_meter
    )


def test_a_zoned_column_with_fractions_and_one_bad_row_is_read_row_by_row():
    parsed = iv.parse_csv(
        csv_bytes(
            "E1,2024-03-01T00:15:00.000+08:00,1",
            "E1,garbage,1",
            "E1,2024-03-01T00:30:00+0800,1",
            header="meter,timestamp,value",
        ),
        ColumnMapping(),
        METERS,
        SHANGHAI,
    )
    assert problems(parsed) == [(3, "timestamp", "garbage", "bad_timestamp")]
    assert [r[1] for r in rows(parsed)] == [utc(2024, 2, 29, 16, 15), utc(2024, 2, 29, 16, 30)]
