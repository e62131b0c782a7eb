"""Year-on-year change and its exact split into an activity effect and a factor effect.

For each line *i* (an activity type), emissions are activity × effective factor,
E_i = A_i · F_i. The additive LMDI-I decomposition (Ang 2004) gives

    ΔE = Σ_i L(E1_i, E0_i) · ln(A1_i / A0_i)  +  Σ_i L(E1_i, E0_i) · ln(F1_i / F0_i)
         └──────────── activity effect ───────┘  └──────────── factor effect ─────┘

with the logarithmic mean L(a, b) = (a − b) / (ln a − ln b), L(a, a) = a. The two parts sum
to ΔE exactly. A line present in one year only has its whole change in the activity effect
(the limit of LMDI as the missing value tends to zero; Ang & Liu 2007).

Percentages are of the base year's total, so the two effects' points add up to the total
change in percent. A base total of zero or no base inventory gives ``no_base``: no
percentage is computed, never an infinity.

References
----------
B. W. Ang (2004). Decomposition analysis for policymaking in energy: which is the preferred
method? Energy Policy 32(9), 1131–1139. doi:10.1016/S0301-4215(03)00076-4
B. W. Ang, N. Liu (2007). Handling zero values in the logarithmic mean Divisia index
decomposition approach. Energy Policy 35(1), 238–246. doi:10.1016/j.enpol.2005.11.001
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field


def log_mean(a: float, b: float) -> float:
    """Logarithmic mean L(a, b) of two positive numbers; L(a, a) = a."""
    if a <= 0 or b <= 0:
        raise ValueError("the logarithmic mean needs two positive numbers")
    if math.isclose(a, b, rel_tol=1e-12):
        return a
    return (a - b) / (math.log(a) - math.log(b))


@dataclass(frozen=True)
class LineEffect:
    key: str
    base_activity: float
    current_activity: float
    base_tco2e: float
    current_tco2e: float
    activity_effect: float
    factor_effect: float


@dataclass
class Decomposition:
    no_base: bool
    base_tco2e: float
    current_tco2e: float
    change_tco2e: float
    change_pct: float | None
    activity_effect_tco2e: float
    factor_effect_tco2e: float
    activity_effect_pct: float | None
    factor_effect_pct: float | None
    #: The current year's emissions at the base year's factors, and the change at constant
    #: factors ("as reported" is change_pct).
    current_at_base_factors_tco2e: float
    change_pct_constant_factors: float | None
    lines: list[LineEffect] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def largest(self, effect: str) -> LineEffect | None:
        """The line contributing most (by magnitude) to ``activity`` or ``factor`` effect."""
        attr = f"{effect}_effect"
        lines = [ln for ln in self.lines if getattr(ln, attr)]
        return max(lines, key=lambda ln: abs(getattr(ln, attr)), default=None)


def decompose(
    base: Mapping[str, tuple[float, float]] | None,
    current: Mapping[str, tuple[float, float]],
) -> Decomposition:
    """Split the change between two years. Each mapping: line key → (activity, tCO2e).

    ``base`` None means there is no earlier inventory.
    """
    current_total = sum(e for _a, e in current.values())
    if base is None:
        return Decomposition(
            True, 0.0, current_total, 0.0, None, 0.0, 0.0, None, None, current_total, None, []
        )
    base_total = sum(e for _a, e in base.values())
    lines: list[LineEffect] = []
    constant = 0.0
    for key in sorted(set(base) | set(current)):
        a0, e0 = base.get(key, (0.0, 0.0))
        a1, e1 = current.get(key, (0.0, 0.0))
        if e0 > 0 and e1 > 0 and a0 > 0 and a1 > 0:
            weight = log_mean(e1, e0)
            act = weight * math.log(a1 / a0)
            fac = weight * math.log((e1 / a1) / (e0 / a0))
            constant += a1 * (e0 / a0)
        else:
            # Present (or emitting) in one year only: all of its change is activity.
            act, fac = e1 - e0, 0.0
            constant += e1 if e0 <= 0 or a0 <= 0 else 0.0
        lines.append(LineEffect(key, a0, a1, e0, e1, act, fac))
    activity = sum(ln.activity_effect for ln in lines)
    factor = sum(ln.factor_effect for ln in lines)
    change = current_total - base_total
    if base_total <= 0:
        return Decomposition(
            True,
            base_total,
            current_total,
            change,
            None,
            activity,
            factor,
            None,
            None,
            constant,
            None,
            lines,
        )
    pct = 100.0 / base_total
    return Decomposition(
        no_base=False,
        base_tco2e=base_total,
        current_tco2e=current_total,
        change_tco2e=change,
        change_pct=change * pct,
        activity_effect_tco2e=activity,
        factor_effect_tco2e=factor,
        activity_effect_pct=activity * pct,
        factor_effect_pct=factor * pct,
        current_at_base_factors_tco2e=constant,
        change_pct_constant_factors=(constant - base_total) * pct,
        lines=lines,
    )
