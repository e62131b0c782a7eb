"""Choices of the inventory app (labels follow docs/glossary.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    RESIDENTIAL = "residential", _("residential life")
    PUBLIC = "public", _("public buildings")
    TRANSPORT = "transport", pgettext_lazy("emission category", "transport")
    WASTE = "waste", _("waste")
    AGRICULTURE = "agriculture", _("agriculture")
    OTHER = "other", _("other")


class Level(models.TextChoices):
    BASIC = "basic", "BASIC"
    BASIC_PLUS = "basic_plus", "BASIC+"


class GWPSet(models.TextChoices):
    AR5 = "AR5", _("IPCC AR5 (100-year)")
    AR6 = "AR6", _("IPCC AR6 (100-year)")


class Gas(models.TextChoices):
    CO2 = "CO2", "CO₂"
    CH4 = "CH4", "CH₄"
    CH4_FOSSIL = "CH4_fossil", _("CH₄ (fossil)")
    N2O = "N2O", "N₂O"


class Series(models.TextChoices):
    AVERAGE = "average", _("average")
    EXCL_MARKET_NONFOSSIL = "excl_market_nonfossil", _("excluding market-traded non-fossil")
    FOSSIL = "fossil", _("fossil")
    COMPLIANCE = "compliance", _("compliance (enterprise reporting)")
    DEFAULT = "default", _("default")


class GeographyLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    GRID_REGION = "grid_region", _("grid region")
    NATIONAL = "national", _("national")
    GLOBAL = "global", _("global (IPCC)")
    LOCAL = "local", _("local")


class QualityMethod(models.TextChoices):
    MEASURED = "measured", _("measured")
    ESTIMATED = "estimated", _("estimated")
    DOWNSCALED = "downscaled", _("downscaled")


class QualityRating(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class Origin(models.TextChoices):
    FORM = "form", _("form")
    IMPORT = "import", _("import")
    METER = "meter", _("meter")
    API = "api", "API"
    DEMO = "demo", _("demo data")


class NotationKey(models.TextChoices):
    NO = "NO", _("NO – not occurring")
    IE = "IE", _("IE – included elsewhere")
    NE = "NE", _("NE – not estimated")
    C = "C", _("C – confidential")


class UnitUse(models.TextChoices):
    OFFSET = "offset", _("offset")
    SCOPE2 = "scope2", _("scope 2 market-based instrument")


class Scheme(models.TextChoices):
    CHENGDU_TANHUI = "chengdu_tanhui", _("碳惠天府 (Chengdu carbon-inclusive)")
    CCER = "ccer", "CCER"
    GEC = "gec", _("green electricity certificate (GEC)")
    GREEN_POWER = "green_power", _("green-power contract")
    OTHER = "other", _("other")
