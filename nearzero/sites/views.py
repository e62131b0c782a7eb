"""Pages of the organisation tree: parse → call a service → render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required
from nearzero.core.errors import DomainError
from nearzero.web.forms import add_domain_error

from . import selectors, services
from .forms import CommunityForm, RegionForm, SiteForm


@staff_required
def region_list(request):
    regions = scope.regions_for(request.user).select_related("parent")
    manageable = set(scope.manageable_regions(request.user).values_list("pk", flat=True))
    return render(
        request,
        "sites/region_list.html",
        {"regions": regions, "manageable": manageable},
    )


@staff_required
def region_create(request):
    parents = scope.manageable_regions(request.user)
    if not request.user.is_superuser and not parents.exists():
        raise Http404
    form = RegionForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["parent"] is None and not request.user.is_superuser:
            form.add_error("parent", _("Only an administrator can add a top-level region."))
        else:
            try:
                services.create_region(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Region saved."))
                return redirect("sites:region_list")
    return render(request, "sites/form.html", {"form": form, "title": _("New region")})


@staff_required
def region_edit(request, pk: int):
    region = scope.get_or_404(scope.manageable_regions(request.user), pk=pk)
    form = RegionForm(request.POST or None, instance=region)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_region(
                scope.get_or_404(scope.manageable_regions(request.user), pk=pk),
                actor=request.user,
                **form.cleaned_data,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Region saved."))
            return redirect("sites:region_list")
    return render(request, "sites/form.html", {"form": form, "title": region.name})


@staff_required
def community_list(request):
    communities = scope.communities_for(request.user).select_related("region")
    can_create = scope.manageable_regions(request.user).exists()
    return render(
        request,
        "sites/community_list.html",
        {"communities": communities, "can_create": can_create},
    )


@staff_required
def community_create(request):
    regions = scope.manageable_regions(request.user)
    if not regions.exists():
        raise Http404
    form = CommunityForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.create_community(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Community saved."))
            return redirect("sites:community_detail", slug=community.slug)
    return render(request, "sites/form.html", {"form": form, "title": _("New community")})


@staff_required
def community_detail(request, slug: str):
    community = scope.get_or_404(
        scope.communities_for(request.user).select_related("region"), slug=slug
    )
    sites = selectors.in_kind_order(community.sites.select_related("parent"))
    editable = set(scope.editable_sites_for(request.user).values_list("pk", flat=True))
    can_edit = scope.manageable_communities(request.user).filter(pk=community.pk).exists()
    return render(
        request,
        "sites/community_detail.html",
        {
            "community": community,
            "sites": sites,
            "editable": editable,
            "can_edit": can_edit,
            "summary": selectors.community_summary(community),
        },
    )


@staff_required
def community_edit(request, slug: str):
    community = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
    form = CommunityForm(
        request.POST or None,
        instance=community,
        regions=scope.manageable_regions(request.user),
    )
    if request.method == "POST" and form.is_valid():
        # form.is_valid() wrote the cleaned values onto the instance; the service diffs
        # against a fresh copy so the audit entry shows the real old values.
        fresh = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
        try:
            community = services.update_community(fresh, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Community saved."))
            return redirect("sites:community_detail", slug=community.slug)
    return render(request, "sites/form.html", {"form": form, "title": community.name})


@staff_required
def community_map(request, slug: str):
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    return render(
        request,
        "sites/community_map.html",
        {
            "community": community,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


@staff_required
def community_map_geojson(request, slug: str):
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    sites = scope.sites_for(request.user).filter(community=community)
    return JsonResponse(selectors.community_map(community, sites))


@staff_required
def site_create(request, slug: str):
    community = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
    form = SiteForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.create_site(
                actor=request.user, community=community, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Site saved."))
            return redirect("sites:site_detail", pk=site.pk)
    return render(
        request, "sites/form.html", {"form": form, "title": _("New site"), "community": community}
    )


@staff_required
def site_detail(request, pk: int):
    site = scope.get_or_404(
        scope.sites_for(request.user).select_related("community", "parent"), pk=pk
    )
    can_edit = scope.editable_sites_for(request.user).filter(pk=site.pk).exists()
    return render(
        request,
        "sites/site_detail.html",
        {
            "site": site,
            "community": site.community,
            "can_edit": can_edit,
            "children": site.children.all(),
        },
    )


@staff_required
def site_edit(request, pk: int):
    site = scope.get_or_404(
        scope.editable_sites_for(request.user).select_related("community"), pk=pk
    )
    form = SiteForm(request.POST or None, instance=site, community=site.community)
    if request.method == "POST" and form.is_valid():
        fresh = scope.get_or_404(scope.editable_sites_for(request.user), pk=pk)
        try:
            services.update_site(fresh, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Site saved."))
            return redirect("sites:site_detail", pk=site.pk)
    return render(
        request,
        "sites/form.html",
        {"form": form, "title": site.name, "community": site.community},
    )
