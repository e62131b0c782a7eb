from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required

from . import dashboard as dashboard_registry
from . import screen as big_screen


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


@staff_required
def screen(request, slug: str):
    """The big screen for the centre's lobby TV: full screen, refreshed from ``screen_data``."""
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    return render(
        request, "web/screen.html", {"community": community, "screen": big_screen.build(community)}
    )


@staff_required
def screen_data(request, slug: str):
    """The big screen's figures as JSON (fetched every minute by screen.js)."""
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    response = JsonResponse(big_screen.build(community), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def healthz(request):
    """Liveness for load balancers: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")
