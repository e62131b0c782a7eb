"""REST API of the inventory: the same scope, selectors and services as the pages."""

from __future__ import annotations

from decimal import Decimal

from ninja import Query, Router, Schema, Status

from nearzero.accounts import scope

from . import selectors, services
from .models import ActivityRecord, FactorSet, Inventory

router = Router(tags=["inventory"])


class FactorOut(Schema):
    code: str
    activity_type: str
    gas: str
    value: float
    unit: str
    series: str
    geography_level: str
    geography_code: str
    data_year: int | None
    published: str
    source: str
    reference: str
    verified: bool
    is_shipped: bool
    note: str


class FactorFilter(Schema):
    geography: str = ""
    year: int | None = None
    activity_type: str = ""


class FactorSetOut(Schema):
    code: str
    name_zh: str
    name_en: str
    grid_data_year: int | None
    is_shipped: bool


class InventoryOut(Schema):
    id: int
    community: str
    year: int
    gwp_set: str
    level: str
    factor_set: str
    is_baseline: bool

    @staticmethod
    def resolve_community(obj: Inventory) -> str:
        return obj.community.slug

    @staticmethod
    def resolve_factor_set(obj: Inventory) -> str:
        return obj.factor_set.code


class InventoryIn(Schema):
    year: int
    gwp_set: str = "AR5"
    level: str = "basic"
    factor_set: str | None = None
    is_baseline: bool = False


class ActivityOut(Schema):
    id: int
    month: int
    activity_type: str
    category: str
    gpc_ref: str
    label: str
    quantity: Decimal
    unit: str
    quantity_canonical: float
    quality_method: str
    quality_rating: str
    origin: str
    note: str


class ActivityIn(Schema):
    month: int = 0
    activity_type: str
    category: str
    gpc_ref: str = ""
    label: str = ""
    quantity: Decimal
    unit: str
    quality_method: str = "measured"
    quality_rating: str = "high"
    note: str = ""


def _inventories(request, *, write: bool = False):
    communities = (scope.manageable_communities if write else scope.communities_for)(request.user)
    return Inventory.objects.filter(community__in=communities).select_related(
        "community", "factor_set"
    )


@router.get("/factors", response=list[FactorOut])
def list_factors(request, filters: Query[FactorFilter]):
    return selectors.factors_for(scope.communities_for(request.user), **filters.dict())


@router.get("/factor-sets", response=list[FactorSetOut])
def list_factor_sets(request):
    return FactorSet.objects.filter(is_shipped=True) | FactorSet.objects.filter(
        community__in=scope.communities_for(request.user)
    )


@router.get("/communities/{slug}/inventories", response=list[InventoryOut])
def list_inventories(request, slug: str):
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    return _inventories(request).filter(community=community)


@router.post("/communities/{slug}/inventories", response={201: InventoryOut})
def create_inventory(request, slug: str, payload: InventoryIn):
    community = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
    data = payload.dict()
    code = data.pop("factor_set")
    factor_set = scope.get_or_404(FactorSet.objects.all(), code=code) if code else None
    inventory = services.create_inventory(
        actor=request.user, community=community, factor_set=factor_set, **data
    )
    return Status(201, inventory)


@router.get("/inventories/{inventory_id}", response=InventoryOut)
def get_inventory(request, inventory_id: int):
    return scope.get_or_404(_inventories(request), pk=inventory_id)


@router.get("/inventories/{inventory_id}/report")
def inventory_report(request, inventory_id: int) -> dict:
    """Gross, sinks, offsets, net, breakdowns, year-on-year and the factors used."""
    return selectors.report(scope.get_or_404(_inventories(request), pk=inventory_id))


@router.get("/inventories/{inventory_id}/activities", response=list[ActivityOut])
def list_activities(request, inventory_id: int, limit: int = 1000, offset: int = 0):
    inventory = scope.get_or_404(_inventories(request), pk=inventory_id)
    limit = max(1, min(limit, 10_000))
    return ActivityRecord.objects.filter(inventory=inventory).order_by("pk")[
        offset : offset + limit
    ]


@router.post("/inventories/{inventory_id}/activities", response={201: ActivityOut})
def record_activity(request, inventory_id: int, payload: ActivityIn):
    inventory = scope.get_or_404(_inventories(request, write=True), pk=inventory_id)
    activity = services.record_activity(
        inventory, actor=request.user, origin="api", **payload.dict()
    )
    return Status(201, activity)
