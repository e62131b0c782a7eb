"""Meters, import batches, the renewables register, candidate roofs and charging sessions.

Interval readings themselves are not in the database: they live in the append-only Parquet
store (``nearzero.energy.store``) under the data folder, one partition per community and
local month. The database keeps what describes them: meters and import batches.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Carrier, Direction, Mounting, Register, RenewableKind, Vehicle


class Meter(models.Model):
    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="meters",
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meters",
    )
    code = models.CharField(
        _("meter code"), max_length=60, help_text=_("as it appears in vendor files")
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    carrier = models.CharField(_("carrier"), max_length=12, choices=Carrier.choices)
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    unit = models.CharField(_("unit"), max_length=8, help_text=_("kWh, Wh, MWh, m3 or GJ"))
    register = models.CharField(_("register"), max_length=8, choices=Register.choices)
    resolution_min = models.PositiveSmallIntegerField(
        _("resolution (min)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    rollover_at = models.FloatField(
        _("counter wraps at"),
        null=True,
        blank=True,
        help_text=_("the register's modulus, e.g. 100000 for a display that tops out at 99999.9"),
    )
    #: Monthly totals of this meter become inventory activity records of this type/category.
    inventory_activity_type = models.CharField(
        _("inventory activity type"), max_length=40, blank=True
    )
    inventory_category = models.CharField(_("inventory category"), max_length=12, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        ordering = ["community_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="meter_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class ImportBatch(models.Model):
    """One file or push of readings: rows in = inserted + duplicates + rejected."""

    community = models.ForeignKey(
        "sites.Community", on_delete=models.PROTECT, related_name="reading_batches"
    )
    sha256 = models.CharField(_("file hash (SHA-256)"), max_length=64)
    filename = models.CharField(_("file name"), max_length=255)
    source = models.CharField(_("source"), max_length=8)  # csv, xlsx, api, demo
    rows_in = models.PositiveIntegerField(_("rows in"))
    inserted = models.PositiveIntegerField(_("inserted"))
    duplicates = models.PositiveIntegerField(_("duplicates"))
    rejected = models.PositiveIntegerField(_("rejected"))
    revisions = models.PositiveIntegerField(_("revisions"))
    months = models.JSONField(_("months touched"), default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("reading import")
        verbose_name_plural = _("reading imports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["community", "sha256"], name="reading_file_once"),
            models.CheckConstraint(
                condition=Q(
                    rows_in=models.F("inserted") + models.F("duplicates") + models.F("rejected")
                ),
                name="reading_batch_rows_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"


class RejectedRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejected_rows")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=60)
    value = models.CharField(_("value"), max_length=120, blank=True)
    code = models.CharField(_("code"), max_length=24)
    reason = models.CharField(_("reason"), max_length=255)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["batch_id", "row"]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.reason}"


class PVSystem(models.Model):
    community = models.ForeignKey(
        "sites.Community", on_delete=models.PROTECT, related_name="pv_systems"
    )
    site = models.ForeignKey(
        "sites.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="pv_systems"
    )
    name = models.CharField(_("name"), max_length=120)
    kwp = models.FloatField(_("capacity (kWp)"), validators=[MinValueValidator(0.01)])
    tilt_deg = models.FloatField(
        _("tilt (°)"), validators=[MinValueValidator(0), MaxValueValidator(90)]
    )
    azimuth_deg = models.FloatField(
        _("azimuth (°, 180 = south)"), validators=[MinValueValidator(0), MaxValueValidator(360)]
    )
    mounting = models.CharField(
        _("mounting"), max_length=10, choices=Mounting.choices, default=Mounting.ROOF
    )
    inverter_ac_kw = models.FloatField(_("inverter AC size (kW)"), null=True, blank=True)
    losses_pct = models.FloatField(_("system losses (%)"), default=14.08)
    commissioned_on = models.DateField(_("commissioning date"), null=True, blank=True)
    generation_meter = models.ForeignKey(
        Meter,
        verbose_name=_("generation meter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    load_meter = models.ForeignKey(
        Meter,
        verbose_name=_("co-timed load meter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("PV system")
        verbose_name_plural = _("PV systems")

    def __str__(self) -> str:
        return f"{self.name} ({self.kwp:g} kWp)"


class CandidateRoof(models.Model):
    community = models.ForeignKey(
        "sites.Community", on_delete=models.PROTECT, related_name="candidate_roofs"
    )
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, null=True, blank=True)
    name = models.CharField(_("name"), max_length=120)
    area_m2 = models.FloatField(_("usable roof area (m²)"), validators=[MinValueValidator(1)])
    tilt_deg = models.FloatField(_("tilt (°)"), default=20)
    azimuth_deg = models.FloatField(_("azimuth (°, 180 = south)"), default=180)
    shading_factor = models.FloatField(
        _("shading factor"),
        default=1.0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("share of irradiance not shaded, 1 = unshaded"),
    )

    class Meta:
        verbose_name = _("candidate roof")
        verbose_name_plural = _("candidate roofs")

    def __str__(self) -> str:
        return self.name


class OtherRenewable(models.Model):
    """Hydro, solar water heaters, PV benches and lamps, pergolas: capacity and yearly yield."""

    community = models.ForeignKey(
        "sites.Community", on_delete=models.PROTECT, related_name="other_renewables"
    )
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RenewableKind.choices)
    name = models.CharField(_("name"), max_length=120)
    capacity_kw = models.FloatField(_("capacity (kW)"), null=True, blank=True)
    annual_kwh = models.FloatField(_("generation (kWh/yr)"), null=True, blank=True)
    annual_kwh_used_on_site = models.FloatField(
        _("used in the community (kWh/yr)"), null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("renewable installation")
        verbose_name_plural = _("renewable installations")

    def __str__(self) -> str:
        return self.name


class ChargingSession(models.Model):
    community = models.ForeignKey(
        "sites.Community", on_delete=models.PROTECT, related_name="charging_sessions"
    )
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, null=True, blank=True)
    external_id = models.CharField(_("session id"), max_length=80)
    started_at = models.DateTimeField(_("started"))
    kwh = models.FloatField(_("energy (kWh)"), validators=[MinValueValidator(0)])
    vehicle = models.CharField(_("vehicle"), max_length=6, choices=Vehicle.choices)

    class Meta:
        verbose_name = _("charging session")
        verbose_name_plural = _("charging sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "external_id"], name="charging_session_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.kwh:g} kWh"


class SolarStation(models.Model):
    """A user's own solar-resource station: monthly irradiation and diffuse share, used like
    the shipped stations (the nearest one serves a community)."""

    community = models.ForeignKey(
        "sites.Community", on_delete=models.PROTECT, related_name="solar_stations"
    )
    code = models.CharField(_("station code"), max_length=20)
    name = models.CharField(_("name"), max_length=120)
    lat = models.FloatField(_("latitude (°)"))
    lon = models.FloatField(_("longitude (°)"))
    altitude_m = models.FloatField(_("altitude (m)"), default=0)
    monthly_ghi_kwh_m2 = models.JSONField(
        _("monthly global horizontal irradiation (kWh/m²)"), help_text=_("12 values, January first")
    )
    diffuse_share = models.FloatField(
        _("diffuse share"), validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    source = models.CharField(_("source"), max_length=255)

    class Meta:
        verbose_name = _("solar station")
        verbose_name_plural = _("solar stations")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="solar_station_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        values = self.monthly_ghi_kwh_m2
        if not (
            isinstance(values, list)
            and len(values) == 12
            and all(isinstance(v, int | float) and v >= 0 for v in values)
        ):
            raise ValidationError({"monthly_ghi_kwh_m2": _("Give 12 non-negative numbers.")})

    def as_core(self):
        from nearzero.core.energy import solar

        return solar.Station(
            code=self.code,
            name=self.name,
            name_zh=self.name,
            latitude_deg=self.lat,
            longitude_deg=self.lon,
            altitude_m=self.altitude_m,
            monthly_ghi_kwh_per_m2=tuple(float(v) for v in self.monthly_ghi_kwh_m2),
            diffuse_share=self.diffuse_share,
            temp_mean_c=16.0,
            temp_annual_half_range_c=11.0,
            wind_speed_m_per_s=2.0,
            source=self.source,
        )
