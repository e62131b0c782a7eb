"""Choices and constants of the circle app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from nearzero.sites.choices import SiteKind

#: The sites a resident's 15-minute circle promises: the centre, the stations and the posts
#: (partners such as a café or a park are not low-carbon service points).
CIRCLE_KINDS = (SiteKind.CENTRE, SiteKind.STATION, SiteKind.POST)


class Profile(models.TextChoices):
    """Who walks. The elderly profile keeps the time budget and walks slower."""

    ADULT = "adult", _("adults")
    ELDERLY = "elderly", _("elderly residents")


class NetworkFormat(models.TextChoices):
    OSM = "osm", _("OpenStreetMap (PBF/XML)")
    GEOJSON = "geojson", _("GeoJSON lines")
    SHAPEFILE = "shapefile", _("Shapefile")


class HomesSource(models.TextChoices):
    HOUSEHOLDS = "households", _("household register (buildings and their households)")
    FILE = "file", _("imported file of buildings with population")


class CandidateSource(models.TextChoices):
    NODES = "nodes", _("street junctions")
    FILE = "file", _("uploaded CSV of candidate places")
    DRAWN = "drawn", _("places drawn on the map")


class SitingMethod(models.TextChoices):
    GREEDY = "greedy", _("greedy (fast; covers at least 0.63 × the best possible)")
    EXACT = "exact", _("exact (integer programming; small cases)")
