"""Reads of the inventory app: results computed by nearzero.core.ghg from aggregated rows.

Whatever the number of activity records, an inventory's result costs a fixed number of
queries: one aggregate over its records, one for its factor set's factors, one for sinks and
one for retired units (and the same again for the year it is compared with).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from nearzero.core.ghg import calc, reference, yoy
from nearzero.core.ghg.calc import ActivityTable, InventoryResult, SinkLine
from nearzero.core.units import factor_to_kg_per_canonical

from .models import ActivityRecord, EmissionFactor, FactorSet, Inventory, RetiredUnit, SinkRecord

KWH_PER_MWH = 1_000.0
#: Effects smaller than this many percentage points are called "about the same" in the
#: sentence (they print as 0.0 at one decimal).
NEGLIGIBLE_POINTS = 0.05


def to_core_factor(factor: EmissionFactor) -> calc.Factor:
    return calc.Factor(
        id=factor.code,
        activity_type=factor.activity_type,
        gas=factor.gas,
        kg_per_unit=factor_to_kg_per_canonical(float(factor.value), factor.mass, factor.per),
        value=float(factor.value),
        unit=factor.unit,
        series=factor.series,
        geography_level=factor.geography_level,
        geography_code=factor.geography_code,
        data_year=factor.data_year,
        source=factor.source if not factor.reference else f"{factor.source} ({factor.reference})",
    )


def _resolve(community, factors: list[EmissionFactor]) -> calc.Resolution:
    return calc.resolve_factors(
        (to_core_factor(f) for f in factors),
        province=community.province,
        grid_region=community.grid_region,
    )


def activity_table(inventory: Inventory) -> ActivityTable:
    return _activity_tables([inventory.pk])[inventory.pk]


def _activity_tables(inventory_ids: list[int]) -> dict[int, ActivityTable]:
    """One aggregate query for all the inventories' records."""
    rows: dict[int, list[tuple]] = {pk: [] for pk in inventory_ids}
    aggregate = (
        ActivityRecord.objects.filter(inventory_id__in=inventory_ids)
        .values_list("inventory_id", "activity_type", "gpc_ref", "category", "month")
        .annotate(total=Sum("quantity_canonical"))
        .order_by()
    )
    for inventory_id, *row in aggregate:
        rows[inventory_id].append(tuple(row))
    return {pk: ActivityTable.from_rows(r) for pk, r in rows.items()}


@dataclass
class Computed:
    inventory: Inventory
    result: InventoryResult
    resolution: calc.Resolution


def compute_many(
    inventories: list[Inventory], factor_set: FactorSet | None = None
) -> dict[int, Computed]:
    """Results of several inventories in a fixed number of queries (four), whatever the
    number of inventories or records. ``factor_set`` overrides the pinned sets."""
    ids = [inv.pk for inv in inventories]
    tables = _activity_tables(ids)
    set_ids = {factor_set.pk} if factor_set else {inv.factor_set_id for inv in inventories}
    factors_by_set: dict[int, list[EmissionFactor]] = {pk: [] for pk in set_ids}
    through = FactorSet.factors.through.objects.filter(factorset_id__in=set_ids).select_related(
        "emissionfactor"
    )
    for link in through:
        factors_by_set[link.factorset_id].append(link.emissionfactor)
    sinks: dict[int, list[SinkLine]] = {pk: [] for pk in ids}
    for sink in SinkRecord.objects.filter(inventory_id__in=ids).select_related("rate"):
        sinks[sink.inventory_id].append(
            SinkLine(sink.kind, sink.quantity_canonical, to_core_factor(sink.rate))
        )
    retired: dict[int, list[RetiredUnit]] = {pk: [] for pk in ids}
    for unit in RetiredUnit.objects.filter(inventory_id__in=ids):
        retired[unit.inventory_id].append(unit)

    out = {}
    for inventory in inventories:
        set_id = factor_set.pk if factor_set else inventory.factor_set_id
        community = inventory.community
        resolution = _resolve(community, factors_by_set[set_id])
        grid = resolution.by_type.get("electricity_grid", [])
        grid_kg_per_kwh = calc.co2e_per_unit(grid, inventory.gwp_set) if grid else 0.0
        offsets_t, contractual_kwh = 0.0, 0.0
        for unit in retired[inventory.pk]:
            quantity = float(unit.quantity)
            if unit.use == "scope2":
                contractual_kwh += quantity * KWH_PER_MWH
            elif unit.unit == "MWh":  # a certificate used as an offset: at the grid factor
                offsets_t += quantity * KWH_PER_MWH * grid_kg_per_kwh / 1000.0
            else:
                offsets_t += quantity
        result = calc.compute_inventory(
            tables[inventory.pk],
            resolution,
            gwp_set=inventory.gwp_set,
            level=inventory.level,
            sinks=sinks[inventory.pk],
            offsets_tco2e=offsets_t,
            contractual_kwh=contractual_kwh,
            population=community.population or None,
            floor_area_m2=float(community.floor_area_m2) or None,
        )
        out[inventory.pk] = Computed(inventory, result, resolution)
    return out


