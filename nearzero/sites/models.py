"""The organisation tree: Region → Community → Site, and where residents live."""

from __future__ import annotations

from zoneinfo import available_timezones

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from nearzero.core import tree

from .choices import GridRegion, PilotType, Province, RegionLevel, SiteKind


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones()) if "/" in name]


class BilingualName(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language, falling back to Chinese."""
        language = get_language() or ""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Region(BilingualName):
    """An administrative area above communities: city, district, town or street."""

    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(
        _("administrative code"), max_length=12, blank=True, help_text=_("GB/T 2260 code, if any")
    )
    #: Materialised path of ids, e.g. "1/4/9/" (see nearzero.core.tree); set by services.
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    @property
    def depth(self) -> int:
        return tree.depth(self.path)


class Community(BilingualName):
    """A community (社区) or village (村): the accounting boundary of a programme."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="communities"
    )
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    boundary = models.JSONField(
        _("boundary (GeoJSON)"),
        null=True,
        blank=True,
        help_text=_("Polygon or MultiPolygon, WGS 84"),
    )
    population = models.PositiveIntegerField(_("population (persons)"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=14, decimal_places=1, default=0
    )
    province = models.CharField(_("province"), max_length=6, choices=Province.choices)
    grid_region = models.CharField(_("grid region"), max_length=12, choices=GridRegion.choices)
    pilot_type = models.CharField(_("NDRC pilot type"), max_length=16, choices=PilotType.choices)
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=_time_zone_choices, default=settings.TIME_ZONE
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["region__path", "slug"]


class Site(BilingualName):
    """A place people go: the centre, a station, a post (e.g. 红梅驿站) or a partner."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="sites"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SiteKind.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    lat = models.FloatField(
        _("latitude (°)"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    lon = models.FloatField(
        _("longitude (°)"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    opening_hours = models.CharField(
        _("opening hours"),
        max_length=255,
        blank=True,
        help_text=_("OpenStreetMap opening_hours syntax, e.g. Mo-Fr 08:30-17:00"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["community_id", "kind", "name_zh"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="site_lat_lon_in_range",
            )
        ]


class Building(models.Model):
    """A residential building (or a cluster of village houses) where households live."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("name"), max_length=120)
    lat = models.FloatField(_("latitude (°)"))
    lon = models.FloatField(_("longitude (°)"))
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="building_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household: a dwelling unit in a building and how many residents live there."""

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="household_set"
    )
    label = models.CharField(
        pgettext_lazy("household", "unit"), max_length=40, help_text=_("e.g. 3-201")
    )
    residents = models.PositiveSmallIntegerField(_("residents (persons)"))

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building_id", "label"]
        constraints = [
            models.UniqueConstraint(fields=["building", "label"], name="household_unique_label")
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.label}"
