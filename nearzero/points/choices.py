"""Choices of the points app, in one place."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    RESIDENT = "resident", _("resident")
    ISSUED = (
        "issued",
        _("points issued"),
    )  # the community's source of points: minus what it credited
    REDEEMED = "redeemed", _("points redeemed for rewards")
    EXPIRED = "expired", _("points expired")
    POOL = "pool", _("low-carbon fund pool")
    FUNDING = "funding", _("money paid in")  # counterpart of pool inflows
    SPENDING = "spending", _("money paid out")  # counterpart of pool outflows


#: Accounts whose balance may never go below zero (checked in code and by the database).
GUARDED_KINDS = (AccountKind.RESIDENT, AccountKind.POOL)
#: Accounts counted in fen (1 yuan = 100 fen); every other account counts points.
MONEY_KINDS = (AccountKind.POOL, AccountKind.FUNDING, AccountKind.SPENDING)


class Unit(models.TextChoices):
    POINTS = "points", _("points")
    FEN = "fen", _("fen (0.01 yuan)")


class PostingKind(models.TextChoices):
    EARN = "earn", _("earned")
    REDEEM = "redeem", _("reward reserved")
    REFUND = "refund", _("reward cancelled, points refunded")
    EXPIRE = "expire", _("expired")
    ADJUST = "adjust", _("adjustment")
    FUND_IN = "fund_in", _("fund inflow")
    FUND_OUT = "fund_out", _("fund outflow")


class FactSource(models.TextChoices):
    CHECKIN = "checkin", _("event check-in")
    WEIGHING = "weighing", _("recyclables weighed (per kg)")
    SHIFT = "shift", _("verified volunteer hour")
    QUIZ = "quiz", _("quiz passed")
    CARE = "care", _("plant-care log")


class FundSource(models.TextChoices):
    BUDGET = "budget", _("budget")
    DONATION = "donation", _("donation")
    OFFSET_SALE = "offset_sale", _("offset sales")
    REWARDS = "rewards", _("rewards at cost")
    OTHER = "other", _("other")


class OrderStatus(models.TextChoices):
    RESERVED = "reserved", _("reserved")
    COLLECTED = "collected", _("collected")
    CANCELLED = "cancelled", _("cancelled")
