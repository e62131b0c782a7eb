"""All writes to the organisation tree. Each is one transaction with one audit entry.

Callers (views, API, CLI, demo) have already resolved the objects through
``nearzero.accounts.scope``; these functions check the rules of the tree itself.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from nearzero.audit.services import diff, record, snapshot
from nearzero.core import tree
from nearzero.core.errors import DomainError
from nearzero.core.geo import GeometryError, check_lon_lat, validate_polygon

from .choices import REGION_PARENT_LEVEL
from .models import Community, Region, Site

COMMUNITY_FIELDS = (
    "name_zh",
    "name_en",
    "slug",
    "region",
    "boundary",
    "population",
    "households",
    "floor_area_m2",
    "province",
    "grid_region",
    "pilot_type",
    "time_zone",
)
SITE_FIELDS = (
    "name_zh",
    "name_en",
    "kind",
    "parent",
    "address",
    "lat",
    "lon",
    "opening_hours",
    "is_active",
)
REGION_FIELDS = ("name_zh", "name_en", "level", "parent", "code")


class SitesError(DomainError):
    pass


def _check_region_level(level: str, parent: Region | None) -> None:
    expected = REGION_PARENT_LEVEL.get(level, "?")
    actual = parent.level if parent else None
    if expected != actual:
        raise SitesError(
            "bad_region_level",
            _("A region of this level cannot sit under the chosen parent."),
            field="parent",
        )


def _check_boundary(boundary: Any) -> None:
    if boundary in (None, {}, ""):
        return
    try:
        validate_polygon(boundary)
    except GeometryError as exc:
        raise SitesError(f"boundary_{exc.code}", str(exc), field="boundary") from None


def _check_site(site: Site) -> None:
    try:
        check_lon_lat(site.lon, site.lat)
    except GeometryError as exc:
        raise SitesError(exc.code, str(exc), field="lat") from None
    if site.parent_id is not None:
        if site.parent.community_id != site.community_id:
            raise SitesError(
                "parent_other_community",
                _("The parent site belongs to another community."),
                field="parent",
            )
        ancestor = site.parent
        while ancestor is not None:
            if site.pk is not None and ancestor.pk == site.pk:
                raise SitesError(
                    "parent_cycle", _("A site cannot sit under itself."), field="parent"
                )
            ancestor = ancestor.parent


@transaction.atomic
def create_region(
    *,
    actor,
    name_zh: str,
    level: str,
    parent: Region | None = None,
    name_en: str = "",
    code: str = "",
) -> Region:
    _check_region_level(level, parent)
    region = Region(name_zh=name_zh, name_en=name_en, level=level, parent=parent, code=code)
    region.path = ""
    region.save()
    region.path = tree.child_path(parent.path if parent else None, region.pk)
    region.save(update_fields=["path"])
    record(
        "sites.region.created",
        actor=actor,
        obj=region,
        changes=diff({}, snapshot(region, REGION_FIELDS)),
    )
    return region


def _apply_update(
    obj: Region | Community | Site,
    values: dict[str, Any],
    *,
    editable: tuple[str, ...],
    audited: tuple[str, ...],
    action: str,
    actor,
    community: Community | None,
    check=None,
):
    """Set ``values`` on ``obj``, validate, save only what changed and audit old → new."""
    unknown = set(values) - set(editable)
    if unknown:
        raise SitesError("not_editable", f"cannot change {', '.join(sorted(unknown))}")
    before = snapshot(obj, audited)
    for name, value in values.items():
        setattr(obj, name, value)
    if check is not None:
        check(obj)
    obj.full_clean()
    changes = diff(before, snapshot(obj, audited))
    if changes:
        obj.save(update_fields=list(changes))
        record(action, actor=actor, obj=obj, community=community, changes=changes)
    return obj


@transaction.atomic
def update_region(region: Region, *, actor, **values: Any) -> Region:
    """Rename or re-code a region (moving a region is not supported: paths stay stable)."""
    return _apply_update(
        region,
        values,
        editable=("name_zh", "name_en", "code"),
        audited=REGION_FIELDS,
        action="sites.region.updated",
        actor=actor,
        community=None,
    )


@transaction.atomic
def create_community(*, actor, **values: Any) -> Community:
    _check_boundary(values.get("boundary"))
    if Community.objects.filter(slug=values.get("slug")).exists():
        raise SitesError("slug_taken", _("This slug is already used."), field="slug")
    community = Community(**values)
    community.full_clean()
    community.save()
    record(
        "sites.community.created",
        actor=actor,
        obj=community,
        community=community,
        changes=diff({}, snapshot(community, COMMUNITY_FIELDS)),
    )
    return community


@transaction.atomic
def update_community(community: Community, *, actor, **values: Any) -> Community:
    if "boundary" in values:
        _check_boundary(values["boundary"])
    slug = values.get("slug")
    if slug and Community.objects.filter(slug=slug).exclude(pk=community.pk).exists():
        raise SitesError("slug_taken", _("This slug is already used."), field="slug")
    return _apply_update(
        community,
        values,
        editable=COMMUNITY_FIELDS,
        audited=COMMUNITY_FIELDS,
        action="sites.community.updated",
        actor=actor,
        community=community,
    )


@transaction.atomic
def create_site(*, actor, community: Community, **values: Any) -> Site:
    site = Site(community=community, **values)
    _check_site(site)
    site.full_clean()
    site.save()
    record(
        "sites.site.created",
        actor=actor,
        obj=site,
        community=community,
        changes=diff({}, snapshot(site, SITE_FIELDS)),
    )
    return site


@transaction.atomic
def update_site(site: Site, *, actor, **values: Any) -> Site:
    return _apply_update(
        site,
        values,
        editable=SITE_FIELDS,
        audited=SITE_FIELDS,
        action="sites.site.updated",
        actor=actor,
        community=site.community,
        check=_check_site,
    )
