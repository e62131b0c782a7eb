"""Engagement outcomes on the community dashboard."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from nearzero.web.dashboard import Chart, Panel, Tile

from . import selectors


def panel(community) -> Panel:
    year = selectors.latest_year(community)
    if year is None:
        return Panel()
    data = selectors.summary(community, year)
    k = data.total
    note = _("in %(year)s") % {"year": year}
    tiles = [
        Tile("eng_events", _("events held"), f"{k.events:,}", note=note),
        Tile(
            "eng_participations",
            _("participations"),
            f"{k.participations:,}",
            _("person-times"),
            note=_("%(n)s distinct residents") % {"n": f"{k.distinct_participants:,}"},
        ),
        Tile(
            "eng_knowledge",
            _("low-carbon knowledge rate"),
            "—" if k.knowledge_rate_pct is None else f"{k.knowledge_rate_pct:.1f}",
            "%",
            note=_("%(n)s residents took the quiz") % {"n": f"{k.quiz_takers:,}"},
        ),
        Tile(
            "eng_labelled",
            _("CO2e of labelled actions"),
            f"{k.labelled_co2e_kg / 1000:,.2f}",
            "t CO2e",
            note=_("engagement measure; not deducted from the inventory"),
        ),
    ]
    chart = Chart(
        "engagement_months",
        _("Participations by month"),
        {
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "data": [f"{d:%m}" for d, _k in data.months]},
            "yAxis": {"type": "value"},
            "series": [
                {
                    "type": "bar",
                    "name": str(_("participations")),
                    "data": [m.participations for _d, m in data.months],
                    "itemStyle": {"color": "#2e7d32"},
                }
            ],
        },
    )
    return Panel(tiles=tiles, charts=[chart])