def compute(inventory: Inventory, factor_set: FactorSet | None = None) -> Computed:
    return compute_many([inventory], factor_set)[inventory.pk]


def previous_inventory(inventory: Inventory) -> Inventory | None:
    return (
        Inventory.objects.filter(community=inventory.community, year__lt=inventory.year)
        .select_related("community", "factor_set")
        .order_by("-year")
        .first()
    )


def year_on_year(
    computed: Computed, base: Computed | None = None
) -> tuple[Inventory | None, yoy.Decomposition]:
    """Change against the latest earlier inventory (``base`` if already computed)."""
    if base is None:
        earlier = previous_inventory(computed.inventory)
        base = compute(earlier) if earlier is not None else None
    if base is None:
        return None, yoy.decompose(None, computed.result.line_map())
    return base.inventory, yoy.decompose(base.result.line_map(), computed.result.line_map())


def activity_label(code: str) -> str:
    spec = reference.activity_types().get(code)
    if spec is None:
        return code
    from django.utils.translation import get_language

    return spec.en if (get_language() or "").startswith("en") else spec.zh


def yoy_sentence(base: Inventory | None, d: yoy.Decomposition) -> str:
    """The year-on-year change in one sentence, in the active language."""
    if base is None or d.no_base:
        return _("No earlier inventory with emissions to compare with: no base year.")
    change = abs(d.change_pct)
    values = {
        "change": f"{change:.1f}",
        "year": base.year,
        "activity": f"{abs(d.activity_effect_pct):.1f}",
        "factor": f"{abs(d.factor_effect_pct):.1f}",
    }
    act_line, fac_line = d.largest("activity"), d.largest("factor")
    values["activity_line"] = activity_label(act_line.key) if act_line else "—"
    values["factor_line"] = activity_label(fac_line.key) if fac_line else "—"
    if d.change_tco2e < 0:
        head = _("Total emissions fell {change}% against {year}").format(**values)
    elif d.change_tco2e > 0:
        head = _("Total emissions rose {change}% against {year}").format(**values)
    else:
        head = _("Total emissions were unchanged against {year}").format(**values)
    if abs(d.activity_effect_pct) < NEGLIGIBLE_POINTS:
        activity = _("activity about the same")
    elif d.activity_effect_tco2e < 0:
        activity = _("{activity} points from lower activity (mostly {activity_line})")
    else:
        activity = _("{activity} points from higher activity (mostly {activity_line})")
    if abs(d.factor_effect_pct) < NEGLIGIBLE_POINTS:
        factor = _("emission factors unchanged")
    elif d.factor_effect_tco2e < 0:
        factor = _("{factor} points from lower emission factors (mostly {factor_line})")
    else:
        factor = _("{factor} points from higher emission factors (mostly {factor_line})")
    activity, factor = activity.format(**values), factor.format(**values)
    return _("{head}: {activity}, {factor}.").format(head=head, activity=activity, factor=factor)


