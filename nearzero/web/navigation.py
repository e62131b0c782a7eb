"""The domains in the main navigation. A domain that has not shipped yet is listed as
'coming' so users see the shape of the platform; its issue replaces the entry with a URL."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Promise
    url_name: str | None  # None: not built yet
    community_scoped: bool = True


DOMAINS: tuple[NavItem, ...] = (
    NavItem("dashboard", _("Dashboard"), "web:dashboard"),
    NavItem("map", _("Sites and map"), "sites:community_map"),
    NavItem("inventory", _("Carbon inventory"), "inventory:list"),
    NavItem("energy", _("Energy"), "energy:overview"),
    NavItem("engagement", _("Engagement"), "engagement:overview"),
    NavItem("points", _("Carbon points"), "points:overview"),
    NavItem("circle", _("15-minute low-carbon circle"), "circle:overview"),
    NavItem("evaluation", _("Evaluation"), "evaluation:index"),
    NavItem("reports", _("Reports"), "reports:index"),
)
