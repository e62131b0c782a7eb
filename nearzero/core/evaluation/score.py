"""Scoring a community against a standard: each indicator's status, the score, the gaps and
the overall result.

Rules (``docs/standards.md``):

- An indicator **passes** when its value reaches the threshold in the better direction
  (``higher``: value ≥ threshold; ``lower``: value ≤ threshold; ``strict``: > or <). A yes/no
  indicator passes when true.
- It is **missing** without a value, and **no evidence** when its source asks for evidence
  and none is attached; both count as not passed.
- It is **not applicable** when the standard does not set it for the community's type.
- The score is the weight of the passed indicators over the weight of the applicable ones.
- The overall result is ``fail`` if a required indicator fails; else ``incomplete`` if a
  required indicator is missing a value or evidence; else ``pass`` when the score reaches the
  standard's ``pass_score_pct``, ``fail`` when it does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from .standard import Indicator, Standard

PASS, FAIL, MISSING, NO_EVIDENCE, NOT_APPLICABLE = (
    "pass",
    "fail",
    "missing",
    "no_evidence",
    "not_applicable",
)
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Value:
    """A measured or entered value, with where it came from."""

    value: float | bool | None
    source: str  # "circle.coverage_pct", "manual"
    detail: str = ""  # e.g. "2024 vs baseline 2023"
    evidence_count: int = 0


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    name_zh: str
    name_en: str
    unit: str
    kind: str
    direction: str
    threshold: float | None
    strict: bool
    weight: float
    required: bool
    value: float | bool | None
    source: str
    detail: str
    evidence_required: bool
    evidence_count: int
    status: str
    points: float
    group_zh: str = ""
    group_en: str = ""
    reference: str = ""

    @property
    def comparison(self) -> str:
        """The sign a passing value keeps to the threshold: ≥, >, ≤ or <."""
        if self.direction == "higher":
            return ">" if self.strict else "≥"
        return "<" if self.strict else "≤"

    @property
    def failed_comparison(self) -> str:
        """The sign the value shows against the threshold when it fails."""
        if self.direction == "higher":
            return "≤" if self.strict else "<"
        return "≥" if self.strict else ">"


@dataclass(frozen=True)
class Evaluation:
    standard_id: str
    standard_version: str
    community_type: str
    period: int
    indicators: list[IndicatorResult] = field(default_factory=list)
    points: float = 0.0
    max_points: float = 0.0
    score_pct: float | None = None
    pass_score_pct: float = 0.0
    result: str = INCOMPLETE

    @property
    def gaps(self) -> list[IndicatorResult]:
        """Applicable indicators that did not pass: failures first, then missing ones."""
        order = {FAIL: 0, NO_EVIDENCE: 1, MISSING: 2}
        rows = [r for r in self.indicators if r.status in order]
        return sorted(rows, key=lambda r: (order[r.status], not r.required))

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys((PASS, FAIL, MISSING, NO_EVIDENCE, NOT_APPLICABLE), 0)
        for r in self.indicators:
            out[r.status] += 1
        return out

    def to_dict(self) -> dict:
        data = asdict(self)
        data["counts"] = self.counts()
        return data


def passes(indicator: Indicator, value: float | bool, threshold: float | None) -> bool:
    if indicator.kind == "boolean":
        return bool(value)
    assert threshold is not None
    v = float(value)
    if indicator.direction == "higher":
        return v > threshold if indicator.strict else v >= threshold
    return v < threshold if indicator.strict else v <= threshold


def evaluate(
    standard: Standard, community_type: str, period: int, values: Mapping[str, Value]
) -> Evaluation:
    """Score ``values`` (indicator id → :class:`Value`) against ``standard``."""
    results: list[IndicatorResult] = []
    points = max_points = 0.0
    required_fail = required_open = False
    for ind in standard.indicators:
        got = values.get(ind.id) or Value(None, ind.source.key)
        threshold = ind.threshold_for(community_type)
        if not ind.applies(community_type):
            status = NOT_APPLICABLE
        elif got.value is None:
            status = MISSING
        elif ind.source.evidence_required and got.evidence_count == 0:
            status = NO_EVIDENCE
        else:
            status = PASS if passes(ind, got.value, threshold) else FAIL
        earned = ind.weight if status == PASS else 0.0
        if status != NOT_APPLICABLE:
            max_points += ind.weight
            points += earned
            if ind.required and status == FAIL:
                required_fail = True
            elif ind.required and status in (MISSING, NO_EVIDENCE):
                required_open = True
        value = got.value
        if isinstance(value, float):
            value = round(value, 4)
        results.append(
            IndicatorResult(
                id=ind.id,
                name_zh=ind.name.zh,
                name_en=ind.name.en,
                unit=ind.unit,
                kind=ind.kind,
                direction=ind.direction,
                threshold=threshold,
                strict=ind.strict,
                weight=ind.weight,
                required=ind.required,
                value=value,
                source=got.source,
                detail=got.detail,
                evidence_required=ind.source.evidence_required,
                evidence_count=got.evidence_count,
                status=status,
                points=earned,
                group_zh=ind.group.zh if ind.group else "",
                group_en=ind.group.en if ind.group else "",
                reference=ind.reference,
            )
        )
    score_pct = 100.0 * points / max_points if max_points else None
    if required_fail:
        result = FAIL
    elif required_open or score_pct is None:
        result = INCOMPLETE
    else:
        result = PASS if score_pct >= standard.pass_score_pct - 1e-9 else FAIL
    return Evaluation(
        standard_id=standard.id,
        standard_version=standard.version,
        community_type=community_type,
        period=period,
        indicators=results,
        points=points,
        max_points=max_points,
        score_pct=None if score_pct is None else round(score_pct, 2),
        pass_score_pct=standard.pass_score_pct,
        result=result,
    )
