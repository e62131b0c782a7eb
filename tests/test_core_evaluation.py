"""nearzero.core.evaluation without a database: standards as YAML (every complaint names the
file and the line), and scoring worked by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from nearzero.core.evaluation import StandardError, Value, evaluate, parse
from nearzero.core.evaluation.score import FAIL, INCOMPLETE, MISSING, NO_EVIDENCE, PASS

SHIPPED = Path(__file__).resolve().parent.parent / "nearzero" / "evaluation" / "standards"
MEASURES = {"inventory": ["reduction_vs_baseline_pct"], "circle": ["coverage_pct"]}

SMALL = textwrap.dedent(
    """\
    id: small
    version: "1"
    name: {zh: 小标准, en: Small standard}
    pass_score_pct: 60
    indicators:
      - id: reduction
        name: {zh: 下降率, en: Reduction}
        unit: "%"
        threshold: {new_urban: 20, existing_urban: 10, rural: 8}
        weight: 50
        required: true
        source: {domain: inventory, measure: reduction_vs_baseline_pct}
      - id: coverage
        name: {zh: 覆盖率}
        unit: "%"
        threshold: 90
        weight: 30
        source: {domain: circle, measure: coverage_pct}
      - id: change
        name: {zh: 总量变化}
        unit: "%"
        direction: lower
        threshold: 0
        strict: true
        weight: 10
        applies_to: [existing_urban, rural]
        source: {domain: inventory, measure: reduction_vs_baseline_pct}
      - id: meeting
        name: {zh: 三方会议}
        kind: boolean
        weight: 10
        source: {manual: true, evidence: required}
    """
)


def test_shipped_standards_parse_with_their_indicators():
    found = {}
    for path in sorted(SHIPPED.glob("*.yaml")):
        standard = parse(path.read_bytes(), path.name)
        found[standard.id] = standard
    assert set(found) >= {"ndrc-2015", "chengdu-2022", "nearzero-default"}
    ndrc = found["ndrc-2015"].indicator("carbon_reduction")
    # NDRC 2015 (发改办气候[2015]362号): 20% / 10% / 8% for the three community types.
    assert ndrc.thresholds == {"new_urban": 20.0, "existing_urban": 10.0, "rural": 8.0}
    waste = found["ndrc-2015"].indicator("waste_sorting_rate")
    assert (waste.threshold_for("rural"), waste.source.manual, waste.source.evidence_required) == (
        30.0,
        True,
        True,
    )
    chengdu = found["chengdu-2022"].indicator("intensity_falls")
    assert (chengdu.direction, chengdu.threshold_for("rural"), chengdu.strict) == ("lower", 0, True)


def test_small_standard_reads_every_field():
    s = parse(SMALL, "small.yaml", measures=MEASURES)
    assert [i.id for i in s.indicators] == ["reduction", "coverage", "change", "meeting"]
    assert s.indicator("coverage").thresholds == dict.fromkeys(s.community_types, 90.0)
    assert s.indicator("change").applies("new_urban") is False
    assert s.indicator("meeting").thresholds is None
    assert s.indicator("coverage").name.get("en") == "覆盖率"  # no English: falls back to Chinese
    assert s.indicator("reduction").line == 6


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("id: x\nversion: '1'\nname: {zh: 甲\n", 4, "not valid YAML"),
        ("", None, "the file is empty"),
        (SMALL.replace("weight: 30", "wieght: 30"), 17, "unknown key 'wieght'"),
        (SMALL.replace("    threshold: 90\n", ""), 13, "needs 'threshold'"),
        (SMALL.replace("threshold: 90", "threshold: ninety"), 16, "must be a number"),
        (SMALL.replace("measure: coverage_pct", "measure: coverage"), 18, "unknown circle measure"),
        (SMALL.replace("id: coverage", "id: reduction"), 13, "appears twice"),
        (SMALL.replace("rural: 8}", "rural: 8, city: 5}"), 9, "unknown key 'city'"),
        (SMALL.replace("[existing_urban, rural]", "[existing_urban, town]"), 26, "must be one of"),
        (SMALL.replace("pass_score_pct: 60", "pass_score_pct: 160"), 4, "within 0–100"),
        (SMALL.replace("kind: boolean", "kind: boolean\n    threshold: 1"), 31, "no threshold"),
        (SMALL.replace("id: small", "id: Small Standard"), 1, "lower-case"),
        (
            SMALL.replace("source: {manual: true, evidence: required}", "source: {}"),
            32,
            "needs 'domain'",
        ),
    ],
)
def test_malformed_standards_name_file_line_and_reason(text, line, reason):
    with pytest.raises(StandardError) as caught:
        parse(text, "mine.yaml", measures=MEASURES)
    err = caught.value
    assert err.file == "mine.yaml"
    assert err.line == line, str(err)
    assert reason in err.reason, str(err)
    assert str(err).startswith(f"mine.yaml:{line}: " if line else "mine.yaml: ")


def test_non_utf8_file_is_refused():
    with pytest.raises(StandardError, match="not UTF-8"):
        parse(SMALL.encode("gb18030"), "gbk.yaml")


def _values(**kw) -> dict[str, Value]:
    return {k: v if isinstance(v, Value) else Value(v, "test") for k, v in kw.items()}


def test_scoring_by_hand_existing_urban():
    s = parse(SMALL, "small.yaml", measures=MEASURES)
    # existing urban: reduction 12 ≥ 10 passes (50); coverage 85 < 90 fails (0); change −1 < 0
    # passes (10); the meeting is true but has no evidence (0). Score 60 of 100.
    values = _values(reduction=12.0, coverage=85.0, change=-1.0, meeting=True)
    result = evaluate(s, "existing_urban", 2024, values)
    status = {r.id: r.status for r in result.indicators}
    assert status == {"reduction": PASS, "coverage": FAIL, "change": PASS, "meeting": NO_EVIDENCE}
    assert (result.points, result.max_points, result.score_pct) == (60.0, 100.0, 60.0)
    assert result.result == PASS  # no required failure, 60 ≥ 60
    assert [r.id for r in result.gaps] == ["coverage", "meeting"]
    assert result.counts()[PASS] == 2


def test_strict_threshold_and_not_applicable():
    s = parse(SMALL, "small.yaml", measures=MEASURES)
    values = _values(
        reduction=20.0, coverage=90.0, change=0.0, meeting=Value(True, "manual", "", 1)
    )
    new = evaluate(s, "new_urban", 2024, values)
    by_id = {r.id: r for r in new.indicators}
    assert by_id["reduction"].status == PASS  # 20 ≥ 20: reaching the threshold is enough
    assert by_id["change"].status == "not_applicable"
    assert (new.max_points, new.score_pct) == (90.0, 100.0)
    rural = evaluate(s, "rural", 2024, values)
    change = {r.id: r for r in rural.indicators}["change"]
    assert change.status == FAIL  # strict: 0 is not below 0
    assert (change.comparison, change.failed_comparison) == ("<", "≥")


def test_required_failure_fails_and_required_missing_is_incomplete():
    s = parse(SMALL, "small.yaml", measures=MEASURES)
    full = _values(coverage=95.0, change=-2.0, meeting=Value(True, "manual", "", 2))
    failed = evaluate(s, "rural", 2024, {**full, **_values(reduction=7.9)})
    assert failed.result == FAIL and failed.score_pct == 50.0
    missing = evaluate(s, "rural", 2024, full)
    assert missing.result == INCOMPLETE
    assert {r.id: r.status for r in missing.indicators}["reduction"] == MISSING
    assert missing.gaps[0].id == "reduction"


def test_below_pass_score_fails_without_required_failures():
    s = parse(SMALL, "small.yaml", measures=MEASURES)
    values = _values(reduction=9.0, coverage=80.0, change=1.0, meeting=False)
    result = evaluate(s, "rural", 2024, {**values, "meeting": Value(False, "manual", "", 1)})
    # reduction 9 ≥ 8 passes (50 of 100) — below the 60 needed.
    assert (result.score_pct, result.result) == (50.0, FAIL)
