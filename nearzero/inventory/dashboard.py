"""The carbon tiles of the community dashboard: the latest inventory's real values."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nearzero.web.dashboard import Chart, Panel, Tile

from . import selectors
from .models import Inventory


def panel(community) -> Panel:
    inventories = list(
        Inventory.objects.filter(community=community)
        .select_related("factor_set", "community")
        .order_by("year")
    )
    if not inventories:
        return Panel(
            tiles=[Tile("gross", _("gross emissions"), "—", "tCO2e", note=_("no inventory yet"))]
        )
    recent = inventories[-6:]
    computed_all = selectors.compute_many(recent)
    latest = recent[-1]
    computed = computed_all[latest.pk]
    result = computed.result
    base, decomposition = selectors.year_on_year(
        computed, computed_all[recent[-2].pk] if len(recent) > 1 else None
    )
    change = f"{decomposition.change_pct:+.1f}%" if decomposition.change_pct is not None else "—"
    tiles = [
        Tile(
            "gross",
            _("gross emissions %(year)s") % {"year": latest.year},
            f"{result.gross_tco2e:,.0f}",
            "tCO2e",
            note=_("net %(net)s tCO2e") % {"net": f"{result.net_tco2e:,.0f}"},
        ),
        Tile(
            "per_resident",
            _("per resident"),
            f"{result.intensity_tco2e_per_resident:.2f}"
            if result.intensity_tco2e_per_resident is not None
            else "—",
            "tCO2e",
        ),
        Tile(
            "yoy",
            _("change against %(year)s") % {"year": base.year}
            if base
            else _("change against the previous year"),
            change,
            note=selectors.yoy_sentence(base, decomposition) if base else "",
        ),
    ]
    trend = []
    for inventory in recent:
        r = computed_all[inventory.pk].result
        trend.append((str(inventory.year), round(r.gross_tco2e, 1), round(r.net_tco2e, 1)))
    charts = [
        Chart(
            "inventory_trend",
            _("Emissions by year (tCO2e)"),
            {
                "legend": {"data": [str(_("gross")), str(_("net"))]},
                "xAxis": {"type": "category", "data": [t[0] for t in trend]},
                "yAxis": {"type": "value"},
                "series": [
                    {"name": str(_("gross")), "type": "bar", "data": [t[1] for t in trend]},
                    {"name": str(_("net")), "type": "bar", "data": [t[2] for t in trend]},
                ],
            },
        )
    ]
    return Panel(tiles=tiles, charts=charts)
