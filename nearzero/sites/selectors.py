"""Reads of the organisation tree for pages, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When

from .choices import SiteKind
from .models import Building, Community, Household, Region, Site

KIND_ORDER = {kind: i for i, kind in enumerate(SiteKind.values)}


def in_kind_order(sites: QuerySet[Site]) -> QuerySet[Site]:
    """Centre first, then stations, posts and partners; by name within a kind."""
    rank = Case(
        *(When(kind=kind, then=Value(i)) for kind, i in KIND_ORDER.items()),
        output_field=IntegerField(),
    )
    return sites.annotate(kind_rank=rank).order_by("kind_rank", "name_zh")


@dataclass(frozen=True)
class CommunitySummary:
    sites_by_kind: dict[str, int]
    sites_total: int
    buildings: int
    households_registered: int
    residents_registered: int
    household_size_histogram: dict[int, int] = field(default_factory=dict)


def community_summary(community: Community) -> CommunitySummary:
    """Counts for the dashboard, in four queries whatever the size of the community."""
    by_kind = dict(
        Site.objects.filter(community=community, is_active=True)
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    sites_by_kind = {kind: by_kind.get(kind, 0) for kind in SiteKind.values}
    households = Household.objects.filter(building__community=community)
    totals = households.aggregate(n=Count("id"), residents=Sum("residents"))
    histogram = dict(
        households.values_list("residents").annotate(n=Count("id")).order_by("residents")
    )
    return CommunitySummary(
        sites_by_kind=sites_by_kind,
        sites_total=sum(sites_by_kind.values()),
        buildings=Building.objects.filter(community=community).count(),
        households_registered=totals["n"] or 0,
        residents_registered=totals["residents"] or 0,
        household_size_histogram=histogram,
    )


def site_feature(site: Site) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
        "properties": {
            "id": site.pk,
            "name": site.name,
            "kind": site.kind,
            "kind_label": str(site.get_kind_display()),
            "address": site.address,
            "opening_hours": site.opening_hours,
            "active": site.is_active,
        },
    }


def community_map(community: Community, sites: QuerySet[Site]) -> dict[str, Any]:
    """GeoJSON FeatureCollection: the boundary (if any) and the given sites."""
    features: list[dict[str, Any]] = []
    if community.boundary:
        geometry = community.boundary.get("geometry", community.boundary)
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"role": "boundary", "name": community.name},
            }
        )
    features.extend(site_feature(site) for site in sites)
    return {"type": "FeatureCollection", "features": features}


def tree_listing(regions: QuerySet[Region], communities: QuerySet[Community]) -> dict[str, Any]:
    """Regions, communities and their sites as plain data (the CLI's ``sites list``)."""
    communities = communities.select_related("region").prefetch_related("sites")
    return {
        "regions": [
            {
                "id": r.pk,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "level": r.level,
                "parent_id": r.parent_id,
            }
            for r in regions.order_by("path")
        ],
        "communities": [
            {
                "slug": c.slug,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "region_id": c.region_id,
                "pilot_type": c.pilot_type,
                "population": c.population,
                "households": c.households,
                "sites": [
                    {
                        "id": s.pk,
                        "name_zh": s.name_zh,
                        "name_en": s.name_en,
                        "kind": s.kind,
                        "lat": s.lat,
                        "lon": s.lon,
                        "parent_id": s.parent_id,
                    }
                    for s in sorted(c.sites.all(), key=lambda s: (KIND_ORDER[s.kind], s.pk))
                ],
            }
            for c in communities
        ],
    }
