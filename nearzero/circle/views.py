"""Circle pages: parse → scope → service or selector → render.

Staff of a community read its circle; those who manage the community (its admins, the
district's officers) import the street network and the homes, change the settings and run
the siting.
"""

from __future__ import annotations

import json

import numpy as np
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required
from nearzero.core.circle.io import Points, candidate_points, read_candidates
from nearzero.core.errors import DomainError
from nearzero.sites.choices import SiteKind
from nearzero.web.forms import add_domain_error

from . import selectors, services
from .choices import CandidateSource, Profile
from .forms import HomesForm, NetworkForm, SettingsForm, SitingForm

#: Uncovered homes listed on the page (the map shows them all).
UNCOVERED_ROWS = 25


def _community(request, slug: str):
    return scope.get_or_404(scope.communities_for(request.user), slug=slug)


def _managed(request, slug: str):
    return scope.get_or_404(scope.manageable_communities(request.user), slug=slug)


def _can_manage(request, community) -> bool:
    return scope.manageable_communities(request.user).filter(pk=community.pk).exists()


def _profile(request) -> str:
    value = request.GET.get("profile", Profile.ADULT)
    return value if value in Profile.values else Profile.ADULT


@staff_required
def overview(request, slug: str):
    community = _community(request, slug)
    profile = _profile(request)
    inputs = selectors.Inputs(community)
    result = selectors.coverage(inputs, profile)
    names = {str(site.pk): site for site in inputs.site_rows}
    per_site = []
    if result:
        for row in result["per_site"]:
            per_site.append({**row, "site": names.get(row["id"])})
        per_site.sort(key=lambda r: -r["catchment_residents"])
        for row in result["by_kind"]:
            row["label"] = SiteKind(row["kind"]).label if row["kind"] in SiteKind.values else ""
    return render(
        request,
        "circle/overview.html",
        {
            "community": community,
            "tab": "overview",
            "profile": profile,
            "profiles": Profile.choices,
            "inputs": inputs,
            "result": result,
            "per_site": per_site,
            "uncovered": (result or {}).get("uncovered", [])[:UNCOVERED_ROWS],
            "homes_source": selectors.homes_source(community),
            "latest": selectors.latest_siting(community),
            "can_manage": _can_manage(request, community),
        },
    )


@staff_required
def map_data(request, slug: str):
    """Everything the map draws except the streets: sites, homes with their walk,
    isochrone bands and the latest proposed posts."""
    community = _community(request, slug)
    return JsonResponse(selectors.map_features(selectors.Inputs(community), _profile(request)))


@staff_required
def streets(request, slug: str):
    """The walking network in a compact form for the map: node coordinates (5 decimals,
    about 1 m) and edges as pairs of node indices."""
    response = JsonResponse(selectors.streets(_community(request, slug)))
    response["Cache-Control"] = "private, max-age=300"
    return response


def _render_manage(request, community, *, can_manage: bool, form_name="", form=None):
    """The inputs page; after a failed post, ``form`` (named ``form_name``) with its errors."""
    config = selectors.settings_for(community)
    forms = {
        "network": NetworkForm(),
        "homes": HomesForm(),
        "settings": SettingsForm(instance=config),
    }
    if form is not None:
        forms[form_name] = form
    return render(
        request,
        "circle/manage.html",
        {
            "community": community,
            "tab": "manage",
            "info": selectors.network_info(community),
            "config": config,
            "homes_source": selectors.homes_source(community),
            "homes_count": len(selectors.homes(community).ids),
            "can_manage": can_manage,
            "network_form": forms["network"],
            "homes_form": forms["homes"],
            "settings_form": forms["settings"],
        },
        status=400 if form is not None else 200,
    )


@staff_required
def manage(request, slug: str):
    """Inputs of the circle: the street network, the homes and the settings."""
    community = _community(request, slug)
    return _render_manage(request, community, can_manage=_can_manage(request, community))


def _manage_result(request, community, form_name: str, form):
    return _render_manage(request, community, can_manage=True, form_name=form_name, form=form)


