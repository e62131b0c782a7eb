"""ECharts options for the inventory page (plain data; drawn by static/nearzero/charts.js)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from nearzero.core.ghg.calc import InventoryResult
from nearzero.core.ghg.yoy import Decomposition

from .choices import Category

GREEN, BLUE, ORANGE, PURPLE, GREY, RED = (
    "#1f7a4d",
    "#3b82c4",
    "#c2410c",
    "#7c5cbf",
    "#9aa5a0",
    "#b3541e",
)
CATEGORY_COLOURS = ["#1f7a4d", "#3b82c4", "#c2410c", "#a16207", "#7c5cbf", "#0f766e"]


def _r(x: float) -> float:
    return round(x, 2)


def category_by_month(monthly: dict[str, dict[str, float]]) -> dict:
    """Stacked bars: months on x, one series per community category."""
    months = [f"{m:02d}" for m in range(1, 13)]
    has_year = any("year" in by for by in monthly.values())
    axis = [*months, "year"] if has_year else months
    labels = (
        [*(str(m) for m in range(1, 13)), _("whole year")]
        if has_year
        else [str(m) for m in range(1, 13)]
    )
    return {
        "legend": {"type": "scroll", "bottom": 0},
        "tooltip": {"trigger": "axis"},
        "grid": {"bottom": 48},
        "color": CATEGORY_COLOURS,
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "name": "tCO2e"},
        "series": [
            {
                "name": str(label),
                "type": "bar",
                "stack": "total",
                "data": [_r(monthly.get(code, {}).get(m, 0.0)) for m in axis],
            }
            for code, label in Category.choices
            if any(monthly.get(code, {}).values())
        ],
    }


def scope_donut(result: InventoryResult) -> dict:
    names = {"1": _("scope 1"), "2": _("scope 2"), "3": _("scope 3")}
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "color": [GREEN, BLUE, ORANGE],
        "series": [
            {
                "type": "pie",
                "radius": ["45%", "70%"],
                "avoidLabelOverlap": True,
                "label": {"formatter": "{b}\n{d}%"},
                "data": [
                    {"name": str(names[k]), "value": _r(v)} for k, v in result.by_scope.items()
                ],
            }
        ],
    }


def _waterfall(steps: list[tuple[str, float, str]]) -> dict:
    """Bars that float: (label, signed value, kind) with kind 'total' or 'step'."""
    names, helper, visible = [], [], []
    running = 0.0
    for label, value, kind in steps:
        names.append(label)
        if kind == "total":
            running = value
            helper.append(0.0)
            visible.append({"value": _r(value), "itemStyle": {"color": GREEN}})
        else:
            low = min(running, running + value)
            helper.append(_r(low))
            visible.append(
                {"value": _r(abs(value)), "itemStyle": {"color": BLUE if value < 0 else RED}}
            )
            running += value
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "category", "data": names},
        "yAxis": {"type": "value", "name": "tCO2e"},
        "series": [
            {
                "type": "bar",
                "stack": "w",
                "silent": True,
                "itemStyle": {"color": "transparent"},
                "data": helper,
            },
            {
                "type": "bar",
                "stack": "w",
                "data": visible,
                "label": {"show": True, "position": "top"},
            },
        ],
    }


def net_waterfall(result: InventoryResult) -> dict:
    return _waterfall(
        [
            (_("gross"), result.gross_tco2e, "total"),
            (_("sinks"), -result.sinks_tco2e, "step"),
            (_("offsets"), -result.offsets_tco2e, "step"),
            (_("net"), result.net_tco2e, "total"),
        ]
    )


def yoy_waterfall(base_year: int, year: int, d: Decomposition) -> dict:
    return _waterfall(
        [
            (str(base_year), d.base_tco2e, "total"),
            (_("activity effect"), d.activity_effect_tco2e, "step"),
            (_("factor effect"), d.factor_effect_tco2e, "step"),
            (str(year), d.current_tco2e, "total"),
        ]
    )
