"""ECharts options for the energy pages (plain data; drawn by static/nearzero/charts.js)."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

GREEN, BLUE, ORANGE = "#1f7a4d", "#3b82c4", "#c2410c"


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 2)


def meter_charts(data) -> list[dict]:
    unit = "kWh"
    daily = data.daily
    monthly = data.monthly
    times = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45)]
    days = len({d for d, _h, _v in data.heat}) if data.heat else 0
    heat_max = max((v for _d, _h, v in data.heat), default=1) or 1
    first_day = daily["day"].iloc[0] if len(daily) else None
    day_labels = [str(d) for d in daily["day"]][:days] if first_day is not None else []
    return [
        {
            "key": "daily",
            "title": _("Energy per day (%(unit)s)") % {"unit": unit},
            "option": {
                "tooltip": {"trigger": "axis"},
                "xAxis": {"type": "category", "data": [str(d) for d in daily["day"]]},
                "yAxis": {"type": "value"},
                "dataZoom": [{"type": "inside"}],
                "series": [
                    {
                        "type": "bar",
                        "data": [_num(v) for v in daily["kwh"]],
                        "itemStyle": {"color": GREEN},
                    }
                ],
            },
        },
        {
            "key": "monthly",
            "title": _("Energy per month (%(unit)s)") % {"unit": unit},
            "option": {
                "tooltip": {"trigger": "axis"},
                "xAxis": {"type": "category", "data": [str(m)[5:7] for m in monthly["month"]]},
                "yAxis": {"type": "value"},
                "series": [
                    {
                        "type": "bar",
                        "data": [_num(v) for v in monthly["kwh"]],
                        "itemStyle": {"color": BLUE},
                    }
                ],
            },
        },
        {
            "key": "profile",
            "title": _("Average day, per 15 minutes (kWh)"),
            "option": {
                "tooltip": {"trigger": "axis"},
                "xAxis": {"type": "category", "data": times},
                "yAxis": {"type": "value"},
                "series": [
                    {
                        "type": "line",
                        "data": data.profile_kwh,
                        "smooth": True,
                        "areaStyle": {},
                        "itemStyle": {"color": ORANGE},
                        "symbol": "none",
                    }
                ],
            },
        },
        {
            "key": "heat",
            "title": _("Hour by day (kWh)"),
            "option": {
                "tooltip": {"position": "top"},
                "grid": {"left": 40, "right": 16, "top": 16, "bottom": 60},
                "xAxis": {"type": "category", "data": day_labels, "splitArea": {"show": False}},
                "yAxis": {"type": "category", "data": [f"{h:02d}" for h in range(24)]},
                "visualMap": {
                    "min": 0,
                    "max": round(heat_max, 2),
                    "calculable": True,
                    "orient": "horizontal",
                    "left": "center",
                    "bottom": 0,
                    "inRange": {"color": ["#f3f7f4", "#9fd3b5", GREEN, "#0b3d26"]},
                },
                "series": [{"type": "heatmap", "data": data.heat, "progressive": 2000}],
            },
        },
    ]


def pv_charts(systems) -> list[dict]:
    out = []
    for status in systems:
        report = status.report
        if report is None:
            continue
        monthly = report.monthly
        out.append(
            {
                "key": f"pv-{status.system.pk}",
                "title": _("%(name)s: expected and actual (kWh)") % {"name": status.system.name},
                "option": {
                    "tooltip": {"trigger": "axis"},
                    "legend": {"data": [_("expected"), _("actual")], "bottom": 0},
                    "grid": {"bottom": 56},
                    "xAxis": {"type": "category", "data": [str(i)[5:7] for i in monthly.index]},
                    "yAxis": {"type": "value"},
                    "series": [
                        {
                            "name": _("expected"),
                            "type": "bar",
                            "itemStyle": {"color": "#9aa5a0"},
                            "data": [_num(v) for v in monthly["expected_kwh"]],
                        },
                        {
                            "name": _("actual"),
                            "type": "bar",
                            "itemStyle": {"color": GREEN},
                            "data": [_num(v) for v in monthly["actual_kwh"]],
                        },
                    ],
                },
            }
        )
    return out
