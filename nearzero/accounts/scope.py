"""Who may see and change which part of the organisation tree.

Every selector and view asks these functions; nothing else decides scope. Anything outside
a user's subtree is treated as absent (the caller answers 404, never 403), so a URL does not
even reveal that a community exists elsewhere.

Rules (docs/architecture.md, "Roles"):

- officer on a region: reads every community below that region; creates and edits
  communities and their sites there, and sub-regions below the region;
- community admin: reads and edits the community and all of its sites;
- site staff: reads the community and its sites (public places), edits only the site
  it is assigned to and that site's child sites;
- resident: reads only their own resident pages.
- superusers may do everything.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from nearzero.sites.models import Community, Region, Site

from .models import STAFF_ROLES, Role, RoleAssignment

_CACHE_ATTR = "_nearzero_roles"


def roles_of(user) -> list[RoleAssignment]:
    """The user's role assignments, fetched once per user object (i.e. per request)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user).select_related(
                "region", "community", "site", "household"
            )
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_staff_member(user) -> bool:
    """True for superusers and anyone holding a staff role somewhere."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(r.role in STAFF_ROLES for r in roles_of(user))


def _officer_regions(user) -> list[Region]:
    return [r.region for r in roles_of(user) if r.role == Role.OFFICER]


def regions_for(user) -> QuerySet[Region]:
    """Regions a user may read: officers' subtrees, and the ancestors of their communities."""
    if user.is_authenticated and user.is_superuser:
        return Region.objects.all()
    if not is_staff_member(user):
        return Region.objects.none()
    condition = Q(pk__in=[])
    for region in _officer_regions(user):
        condition |= Q(path__startswith=region.path)
    ancestor_ids: set[int] = set()
    for community in communities_for(user).select_related("region"):
        ancestor_ids.update(int(x) for x in community.region.path.split("/") if x)
    condition |= Q(pk__in=ancestor_ids)
    return Region.objects.filter(condition)


def manageable_regions(user) -> QuerySet[Region]:
    """Regions whose communities and sub-regions a user may create and edit."""
    if user.is_authenticated and user.is_superuser:
        return Region.objects.all()
    condition = Q(pk__in=[])
    for region in _officer_regions(user):
        condition |= Q(path__startswith=region.path)
    return Region.objects.filter(condition)


def communities_for(user) -> QuerySet[Community]:
    """Communities a staff user may read (residents read none of the staff pages)."""
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_superuser:
        return Community.objects.all()
    condition = Q(pk__in=[])
    for assignment in roles_of(user):
        if assignment.role == Role.OFFICER:
            condition |= Q(region__path__startswith=assignment.region.path)
        elif assignment.role == Role.COMMUNITY_ADMIN:
            condition |= Q(pk=assignment.community_id)
        elif assignment.role == Role.SITE_STAFF:
            condition |= Q(pk=assignment.site.community_id)
    return Community.objects.filter(condition)


def manageable_communities(user) -> QuerySet[Community]:
    """Communities whose details and sites a user may edit."""
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_superuser:
        return Community.objects.all()
    condition = Q(pk__in=[])
    for assignment in roles_of(user):
        if assignment.role == Role.OFFICER:
            condition |= Q(region__path__startswith=assignment.region.path)
        elif assignment.role == Role.COMMUNITY_ADMIN:
            condition |= Q(pk=assignment.community_id)
    return Community.objects.filter(condition)


def sites_for(user) -> QuerySet[Site]:
    return Site.objects.filter(community__in=communities_for(user))


def editable_sites_for(user) -> QuerySet[Site]:
    """Sites a user may edit: all sites of manageable communities, plus staff's own sites
    and their direct child sites."""
    condition = Q(community__in=manageable_communities(user))
    own = [r.site_id for r in roles_of(user) if r.role == Role.SITE_STAFF]
    if own:
        condition |= Q(pk__in=own) | Q(parent_id__in=own)
    return Site.objects.filter(condition)


def resident_assignment(user) -> RoleAssignment | None:
    for assignment in roles_of(user):
        if assignment.role == Role.RESIDENT:
            return assignment
    return None


def get_or_404(queryset: QuerySet, **lookup):
    """``queryset.get(**lookup)`` or :class:`~django.http.Http404` — for scoped lookups."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def administered_communities(user) -> QuerySet[Community]:
    """Communities a user administers: community admins of their community, and superusers.
    They alone handle residents' personal data and the money and manual corrections of the
    points ledger."""
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_superuser:
        return Community.objects.all()
    ids = [r.community_id for r in roles_of(user) if r.role == Role.COMMUNITY_ADMIN]
    return Community.objects.filter(pk__in=ids)


def personal_data_communities(user) -> QuerySet[Community]:
    """Communities whose residents' personal data (phone numbers, data exports, erasure) a
    user may handle (:func:`administered_communities`). Officers and site staff see masked
    numbers only."""
    return administered_communities(user)


def can_handle_personal_data(user, community) -> bool:
    return personal_data_communities(user).filter(pk=community.pk).exists()


def frontline_communities(user) -> QuerySet[Community]:
    """Communities where a user works on the ground: register residents, check them in,
    record practices. Community admins and site staff (and superusers); not officers."""
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_superuser:
        return Community.objects.all()
    ids = [r.community_id for r in roles_of(user) if r.role == Role.COMMUNITY_ADMIN]
    ids += [r.site.community_id for r in roles_of(user) if r.role == Role.SITE_STAFF]
    return Community.objects.filter(pk__in=ids)


def frontline_sites_for(user) -> QuerySet[Site]:
    """Sites where a user checks residents in and records practices: every site of a
    community they administer, and a site staff member's own site and its child sites (an
    officer's reach is not frontline). :func:`works_at` answers the same question for one
    site without a query."""
    if not user.is_authenticated:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    admin_of = [r.community_id for r in roles_of(user) if r.role == Role.COMMUNITY_ADMIN]
    own = [r.site_id for r in roles_of(user) if r.role == Role.SITE_STAFF]
    return Site.objects.filter(Q(community__in=admin_of) | Q(pk__in=own) | Q(parent_id__in=own))


def works_at(user, site: Site) -> bool:
    """True when ``site`` is among :func:`frontline_sites_for` — decided from the user's
    roles in memory, for hot paths such as a check-in (a test keeps the two in step)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    for assignment in roles_of(user):
        if assignment.role == Role.COMMUNITY_ADMIN and assignment.community_id == site.community_id:
            return True
        if assignment.role == Role.SITE_STAFF and assignment.site_id in (site.pk, site.parent_id):
            return True
    return False


def works_at_sql(*, user: str, community: str, site: str, site_parent: str) -> str:
    """:func:`works_at` as a SQL condition, for a statement that checks a scanner's scope
    itself (a scan grant's check-in): ``user`` is the alias of the user table in it, the
    others are column expressions of the site's community, the site and the site's parent.
    A test keeps it in step with :func:`works_at` for every persona and site."""
    table = RoleAssignment._meta.db_table
    column = {f.name: f.column for f in RoleAssignment._meta.concrete_fields}
    # Table, columns and roles come from the model, not from input.
    return (
        f"({user}.is_superuser OR EXISTS (SELECT 1 FROM {table} ra"  # noqa: S608
        f" WHERE ra.{column['user']} = {user}.id AND ("
        f"(ra.{column['role']} = '{Role.COMMUNITY_ADMIN.value}'"
        f" AND ra.{column['community']} = {community})"
        f" OR (ra.{column['role']} = '{Role.SITE_STAFF.value}'"
        f" AND ra.{column['site']} IN ({site}, {site_parent})))))"
    )
