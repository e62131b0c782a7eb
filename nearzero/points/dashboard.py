"""Carbon points on the community dashboard: points outstanding, redemptions, the fund."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nearzero.web.dashboard import Panel, Tile

from . import selectors


def panel(community) -> Panel:
    totals = selectors.totals(community)
    if not totals["accounts"]:
        return Panel()
    return Panel(
        tiles=[
            Tile(
                "pts_outstanding",
                _("carbon points held by residents"),
                f"{totals['outstanding']:,}",
                _("points"),
                note=_("residents with an account: %(n)s") % {"n": f"{totals['accounts']:,}"},
            ),
            Tile(
                "pts_redeemed",
                _("points redeemed for rewards"),
                f"{totals['redeemed']:,}",
                _("points"),
                note=_("rewards handed over: %(n)s") % {"n": f"{totals['collected']:,}"},
            ),
            Tile(
                "pts_fund",
                _("low-carbon fund pool"),
                f"{totals['fund_fen'] / 100:,.2f}",
                _("yuan"),
            ),
        ]
    )
