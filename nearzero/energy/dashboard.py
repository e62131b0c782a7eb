"""Renewables on the community dashboard."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nearzero.web.dashboard import Panel, Tile

from .models import OtherRenewable, PVSystem


def panel(community) -> Panel:
    pv = list(PVSystem.objects.filter(community=community).values_list("kwp", flat=True))
    others = list(
        OtherRenewable.objects.filter(community=community).values_list("annual_kwh", flat=True)
    )
    if not pv and not others:
        return Panel()
    tiles = []
    if pv:
        tiles.append(
            Tile(
                "pv_kwp",
                _("rooftop PV"),
                f"{sum(pv):,.0f}",
                "kWp",
                note=_("%(n)s systems") % {"n": len(pv)},
            )
        )
    if others:
        tiles.append(
            Tile(
                "other_renewables",
                _("other renewables"),
                f"{sum(x or 0 for x in others) / 1000:,.0f}",
                "MWh/yr",
            )
        )
    return Panel(tiles=tiles)
