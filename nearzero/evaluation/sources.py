"""Where indicator values come from: each domain measure reads the selector the domain's own
page uses, so an indicator shows the same number as that page (tests compare them).

A measure takes a :class:`Context` (community and year, with the domain reads cached so an
assessment of 20 indicators reads each domain once) and returns ``(value, detail)``;
``value`` None means the data is not there (the indicator is then *missing*).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _

Measure = Callable[["Context"], tuple[float | None, str]]


@dataclass(frozen=True)
class MeasureSpec:
    unit: str
    fn: Measure
    #: True when the value describes the community now, whatever the period (the circle's
    #: coverage, points held): the detail says so.
    current: bool = False


class Context:
    """One community and year, each domain read at most once. ``known`` passes readings
    the caller already made through the same selectors (``circle``: the circle summary,
    ``engagement``: the year's KPIs), so they are not read again."""

    def __init__(self, community, year: int, **known) -> None:
        self.community = community
        self.year = year
        for name, value in known.items():
            if name not in ("circle", "engagement", "points", "energy"):
                raise TypeError(f"unknown reading {name!r}")
            self.__dict__[name] = value  # what the cached_property would have stored

    # --- inventory ---------------------------------------------------------------------

    @cached_property
    def inventory(self):
        """(computed, previous computed | None, baseline computed | None) of the year's
        inventory, or None when the community has no inventory for that year."""
        from nearzero.inventory import selectors
        from nearzero.inventory.models import Inventory

        inventory = (
            Inventory.objects.filter(community=self.community, year=self.year)
            .select_related("community", "factor_set")
            .first()
        )
        if inventory is None:
            return None
        previous = selectors.previous_inventory(inventory)
        baseline = (
            Inventory.objects.filter(
                community=self.community, is_baseline=True, year__lt=inventory.year
            )
            .select_related("community", "factor_set")
            .order_by("-year")
            .first()
        )
        batch = {inv.pk: inv for inv in (inventory, previous, baseline) if inv is not None}
        computed = selectors.compute_many(list(batch.values()))
        return (
            computed[inventory.pk],
            computed[previous.pk] if previous else None,
            computed[baseline.pk] if baseline else None,
        )

    def change_against(self, which: int) -> tuple[float | None, str]:
        """Change of gross emissions (%) against the previous (1) or baseline (2) inventory,
        by the same year-on-year decomposition as the inventory page."""
        from nearzero.inventory import selectors

        if self.inventory is None or self.inventory[which] is None:
            return None, ""
        current, base = self.inventory[0], self.inventory[which]
        _base, decomposition = selectors.year_on_year(current, base)
        detail = _("{year} against {base}").format(
            year=current.inventory.year, base=base.inventory.year
        )
        return decomposition.change_pct, detail

    def result_field(self, name: str) -> tuple[float | None, str]:
        if self.inventory is None:
            return None, ""
        value = getattr(self.inventory[0].result, name)
        return value, _("inventory {year}").format(year=self.year)

    # --- other domains -----------------------------------------------------------------

    @cached_property
    def engagement(self):
        from nearzero.engagement import selectors

        return selectors.summary(self.community, self.year).total

    @cached_property
    def points(self) -> dict:
        from nearzero.points import selectors

        return selectors.totals(self.community)

    @cached_property
    def circle(self) -> dict | None:
        from nearzero.circle import selectors

        return selectors.summary(self.community)

    @cached_property
    def energy(self) -> dict:
        from nearzero.energy import selectors

        return selectors.capacity(self.community)


def _reduction(ctx: Context) -> tuple[float | None, str]:
    change, detail = ctx.change_against(2)
    return (None if change is None else -change), detail


def _intensity_change(ctx: Context) -> tuple[float | None, str]:
    if ctx.inventory is None or ctx.inventory[1] is None:
        return None, ""
    now = ctx.inventory[0].result.intensity_tco2e_per_resident
    before = ctx.inventory[1].result.intensity_tco2e_per_resident
    if not now or not before:
        return None, ""
    detail = _("{year} against {base}").format(
        year=ctx.inventory[0].inventory.year, base=ctx.inventory[1].inventory.year
    )
    return 100.0 * (now - before) / before, detail


def _year(ctx: Context) -> str:
    return _("year {year}").format(year=ctx.year)


def _engagement(name: str) -> Measure:
    def read(ctx: Context) -> tuple[float | None, str]:
        value = getattr(ctx.engagement, name)
        return (None if value is None else float(value)), _year(ctx)

    return read


def _now(value) -> tuple[float | None, str]:
    return (None if value is None else float(value)), _("now")


def _circle(name: str) -> Measure:
    def read(ctx: Context) -> tuple[float | None, str]:
        return _now(ctx.circle[name] if ctx.circle else None)

    return read


def _inventory(name: str) -> Measure:
    return lambda ctx: ctx.result_field(name)


MEASURES: dict[str, dict[str, MeasureSpec]] = {
    "inventory": {
        "reduction_vs_baseline_pct": MeasureSpec("%", _reduction),
        "change_vs_previous_pct": MeasureSpec("%", lambda ctx: ctx.change_against(1)),
        "intensity_change_pct": MeasureSpec("%", _intensity_change),
        "gross_tco2e": MeasureSpec("tCO2e", _inventory("gross_tco2e")),
        "net_tco2e": MeasureSpec("tCO2e", _inventory("net_tco2e")),
        "intensity_tco2e_per_resident": MeasureSpec(
            "tCO2e", _inventory("intensity_tco2e_per_resident")
        ),
        "offsets_tco2e": MeasureSpec("tCO2e", _inventory("offsets_tco2e")),
        "sinks_tco2e": MeasureSpec("tCO2e", _inventory("sinks_tco2e")),
        "renewable_self_consumed_kwh": MeasureSpec(
            "kWh", _inventory("renewable_self_consumed_kwh")
        ),
    },
    "energy": {
        "pv_kwp": MeasureSpec("kWp", lambda ctx: _now(ctx.energy["pv_kwp"]), current=True),
        "other_renewables_mwh_per_yr": MeasureSpec(
            "MWh/yr", lambda ctx: _now(ctx.energy["other_mwh_per_yr"]), current=True
        ),
    },
    "engagement": {
        name: MeasureSpec(unit, _engagement(name))
        for name, unit in (
            ("events", ""),
            ("participations", ""),
            ("distinct_participants", ""),
            ("resident_services", ""),
            ("sites_with_events", ""),
            ("knowledge_rate_pct", "%"),
            ("volunteer_hours", "h"),
            ("recycled_kg", "kg"),
            ("labelled_co2e_kg", "kg CO2e"),
        )
    },
    "points": {
        "participating_residents": MeasureSpec(
            "", lambda ctx: _now(ctx.points["accounts"]), current=True
        ),
        "points_issued": MeasureSpec("", lambda ctx: _now(ctx.points["issued"]), current=True),
        "points_redeemed": MeasureSpec("", lambda ctx: _now(ctx.points["redeemed"]), current=True),
        "fund_pool_yuan": MeasureSpec(
            "yuan", lambda ctx: _now(ctx.points["fund_fen"] / 100), current=True
        ),
    },
    "circle": {
        "coverage_pct": MeasureSpec("%", _circle("coverage_pct"), current=True),
        "median_walk_min": MeasureSpec("min", _circle("median_walk_min"), current=True),
        "uncovered_residents": MeasureSpec("", _circle("uncovered_residents"), current=True),
    },
}


def measure_names() -> dict[str, list[str]]:
    return {domain: sorted(specs) for domain, specs in MEASURES.items()}


def read(ctx: Context, domain: str, measure: str) -> tuple[float | None, str]:
    return MEASURES[domain][measure].fn(ctx)
