"""REST API of the organisation tree: thin routers over scope, selectors and services."""

from __future__ import annotations

from ninja import Router, Schema, Status

from nearzero.accounts import scope

from . import services
from .models import Community, Site

router = Router(tags=["sites"])


class RegionOut(Schema):
    id: int
    name_zh: str
    name_en: str
    level: str
    parent_id: int | None


class CommunityOut(Schema):
    slug: str
    name_zh: str
    name_en: str
    region_id: int
    population: int
    households: int
    floor_area_m2: float
    province: str
    grid_region: str
    pilot_type: str
    time_zone: str


class SiteOut(Schema):
    id: int
    community: str
    name_zh: str
    name_en: str
    kind: str
    parent_id: int | None
    address: str
    lat: float
    lon: float
    opening_hours: str
    is_active: bool

    @staticmethod
    def resolve_community(obj: Site) -> str:
        return obj.community.slug


class SiteIn(Schema):
    name_zh: str
    name_en: str = ""
    kind: str
    parent_id: int | None = None
    address: str = ""
    lat: float
    lon: float
    opening_hours: str = ""
    is_active: bool = True


class SitePatch(Schema):
    name_zh: str | None = None
    name_en: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    opening_hours: str | None = None
    is_active: bool | None = None


@router.get("/regions", response=list[RegionOut])
def list_regions(request):
    return scope.regions_for(request.user).order_by("path")


@router.get("/communities", response=list[CommunityOut])
def list_communities(request):
    return scope.communities_for(request.user)


@router.get("/communities/{slug}", response=CommunityOut)
def get_community(request, slug: str):
    return scope.get_or_404(scope.communities_for(request.user), slug=slug)


@router.get("/communities/{slug}/sites", response=list[SiteOut])
def list_sites(request, slug: str):
    community: Community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    return scope.sites_for(request.user).filter(community=community).select_related("community")


@router.post("/communities/{slug}/sites", response={201: SiteOut})
def create_site(request, slug: str, payload: SiteIn):
    community = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
    data = payload.dict()
    parent_id = data.pop("parent_id")
    parent = (
        scope.get_or_404(Site.objects.filter(community=community), pk=parent_id)
        if (parent_id is not None)
        else None
    )
    site = services.create_site(actor=request.user, community=community, parent=parent, **data)
    return Status(201, site)


@router.get("/sites/{site_id}", response=SiteOut)
def get_site(request, site_id: int):
    return scope.get_or_404(scope.sites_for(request.user).select_related("community"), pk=site_id)


@router.patch("/sites/{site_id}", response=SiteOut)
def update_site(request, site_id: int, payload: SitePatch):
    site = scope.get_or_404(
        scope.editable_sites_for(request.user).select_related("community"), pk=site_id
    )
    return services.update_site(site, actor=request.user, **payload.dict(exclude_unset=True))
