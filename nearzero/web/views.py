from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required

from . import dashboard as dashboard_registry


@login_required
def home(request):
    """Send each user where their work is."""
    if scope.is_staff_member(request.user):
        communities = scope.communities_for(request.user)
        if communities.count() == 1:
            return redirect("web:dashboard", slug=communities.get().slug)
        return redirect("sites:community_list")
    if scope.resident_assignment(request.user):
        return redirect("web:me")
    return render(request, "web/no_role.html", status=403)


@staff_required
def dashboard(request, slug: str):
    community = scope.get_or_404(
        scope.communities_for(request.user).select_related("region"), slug=slug
    )
    panel = dashboard_registry.build(community)
    charts = [{"key": c.key, "title": str(c.title), "option": c.option} for c in panel.charts]
    return render(
        request,
        "web/dashboard.html",
        {"community": community, "panel": panel, "charts": charts},
    )


def healthz(request):
    """Liveness for load balancers: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")
