"""Choices of the organisation tree, in one place (labels from docs/glossary.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    CITY = "city", _("city")
    DISTRICT = "district", pgettext_lazy("administrative level", "district")
    TOWN = "town", _("town / street")


#: Which level may sit directly under which (None = a root).
REGION_PARENT_LEVEL = {
    RegionLevel.CITY: None,
    RegionLevel.DISTRICT: RegionLevel.CITY,
    RegionLevel.TOWN: RegionLevel.DISTRICT,
}


class SiteKind(models.TextChoices):
    CENTRE = "centre", _("party-mass service centre")
    STATION = "station", _("party-mass service station")
    POST = "post", _("post")
    PARTNER = "partner", _("partner")


class PilotType(models.TextChoices):
    """NDRC 2015 低碳社区试点建设指南 (发改办气候[2015]362号) community types."""

    NEW_URBAN = "new_urban", _("new urban community")
    EXISTING_URBAN = "existing_urban", _("existing urban community")
    RURAL = "rural", _("rural community")


class GridRegion(models.TextChoices):
    """Regional grids of the MEE/NBS electricity CO2 factor announcements."""

    NORTH = "north", _("North China grid")
    NORTHEAST = "northeast", _("Northeast China grid")
    EAST = "east", _("East China grid")
    CENTRAL = "central", _("Central China grid")
    NORTHWEST = "northwest", _("Northwest China grid")
    SOUTH = "south", _("South China grid")
    SOUTHWEST = "southwest", _("Southwest China grid")


class Province(models.TextChoices):
    """Provincial-level divisions, GB/T 2260 codes."""

    BEIJING = "110000", _("Beijing")
    TIANJIN = "120000", _("Tianjin")
    HEBEI = "130000", _("Hebei")
    SHANXI = "140000", _("Shanxi")
    INNER_MONGOLIA = "150000", _("Inner Mongolia")
    LIAONING = "210000", _("Liaoning")
    JILIN = "220000", _("Jilin")
    HEILONGJIANG = "230000", _("Heilongjiang")
    SHANGHAI = "310000", _("Shanghai")
    JIANGSU = "320000", _("Jiangsu")
    ZHEJIANG = "330000", _("Zhejiang")
    ANHUI = "340000", _("Anhui")
    FUJIAN = "350000", _("Fujian")
    JIANGXI = "360000", _("Jiangxi")
    SHANDONG = "370000", _("Shandong")
    HENAN = "410000", _("Henan")
    HUBEI = "420000", _("Hubei")
    HUNAN = "430000", _("Hunan")
    GUANGDONG = "440000", _("Guangdong")
    GUANGXI = "450000", _("Guangxi")
    HAINAN = "460000", _("Hainan")
    CHONGQING = "500000", _("Chongqing")
    SICHUAN = "510000", _("Sichuan")
    GUIZHOU = "520000", _("Guizhou")
    YUNNAN = "530000", _("Yunnan")
    TIBET = "540000", _("Tibet")
    SHAANXI = "610000", _("Shaanxi")
    GANSU = "620000", _("Gansu")
    QINGHAI = "630000", _("Qinghai")
    NINGXIA = "640000", _("Ningxia")
    XINJIANG = "650000", _("Xinjiang")
    HONG_KONG = "810000", _("Hong Kong")
    MACAO = "820000", _("Macao")
    TAIWAN = "710000", _("Taiwan")
