"""The circle's stored inputs: a community's street network, its imported homes, its
settings, and the siting runs staff keep. Coverage itself is computed, never stored."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import CandidateSource, NetworkFormat, Profile, SitingMethod


class StreetNetwork(models.Model):
    """The walking network of a community, as compressed arrays (one per community)."""

    community = models.OneToOneField(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="street_network",
    )
    source_name = models.CharField(_("source file"), max_length=255)
    source_format = models.CharField(_("format"), max_length=12, choices=NetworkFormat.choices)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    nodes = models.PositiveIntegerField(_("street nodes"))
    edges = models.PositiveIntegerField(_("street segments"))
    ways = models.PositiveIntegerField(_("walkable ways"), default=0)
    clipped_nodes = models.PositiveIntegerField(_("node references outside the file"), default=0)
    length_km = models.FloatField(_("street length (km)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    data = models.BinaryField(_("arrays (.npz)"))
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("street network")
        verbose_name_plural = _("street networks")

    def __str__(self) -> str:
        return f"{self.community} · {self.source_name}"


class CircleSettings(models.Model):
    """A community's walking threshold and speeds (defaults: GB 50180-2018)."""

    community = models.OneToOneField(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="circle_settings",
    )
    max_walk_m = models.PositiveIntegerField(
        _("walking threshold (m)"),
        default=1000,
        validators=[MinValueValidator(100), MaxValueValidator(5000)],
        help_text=_("GB 50180-2018: the 15-minute life circle is about 800–1,000 m of walking."),
    )
    speed_m_per_min = models.FloatField(
        _("walking speed (m/min)"),
        default=80.0,
        validators=[MinValueValidator(20), MaxValueValidator(150)],
    )
    elderly_speed_m_per_min = models.FloatField(
        _("elderly walking speed (m/min)"),
        default=60.0,
        validators=[MinValueValidator(20), MaxValueValidator(150)],
        help_text=_("The elderly profile keeps the same walking time and walks slower."),
    )
    homes_sha256 = models.CharField(max_length=64, blank=True)
    homes_source_name = models.CharField(_("homes file"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("circle settings")
        verbose_name_plural = _("circle settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_walk_m__gte=100, max_walk_m__lte=5000),
                name="circle_max_walk_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(speed_m_per_min__gte=20, speed_m_per_min__lte=150)
                & models.Q(elderly_speed_m_per_min__gte=20, elderly_speed_m_per_min__lte=150),
                name="circle_speeds_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.max_walk_m} m"


class Home(models.Model):
    """An imported home point (a building with its population). When a community has
    any, they replace the household register as the circle's homes."""

    community = models.ForeignKey(
        "sites.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    ref = models.CharField(_("id"), max_length=80)
    name = models.CharField(_("name"), max_length=120, blank=True)
    lat = models.FloatField(_("latitude (°)"))
    lon = models.FloatField(_("longitude (°)"))
    residents = models.PositiveIntegerField(_("residents (persons)"))

    class Meta:
        verbose_name = _("home")
        verbose_name_plural = _("homes")
        ordering = ["community_id", "ref"]
        constraints = [models.UniqueConstraint(fields=["community", "ref"], name="home_unique_ref")]

    def __str__(self) -> str:
        return self.name or self.ref


class SitingRun(models.Model):
    """Proposed new posts: the candidates chosen, each with its gain in residents."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="siting_runs",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    profile = models.CharField(_("profile"), max_length=8, choices=Profile.choices)
    method = models.CharField(_("method"), max_length=8, choices=SitingMethod.choices)
    candidate_source = models.CharField(
        _("candidates"), max_length=8, choices=CandidateSource.choices
    )
    candidates = models.PositiveIntegerField(_("candidate places"))
    new = models.PositiveSmallIntegerField(_("new posts"))
    max_walk_m = models.FloatField(_("walking threshold (m)"))
    coverage_pct_before = models.FloatField(_("coverage before (%)"))
    coverage_pct_after = models.FloatField(_("coverage after (%)"))
    result = models.JSONField(_("result"))

    class Meta:
        verbose_name = _("siting run")
        verbose_name_plural = _("siting runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.community} · {self.new} · {self.created_at:%Y-%m-%d}"
