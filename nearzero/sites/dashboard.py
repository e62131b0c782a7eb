"""The organisation tree's part of the community dashboard."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nearzero.web.dashboard import Chart, Panel, Tile

from .choices import SiteKind
from .selectors import community_summary


def panel(community) -> Panel:
    summary = community_summary(community)
    kinds = [(str(label), summary.sites_by_kind[value]) for value, label in SiteKind.choices]
    sizes = summary.household_size_histogram
    return Panel(
        tiles=[
            Tile(
                "population",
                _("population"),
                f"{community.population:,}",
                _("persons"),
            ),
            Tile(
                "households",
                _("households"),
                f"{community.households:,}",
            ),
            Tile(
                "residents_registered",
                _("residents registered"),
                f"{summary.residents_registered:,}",
                _("persons"),
                note=_("in %(buildings)s buildings") % {"buildings": summary.buildings},
            ),
            Tile(
                "sites",
                _("service sites"),
                str(summary.sites_total),
                note=" · ".join(f"{label} {n}" for label, n in kinds),
            ),
        ],
        charts=[
            Chart(
                "sites_by_kind",
                _("Service sites by kind"),
                {
                    "xAxis": {"type": "category", "data": [label for label, _n in kinds]},
                    "yAxis": {"type": "value", "minInterval": 1},
                    "series": [{"type": "bar", "data": [n for _label, n in kinds]}],
                },
            ),
            Chart(
                "household_sizes",
                _("Registered households by size (persons)"),
                {
                    "xAxis": {"type": "category", "data": [str(k) for k in sizes]},
                    "yAxis": {"type": "value", "minInterval": 1},
                    "series": [{"type": "bar", "data": list(sizes.values())}],
                },
            ),
        ],
    )
