"""Renewables on the community dashboard."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nearzero.web.dashboard import Panel, Tile

from .selectors import capacity


def panel(community) -> Panel:
    cap = capacity(community)
    tiles = []
    if cap["pv_systems"]:
        tiles.append(
            Tile(
                "pv_kwp",
                _("rooftop PV"),
                f"{cap['pv_kwp']:,.0f}",
                "kWp",
                note=_("%(n)s systems") % {"n": cap["pv_systems"]},
            )
        )
    if cap["other_renewables"]:
        tiles.append(
            Tile(
                "other_renewables",
                _("other renewables"),
                f"{cap['other_mwh_per_yr']:,.0f}",
                "MWh/yr",
            )
        )
    return Panel(tiles=tiles)