def _upload(request, slug: str, *, form_class, service, form_name: str, done: str, same: str):
    """Import an uploaded file through a service; the form comes back with the error."""
    community = _managed(request, slug)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = service(
                actor=request.user, community=community, data=upload.read(), filename=upload.name
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if result.changed:
                messages.success(request, done.format(count=f"{result.count:,}"))
            else:
                messages.info(request, same)
            return redirect("circle:manage", slug=community.slug)
    return _manage_result(request, community, form_name, form)


@staff_required
@require_POST
def import_network(request, slug: str):
    return _upload(
        request,
        slug,
        form_class=NetworkForm,
        service=services.import_network,
        form_name="network",
        done=_("Street network imported: {count} nodes."),
        same=_("This street network is already the current one."),
    )


@staff_required
@require_POST
def import_homes(request, slug: str):
    return _upload(
        request,
        slug,
        form_class=HomesForm,
        service=services.import_homes,
        form_name="homes",
        done=_("Homes imported: {count}."),
        same=_("These homes are already the current ones."),
    )


@staff_required
@require_POST
def clear_homes(request, slug: str):
    community = _managed(request, slug)
    services.clear_homes(actor=request.user, community=community)
    messages.success(request, _("Imported homes removed; the household register is used again."))
    return redirect("circle:manage", slug=community.slug)


@staff_required
@require_POST
def update_settings(request, slug: str):
    community = _managed(request, slug)
    form = SettingsForm(request.POST, instance=selectors.settings_for(community))
    if form.is_valid():
        try:
            services.update_settings(
                actor=request.user,
                community=community,
                **{name: form.cleaned_data[name] for name in SettingsForm.Meta.fields},
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("circle:manage", slug=community.slug)
    return _manage_result(request, community, "settings", form)


def _drawn_points(text: str) -> Points:
    """Points drawn on the map, posted as JSON [[lat, lon], …]."""
    try:
        pairs = json.loads(text or "[]")
        lat = np.asarray([float(p[0]) for p in pairs])
        lon = np.asarray([float(p[1]) for p in pairs])
    except (ValueError, TypeError, IndexError, KeyError):
        raise DomainError(
            "bad_drawn", _("The places drawn on the map could not be read."), field="drawn"
        ) from None
    if not len(lat):
        raise DomainError("no_candidates", _("Draw at least one place on the map."), field="drawn")
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise DomainError("bad_drawn", _("A drawn place lies outside the map."), field="drawn")
    return candidate_points([f"drawn/{i}" for i in range(1, len(lat) + 1)], lat, lon)


@staff_required
def siting(request, slug: str):
    community = _community(request, slug)
    can_manage = _can_manage(request, community)
    profile = _profile(request)
    form = SitingForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        community = _managed(request, slug)
        if form.is_valid():
            data = form.cleaned_data
            source = data["candidate_source"]
            try:
                candidates = None
                if source == CandidateSource.FILE:
                    upload = data.get("candidates_file")
                    if upload is None:
                        raise DomainError(
                            "no_file",
                            _("Choose a CSV of candidate places."),
                            field="candidates_file",
                        )
                    candidates = read_candidates(upload.read(), source=upload.name)
                elif source == CandidateSource.DRAWN:
                    candidates = _drawn_points(data["drawn"])
                services.run_siting(
                    actor=request.user,
                    community=community,
                    new=data["new"],
                    candidates=candidates,
                    candidate_source=source,
                    method=data["method"],
                    profile=profile,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Proposed posts are on the map."))
                return redirect("circle:siting", slug=community.slug)
    runs = list(community.siting_runs.select_related("created_by")[:10])
    return render(
        request,
        "circle/siting.html",
        {
            "community": community,
            "tab": "siting",
            "form": form,
            "runs": runs,
            "latest": runs[0] if runs else None,
            "can_manage": can_manage,
            "profile": profile,
        },
        status=400 if request.method == "POST" else 200,
    )
