"""The emission-factor registry, factor sets and community inventories."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    Category,
    Gas,
    GeographyLevel,
    GWPSet,
    Level,
    NotationKey,
    Origin,
    QualityMethod,
    QualityRating,
    Scheme,
    Series,
    UnitUse,
)


class ReadOnlyError(RuntimeError):
    code = "shipped_read_only"


#: The descriptive fields of a factor, shared by the registry sync and the local-factor form.
FACTOR_FIELDS = (
    "activity_type",
    "gas",
    "unit",
    "mass",
    "per",
    "series",
    "geography_level",
    "geography_code",
    "data_year",
    "published",
    "source",
    "reference",
    "note",
    "verified",
)


class EmissionFactor(models.Model):
    """One published (or local) factor for one gas. Shipped factors never change: a new
    value is a new factor with a new code."""

    code = models.CharField(_("id"), max_length=80, unique=True)
    activity_type = models.CharField(_("activity type"), max_length=40, db_index=True)
    gas = models.CharField(_("gas"), max_length=12, choices=Gas.choices)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=10)
    unit = models.CharField(_("unit"), max_length=40, help_text=_("as published, e.g. kgCO2/kWh"))
    mass = models.CharField(
        _("mass unit of gas"), max_length=2, choices=[("g", "g"), ("kg", "kg"), ("t", "t")]
    )
    per = models.CharField(_("per unit of activity"), max_length=12)
    series = models.CharField(_("series (口径)"), max_length=24, choices=Series.choices)
    geography_level = models.CharField(
        _("geography"), max_length=12, choices=GeographyLevel.choices
    )
    geography_code = models.CharField(_("geography code"), max_length=12)
    data_year = models.PositiveSmallIntegerField(_("data year"), null=True, blank=True)
    published = models.CharField(
        _("published"),
        max_length=10,
        validators=[RegexValidator(r"^\d{4}(-\d{2}(-\d{2})?)?$", _("YYYY, YYYY-MM or YYYY-MM-DD"))],
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source document"), max_length=400)
    reference = models.CharField(_("clause or notice number"), max_length=400, blank=True)
    note = models.TextField(_("note"), blank=True)
    verified = models.BooleanField(_("verified against the source"), default=True)
    is_shipped = models.BooleanField(_("shipped with nearzero"), default=False, editable=False)
    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community (local factor)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="local_factors",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        ordering = ["activity_type", "gas", "-data_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_shipped=True, community__isnull=True)
                | Q(is_shipped=False, community__isnull=False),
                name="factor_shipped_or_local",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} = {self.value.normalize()} {self.unit}"

    def save(self, *args, **kwargs):
        syncing = kwargs.pop("_sync", False)
        if self.pk and self.is_shipped and not syncing:
            raise ReadOnlyError("shipped factors are read-only")
        super().save(*args, **kwargs)


class FactorSet(models.Model):
    """A named selection of factors; an inventory pins one at creation."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    grid_data_year = models.PositiveSmallIntegerField(_("grid data year"), null=True, blank=True)
    is_shipped = models.BooleanField(_("shipped with nearzero"), default=False, editable=False)
    community = models.ForeignKey(
        "sites.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    factors = models.ManyToManyField(EmissionFactor, related_name="sets", verbose_name=_("factors"))

    class Meta:
        verbose_name = _("factor set")
        verbose_name_plural = _("factor sets")
        ordering = ["-grid_data_year", "code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Inventory(models.Model):
    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="inventories",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    gwp_set = models.CharField(_("GWP set"), max_length=4, choices=GWPSet.choices, default="AR5")
    factor_set = models.ForeignKey(
        FactorSet, verbose_name=_("factor set"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(
        _("reporting level"), max_length=12, choices=Level.choices, default=Level.BASIC
    )
    is_baseline = models.BooleanField(_("baseline year"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inventory")
        verbose_name_plural = _("inventories")
        ordering = ["community_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="inventory_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"


class ImportBatch(models.Model):
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="imports")
    sha256 = models.CharField(_("file hash (SHA-256)"), max_length=64)
    filename = models.CharField(_("file name"), max_length=255)
    rows = models.PositiveIntegerField(_("rows in"))
    inserted = models.PositiveIntegerField(_("inserted"))
    updated = models.PositiveIntegerField(_("updated"))
    unchanged = models.PositiveIntegerField(_("unchanged"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        constraints = [
            models.UniqueConstraint(fields=["inventory", "sha256"], name="import_once_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"


class ActivityRecord(models.Model):
    """A quantity of activity in one month (1–12) or the whole year (0)."""

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="activities")
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MaxValueValidator(12)], help_text=_("1–12, or 0 for the whole year")
    )
    activity_type = models.CharField(_("activity type"), max_length=40)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    gpc_ref = models.CharField(_("GPC reference"), max_length=10, blank=True)
    label = models.CharField(
        _("label"), max_length=120, blank=True, help_text=_("e.g. the building or meter")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=12)
    #: The quantity in the activity type's canonical unit (kWh, m³, kg, GJ); set by services.
    quantity_canonical = models.FloatField(_("quantity (canonical unit)"), editable=False)
    quality_method = models.CharField(
        _("data quality: method"), max_length=12, choices=QualityMethod.choices
    )
    quality_rating = models.CharField(
        _("data quality: rating"), max_length=8, choices=QualityRating.choices
    )
    evidence = models.FileField(_("evidence"), upload_to="evidence/%Y/", blank=True)
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices)
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    meter_ref = models.CharField(_("meter"), max_length=80, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("activity record")
        verbose_name_plural = _("activity records")
        ordering = ["inventory_id", "month", "activity_type", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["inventory", "month", "activity_type", "category", "gpc_ref", "label"],
                name="activity_natural_key",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="activity_quantity_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["inventory", "activity_type"])]

    def __str__(self) -> str:
        period = f"{self.month:02d}" if self.month else "year"
        return f"{self.activity_type} {period} {self.label} {self.quantity.normalize()} {self.unit}"


class NotationEntry(models.Model):
    """A GPC row reported with no data: a notation key and its explanation."""

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="notations")
    gpc_ref = models.CharField(_("GPC reference"), max_length=10)
    key = models.CharField(_("notation key"), max_length=2, choices=NotationKey.choices)
    explanation = models.CharField(_("explanation"), max_length=400)

    class Meta:
        verbose_name = _("notation key")
        verbose_name_plural = _("notation keys")
        constraints = [
            models.UniqueConstraint(fields=["inventory", "gpc_ref"], name="notation_once_per_row"),
            models.CheckConstraint(condition=~Q(explanation=""), name="notation_explained"),
        ]

    def __str__(self) -> str:
        return f"{self.gpc_ref} {self.key}"


class SinkRecord(models.Model):
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="sinks")
    kind = models.CharField(_("kind"), max_length=20)
    label = models.CharField(_("label"), max_length=120, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=8)
    quantity_canonical = models.FloatField(editable=False)
    rate = models.ForeignKey(
        EmissionFactor, verbose_name=_("rate"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("carbon sink")
        verbose_name_plural = _("carbon sinks")
        constraints = [
            models.UniqueConstraint(fields=["inventory", "kind", "label"], name="sink_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.label} {self.quantity.normalize()} {self.unit}"


class RetiredUnit(models.Model):
    """A retired credit (offset) or a scope 2 instrument. A serial is retired once, ever."""

    inventory = models.ForeignKey(Inventory, on_delete=models.PROTECT, related_name="retired_units")
    use = models.CharField(_("use"), max_length=8, choices=UnitUse.choices)
    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    serial = models.CharField(_("serial number"), max_length=120, unique=True)
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=8, choices=[("tCO2e", "tCO2e"), ("MWh", "MWh")])
    retired_on = models.DateField(_("retired on"))
    evidence = models.FileField(_("evidence"), upload_to="evidence/%Y/", blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("retired unit")
        verbose_name_plural = _("retired units")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="retired_quantity_positive"),
            models.CheckConstraint(
                condition=Q(use="offset") | Q(unit="MWh"), name="scope2_instrument_in_mwh"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.serial}"
