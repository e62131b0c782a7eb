"""The circle on the community dashboard: share of residents within the walking threshold."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nearzero.web.dashboard import Panel, Tile

from . import selectors


def panel(community) -> Panel:
    found = selectors.summary(community)
    if found is None:
        return Panel()
    return Panel(
        tiles=[
            Tile(
                "circle_coverage",
                _("residents within a 15-minute walk of a site"),
                f"{found['coverage_pct']:.1f}",
                "%",
                note=_("%(covered)s of %(total)s residents; %(sites)s sites within %(m)s m")
                % {
                    "covered": f"{found['covered_residents']:,}",
                    "total": f"{found['total_residents']:,}",
                    "sites": found["sites_count"],
                    "m": f"{found['max_walk_m']:,.0f}",
                },
            )
        ]
    )
