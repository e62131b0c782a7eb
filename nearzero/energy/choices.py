from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Carrier(models.TextChoices):
    ELECTRICITY = "electricity", _("electricity")
    NATURAL_GAS = "natural_gas", _("natural gas")
    WATER = "water", _("water")
    HEAT = "heat", _("heat")


#: The canonical unit of each carrier (nearzero.core.units).
CARRIER_UNIT = {"electricity": "kWh", "natural_gas": "m3", "water": "m3", "heat": "GJ"}


class Direction(models.TextChoices):
    IMPORT = "import", pgettext_lazy("energy direction", "import")
    EXPORT = "export", pgettext_lazy("energy direction", "export")
    GENERATION = "generation", _("generation")
    CHARGING = "charging", _("charging")


class Register(models.TextChoices):
    INTERVAL = "interval", _("interval energy")
    COUNTER = "counter", _("cumulative counter")


class Mounting(models.TextChoices):
    ROOF = "roof", _("roof (close mount)")
    OPEN_RACK = "open_rack", _("open rack")
    PERGOLA = "pergola", _("pergola / canopy")


class RenewableKind(models.TextChoices):
    HYDRO = "hydro", _("hydro station")
    SOLAR_WATER_HEATER = "solar_water_heater", _("solar water heater")
    PV_BENCH = "pv_bench", _("PV bench")
    PV_LAMP = "pv_lamp", _("PV street lamp")
    PV_PERGOLA = "pv_pergola", _("PV pergola")
    OTHER = "other", _("other")


class Vehicle(models.TextChoices):
    EV = "ev", _("electric car")
    EBIKE = "ebike", _("electric bike")
