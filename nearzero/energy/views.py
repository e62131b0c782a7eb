"""Energy pages: parse → scope → service or selector → render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required
from nearzero.core.energy import intervals
from nearzero.core.errors import DomainError
from nearzero.web.forms import add_domain_error

from . import charts, selectors, services
from .forms import MeterForm, ReadingImportForm
from .models import ImportBatch, Meter


def _community(request, slug: str, *, write: bool = False):
    communities = (scope.manageable_communities if write else scope.communities_for)(request.user)
    return scope.get_or_404(communities, slug=slug)


def _can_write(request, community) -> bool:
    return scope.manageable_communities(request.user).filter(pk=community.pk).exists()


@staff_required
def overview(request, slug: str):
    community = _community(request, slug)
    meters = list(Meter.objects.filter(community=community).select_related("site"))
    selected = next((m for m in meters if str(m.pk) == request.GET.get("meter")), None)
    selected = selected or next((m for m in meters if m.direction == "import"), None)
    year = selectors.latest_year(community)
    if request.GET.get("year", "").isdigit():
        year = int(request.GET["year"])
    data = selectors.meter_year(community, selected, year) if selected and year else None
    page_charts = charts.meter_charts(data) if data else []
    return render(
        request,
        "energy/overview.html",
        {
            "community": community,
            "meters": meters,
            "selected": selected,
            "year": year,
            "data": data,
            "charts": page_charts,
            "batches": ImportBatch.objects.filter(community=community)[:10],
            "renewables": selectors.renewables(community),
            "charging": selectors.charging_summary(community),
            "months": selectors.community_months(community, year) if year else [],
            "can_write": _can_write(request, community),
        },
    )


@staff_required
def meter_create(request, slug: str):
    community = _community(request, slug, write=True)
    form = MeterForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_meter(actor=request.user, community=community, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Meter saved."))
            return redirect("energy:overview", slug=community.slug)
    return render(
        request, "sites/form.html", {"form": form, "community": community, "title": _("New meter")}
    )


@staff_required
def import_readings(request, slug: str):
    community = _community(request, slug, write=True)
    form = ReadingImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        mapping = intervals.ColumnMapping(
            meter=data["meter_column"],
            timestamp=data["timestamp_column"],
            value=data["value_column"],
            unit=data["unit_column"] or None,
            value_unit=data["value_unit"] or None,
            timestamp_is_end=data["timestamp_is_end"],
            header_row=data["header_row"],
        )
        try:
            outcome = services.import_readings(
                actor=request.user,
                community=community,
                filename=upload.name,
                content=upload.read(),
                source=upload.name.rsplit(".", 1)[-1].lower()[:8],
                mapping=mapping,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if outcome.already_imported:
                messages.info(request, _("This file was imported before: nothing changed."))
            return redirect("energy:batch", pk=outcome.batch.pk)
    return render(request, "energy/import.html", {"form": form, "community": community})


@staff_required
def batch_detail(request, pk: int):
    batch = scope.get_or_404(
        ImportBatch.objects.filter(
            community__in=scope.communities_for(request.user)
        ).select_related("community"),
        pk=pk,
    )
    return render(
        request,
        "energy/batch.html",
        {
            "batch": batch,
            "community": batch.community,
            "rejected": batch.rejected_rows.all()[:1000],
        },
    )


@staff_required
def pv_page(request, slug: str):
    community = _community(request, slug)
    weather, roofs = selectors.assess_roofs(community)
    systems = selectors.pv_systems_status(community, weather)
    return render(
        request,
        "energy/pv.html",
        {
            "community": community,
            "weather": weather,
            "roofs": roofs,
            "systems": systems,
            "charts": charts.pv_charts(systems),
            "cause_labels": selectors.CAUSE_LABELS,
            "roof_geojson": selectors.roof_features(roofs, community),
            "today": dt.date.today(),
        },
    )