def report(inventory: Inventory) -> dict[str, Any]:
    """Everything `nearzero inventory report` and the API print."""
    computed = compute(inventory)
    result = computed.result
    base, decomposition = year_on_year(computed)
    data = result.to_dict()
    data.update(
        community=inventory.community.slug,
        year=inventory.year,
        factor_set=inventory.factor_set.code,
        factors_used=calc.factors_used(result),
        yoy={
            "base_year": base.year if base else None,
            "no_base": decomposition.no_base,
            "change_pct": decomposition.change_pct,
            "activity_effect_pct": decomposition.activity_effect_pct,
            "factor_effect_pct": decomposition.factor_effect_pct,
            "change_tco2e": decomposition.change_tco2e,
            "activity_effect_tco2e": decomposition.activity_effect_tco2e,
            "factor_effect_tco2e": decomposition.factor_effect_tco2e,
            "change_pct_constant_factors": decomposition.change_pct_constant_factors,
            "sentence": yoy_sentence(base, decomposition),
        },
        completeness=completeness(inventory, result),
    )
    return data


def completeness(inventory: Inventory, result: InventoryResult) -> dict[str, list[str]]:
    """GPC rows of the reporting level: with data, with a notation key, or missing."""
    rows = [r for r in reference.gpc_rows().values() if r.in_total(inventory.level)]
    with_data = set(
        ActivityRecord.objects.filter(inventory=inventory)
        .order_by()  # the model's default ordering would defeat DISTINCT
        .values_list("gpc_ref", flat=True)
        .distinct()
    )
    notations = dict(inventory.notations.values_list("gpc_ref", "key"))
    return {
        "with_data": sorted(r.ref for r in rows if r.ref in with_data),
        "notation": sorted(
            f"{r.ref} {notations[r.ref]}"
            for r in rows
            if r.ref in notations and r.ref not in with_data
        ),
        "missing": sorted(r.ref for r in rows if r.ref not in with_data and r.ref not in notations),
    }


def factor_set_diff(inventory: Inventory, other: FactorSet) -> list[dict[str, Any]]:
    """Line-by-line difference of the inventory under its own set and under ``other``."""
    now = compute(inventory).result
    then = compute(inventory, factor_set=other).result
    before = {ln.activity_type: ln for ln in now.lines}
    after = {ln.activity_type: ln for ln in then.lines}
    lines = []
    for code in sorted(set(before) | set(after)):
        b, a = before.get(code), after.get(code)
        lines.append(
            {
                "activity_type": code,
                "label": activity_label(code),
                "quantity": (b or a).quantity,
                "factor_before": b.kgco2e_per_unit if b else None,
                "factor_after": a.kgco2e_per_unit if a else None,
                "tco2e_before": b.tco2e if b else 0.0,
                "tco2e_after": a.tco2e if a else 0.0,
                "delta_tco2e": (a.tco2e if a else 0.0) - (b.tco2e if b else 0.0),
            }
        )
    lines.append(
        {
            "activity_type": "total",
            "label": _("gross total"),
            "quantity": None,
            "factor_before": None,
            "factor_after": None,
            "tco2e_before": now.gross_tco2e,
            "tco2e_after": then.gross_tco2e,
            "delta_tco2e": then.gross_tco2e - now.gross_tco2e,
        }
    )
    return lines


def factors_for(
    user_communities: QuerySet,
    *,
    geography: str = "",
    year: int | None = None,
    activity_type: str = "",
) -> QuerySet[EmissionFactor]:
    """Shipped factors plus the local factors of communities the user can see."""
    from django.db.models import Q

    qs = EmissionFactor.objects.filter(Q(is_shipped=True) | Q(community__in=user_communities))
    if geography:
        qs = qs.filter(Q(geography_level=geography) | Q(geography_code__iexact=geography))
    if year:
        qs = qs.filter(data_year=year)
    if activity_type:
        qs = qs.filter(activity_type=activity_type)
    return qs
