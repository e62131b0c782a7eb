"""Inventory pages: parse → scope → service or selector → render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required
from nearzero.core.errors import DomainError
from nearzero.core.ghg import reference, registry
from nearzero.web.forms import add_domain_error

from . import charts, files, selectors, services
from .choices import GeographyLevel
from .forms import (
    ActivityForm,
    FactorFilterForm,
    FactorSetForm,
    ImportForm,
    InventoryForm,
    LocalFactorForm,
    NotationForm,
    RetireForm,
    SinkForm,
)
from .models import ActivityRecord, FactorSet, Inventory


def _inventory(request, pk: int, *, write: bool = False) -> Inventory:
    communities = (scope.manageable_communities if write else scope.communities_for)(request.user)
    return scope.get_or_404(
        Inventory.objects.filter(community__in=communities).select_related(
            "community", "community__region", "factor_set"
        ),
        pk=pk,
    )


def _can_write(request, inventory: Inventory) -> bool:
    return scope.manageable_communities(request.user).filter(pk=inventory.community_id).exists()


@staff_required
def inventory_list(request, slug: str):
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    inventories = list(community.inventories.select_related("factor_set").order_by("-year"))
    for inventory in inventories:
        inventory.community = community
    computed = selectors.compute_many(inventories)
    rows = [(inv, computed[inv.pk].result) for inv in inventories]
    can_write = scope.manageable_communities(request.user).filter(pk=community.pk).exists()
    return render(
        request,
        "inventory/inventory_list.html",
        {"community": community, "rows": rows, "can_write": can_write},
    )


@staff_required
def inventory_create(request, slug: str):
    community = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
    form = InventoryForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            inventory = services.create_inventory(
                actor=request.user, community=community, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Inventory created."))
            return redirect("inventory:detail", pk=inventory.pk)
    return render(
        request,
        "inventory/form.html",
        {"form": form, "community": community, "title": _("New inventory")},
    )


@staff_required
def inventory_detail(request, pk: int):
    inventory = _inventory(request, pk)
    previous = selectors.previous_inventory(inventory)
    batch = [inventory] + ([previous] if previous else [])
    computed_all = selectors.compute_many(batch)
    computed = computed_all[inventory.pk]
    base, decomposition = selectors.year_on_year(
        computed, computed_all[previous.pk] if previous else None
    )
    result = computed.result
    monthly = result.by_category_month
    page_charts = [
        {
            "key": "category_month",
            "title": _("Emissions by category and month (tCO2e)"),
            "option": charts.category_by_month(monthly),
        },
        {"key": "scopes", "title": _("Emissions by scope"), "option": charts.scope_donut(result)},
        {
            "key": "net",
            "title": _("From gross to net (tCO2e)"),
            "option": charts.net_waterfall(result),
        },
    ]
    if base and not decomposition.no_base:
        page_charts.append(
            {
                "key": "yoy",
                "title": _("Change against %(year)s (tCO2e)") % {"year": base.year},
                "option": charts.yoy_waterfall(base.year, inventory.year, decomposition),
            }
        )
    completeness = selectors.completeness(inventory, result)
    labels = {code: selectors.activity_label(code) for code in reference.activity_types()}
    geographies = dict(GeographyLevel.choices)
    lines = [
        (ln, labels.get(ln.activity_type, ln.activity_type), geographies.get(ln.geography, ""))
        for ln in sorted(result.lines, key=lambda ln: (-ln.tco2e, ln.activity_type))
    ]
    sink_rows = [
        (
            sink,
            registry.SINK_KINDS.get(sink.kind, ("", sink.kind, sink.kind)),
            sink.quantity_canonical * selectors.to_core_factor(sink.rate).kg_per_unit / 1000.0,
        )
        for sink in inventory.sinks.select_related("rate")
    ]
    return render(
        request,
        "inventory/inventory_detail.html",
        {
            "inventory": inventory,
            "community": inventory.community,
            "result": result,
            "base": base,
            "yoy": decomposition,
            "sentence": selectors.yoy_sentence(base, decomposition),
            "charts": page_charts,
            "lines": lines,
            "completeness": completeness,
            "sink_rows": sink_rows,
            "retired": inventory.retired_units.all(),
            "can_write": _can_write(request, inventory),
            "gpc_names": reference.gpc_subsectors(),
        },
    )


@staff_required
def activity_list(request, pk: int):
    inventory = _inventory(request, pk)
    can_write = _can_write(request, inventory)
    form = ActivityForm(request.POST or None, request.FILES or None) if can_write else None
    if request.method == "POST":
        if not can_write:
            raise Http404
        if form.is_valid():
            data = dict(form.cleaned_data)
            evidence = data.pop("evidence")
            try:
                services.record_activity(
                    inventory, actor=request.user, origin="form", evidence=evidence, **data
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Activity saved."))
                return redirect("inventory:activities", pk=inventory.pk)
    records = ActivityRecord.objects.filter(inventory=inventory)
    activity_type = request.GET.get("activity_type", "")
    if activity_type:
        records = records.filter(activity_type=activity_type)
    page = Paginator(records.order_by("month", "activity_type", "label"), 100).get_page(
        request.GET.get("page")
    )
    totals = records.aggregate(n=Count("id"), q=Sum("quantity_canonical"))
    return render(
        request,
        "inventory/activity_list.html",
        {
            "inventory": inventory,
            "community": inventory.community,
            "page": page,
            "form": form,
            "can_write": can_write,
            "totals": totals,
            "activity_type": activity_type,
            "type_labels": {c: selectors.activity_label(c) for c in reference.activity_types()},
        },
    )


@staff_required
@require_POST
def activity_delete(request, pk: int):
    activity = scope.get_or_404(
        ActivityRecord.objects.filter(
            inventory__community__in=scope.manageable_communities(request.user)
        ).select_related("inventory__community"),
        pk=pk,
    )
    inventory_pk = activity.inventory_id
    services.delete_activity(activity, actor=request.user)
    messages.success(request, _("Activity deleted."))
    return redirect("inventory:activities", pk=inventory_pk)


@staff_required
def import_file(request, pk: int):
    inventory = _inventory(request, pk, write=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    report, errors = None, []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            rows = files.read_rows(content, upload.name)
            report = services.import_activity_rows(
                inventory, rows, actor=request.user, content=content, filename=upload.name
            )
        except files.FileError as exc:
            form.add_error("file", str(exc))
        except services.ImportRejected as exc:
            errors = exc.errors
            form.add_error(None, exc.message)
    return render(
        request,
        "inventory/import.html",
        {
            "inventory": inventory,
            "community": inventory.community,
            "form": form,
            "report": report,
            "errors": errors,
        },
    )


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_required
def template_xlsx(request, pk: int):
    inventory = _inventory(request, pk)
    name = f"nearzero-{inventory.community.slug}-{inventory.year}-template.xlsx"
    return _download(files.template(inventory), name, XLSX)


@staff_required
def export_xlsx(request, pk: int):
    inventory = _inventory(request, pk)
    name = f"nearzero-{inventory.community.slug}-{inventory.year}.xlsx"
    return _download(files.export_xlsx(inventory, selectors.report(inventory)), name, XLSX)


@staff_required
def export_json(request, pk: int):
    inventory = _inventory(request, pk)
    name = f"nearzero-{inventory.community.slug}-{inventory.year}.json"
    return _download(files.export_json(selectors.report(inventory)), name, "application/json")


@staff_required
def factor_set_change(request, pk: int):
    inventory = _inventory(request, pk, write=True)
    form = FactorSetForm(
        request.POST or request.GET or None,
        community=inventory.community,
        initial={"factor_set": inventory.factor_set},
    )
    diff = None
    if form.is_bound and form.is_valid():
        chosen: FactorSet = form.cleaned_data["factor_set"]
        if request.method == "POST":
            diff = selectors.factor_set_diff(inventory, chosen)
            services.change_factor_set(inventory, chosen, actor=request.user)
            messages.success(request, _("Factor set changed; the inventory was recalculated."))
            return render(
                request,
                "inventory/factor_set.html",
                {
                    "inventory": inventory,
                    "community": inventory.community,
                    "form": form,
                    "diff": diff,
                    "applied": True,
                },
            )
        diff = selectors.factor_set_diff(inventory, chosen)
    return render(
        request,
        "inventory/factor_set.html",
        {"inventory": inventory, "community": inventory.community, "form": form, "diff": diff},
    )


@staff_required
def notations(request, pk: int):
    inventory = _inventory(request, pk)
    can_write = _can_write(request, inventory)
    form = NotationForm(request.POST or None) if can_write else None
    if request.method == "POST":
        if not can_write:
            raise Http404
        if form.is_valid():
            try:
                services.set_notation(inventory, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Notation key saved."))
                return redirect("inventory:notations", pk=inventory.pk)
    result = selectors.compute(inventory).result
    return render(
        request,
        "inventory/notations.html",
        {
            "inventory": inventory,
            "community": inventory.community,
            "form": form,
            "completeness": selectors.completeness(inventory, result),
            "entries": inventory.notations.order_by("gpc_ref"),
            "can_write": can_write,
        },
    )


@staff_required
def sinks_offsets(request, pk: int):
    inventory = _inventory(request, pk, write=True)
    sink_form = SinkForm(
        request.POST if "add_sink" in request.POST else None, community=inventory.community
    )
    retire_form = RetireForm(request.POST if "retire" in request.POST else None)
    if request.method == "POST":
        form = sink_form if "add_sink" in request.POST else retire_form
        if form.is_valid():
            try:
                if form is sink_form:
                    services.add_sink(inventory, actor=request.user, **form.cleaned_data)
                else:
                    services.retire_unit(inventory, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("inventory:sinks_offsets", pk=inventory.pk)
    return render(
        request,
        "inventory/sinks_offsets.html",
        {
            "inventory": inventory,
            "community": inventory.community,
            "sink_form": sink_form,
            "retire_form": retire_form,
            "sinks": inventory.sinks.select_related("rate"),
            "retired": inventory.retired_units.all(),
        },
    )


@staff_required
def factor_list(request):
    form = FactorFilterForm(request.GET or None)
    factors = selectors.factors_for(scope.communities_for(request.user))
    if form.is_valid():
        factors = selectors.factors_for(
            scope.communities_for(request.user),
            geography=form.cleaned_data["geography"] or "",
            year=form.cleaned_data["year"],
            activity_type=form.cleaned_data["activity_type"] or "",
        )
    page = Paginator(factors.select_related("community"), 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inventory/factor_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "manageable": scope.manageable_communities(request.user),
            "type_labels": {c: selectors.activity_label(c) for c in reference.activity_types()},
        },
    )


@staff_required
def factor_create(request, slug: str):
    community = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
    form = LocalFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_local_factor(actor=request.user, community=community, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Local factor added."))
            return redirect("inventory:factors")
    return render(
        request,
        "inventory/form.html",
        {"form": form, "community": community, "title": _("New local factor")},
    )
