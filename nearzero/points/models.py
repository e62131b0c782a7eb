"""The points ledger (double entry), its earning rules, rewards and the fund pool.

Postings and legs are append-only (database triggers, like the audit log): a correction is a
new posting. ``Account.balance`` is a cache of the sum of the account's legs, kept in the same
transaction as the legs and checked by ``nearzero points reconcile``; residents' and fund
pools' balances can never go below zero (a check constraint, besides the services' check).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    GUARDED_KINDS,
    AccountKind,
    FactSource,
    FundSource,
    OrderStatus,
    PostingKind,
    Unit,
)

USER = settings.AUTH_USER_MODEL


class Account(models.Model):
    community = models.ForeignKey(
        "sites.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    resident = models.OneToOneField(
        "engagement.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_account",
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    unit = models.CharField(_("unit"), max_length=6, choices=Unit.choices)
    balance = models.BigIntegerField(_("balance"), default=0)
    on_leaderboard = models.BooleanField(
        _("shown on the leaderboard"),
        default=True,
        help_text=_("residents may opt out of the leaderboard"),
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=GUARDED_KINDS) | Q(balance__gte=0),
                name="points_account_no_overdraft",
                violation_error_message=_("this account cannot go below zero"),
            ),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.RESIDENT, resident__isnull=False)
                | (~Q(kind=AccountKind.RESIDENT) & Q(resident__isnull=True)),
                name="points_account_resident_iff_kind",
            ),
            models.UniqueConstraint(
                fields=["community", "kind", "name"],
                condition=Q(resident__isnull=True),
                name="points_account_one_per_name",
            ),
        ]

    def __str__(self) -> str:
        if self.resident_id:
            return str(self.resident)
        return self.name or self.get_kind_display()


class Posting(models.Model):
    """One movement of points (or money): legs that sum to zero, never changed."""

    community = models.ForeignKey(
        "sites.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PostingKind.choices)
    unit = models.CharField(_("unit"), max_length=6, choices=Unit.choices)
    memo = models.CharField(_("reason"), max_length=200)
    key = models.CharField(
        _("natural key"),
        max_length=80,
        null=True,
        blank=True,
        unique=True,
        help_text=_("what the posting is for, e.g. checkin:123; a fact credits once"),
    )
    fund_source = models.CharField(
        _("fund source"), max_length=12, choices=FundSource.choices, blank=True
    )
    actor = models.ForeignKey(
        USER,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted"))

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["-posted_at", "-pk"]
        indexes = [models.Index(fields=["community", "posted_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Leg(models.Model):
    posting = models.ForeignKey(
        Posting, verbose_name=_("posting"), on_delete=models.PROTECT, related_name="legs"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="legs"
    )
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="points_leg_nonzero")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+d}"


class Rule(models.Model):
    """How a kind of verified fact earns points, with its caps."""

    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="points_rules",
    )
    source = models.CharField(_("fact"), max_length=10, choices=FactSource.choices)
    activity_type = models.ForeignKey(
        "engagement.ActivityType",
        verbose_name=_("activity type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("for check-ins: the events' activity type"),
    )
    points_per_unit = models.PositiveIntegerField(
        _("points per unit"),
        help_text=_(
            "per kg, verified hour, passed quiz or care log; "
            "check-ins earn the points their event announces"
        ),
    )
    cap_per_day = models.PositiveIntegerField(
        _("cap per resident per day (points)"), null=True, blank=True
    )
    cap_per_month = models.PositiveIntegerField(
        _("cap per resident per month (points)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "source", "activity_type"],
                condition=Q(activity_type__isnull=False),
                name="points_rule_one_per_type",
            ),
            models.UniqueConstraint(
                fields=["community", "source"],
                condition=Q(activity_type__isnull=True),
                name="points_rule_one_per_fact",
            ),
        ]

    def __str__(self) -> str:
        if self.activity_type_id:
            return f"{self.get_source_display()} · {self.activity_type}"
        return self.get_source_display()


class Credit(models.Model):
    """Why a resident earned points: one verified fact, credited at most once."""

    fact_key = models.CharField(_("fact"), max_length=80, unique=True)
    community = models.ForeignKey(
        "sites.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        "engagement.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="credits",
    )
    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.PROTECT)
    label = models.CharField(_("what"), max_length=200)
    fact_at = models.DateTimeField(_("when"))
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    co2e_g = models.DecimalField(
        _("carbon label (g CO2e)"), max_digits=12, decimal_places=1, default=0
    )
    points_before_caps = models.PositiveIntegerField(_("points before caps"))
    points = models.PositiveIntegerField(_("points credited"))
    posting = models.OneToOneField(
        Posting,
        verbose_name=_("posting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit",
    )

    class Meta:
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        ordering = ["-fact_at"]
        indexes = [models.Index(fields=["resident", "rule", "fact_at"])]

    def __str__(self) -> str:
        return self.fact_key


class Reward(models.Model):
    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="rewards",
    )
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    cost_points = models.PositiveIntegerField(_("cost (points)"))
    cost_fen = models.PositiveIntegerField(
        _("cost to the fund (fen)"), default=0, help_text=_("what the fund pool pays per item")
    )
    stock = models.IntegerField(_("stock"), default=0)
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("pick-up site"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("on offer"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["cost_points", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_reward_stock_gte_0")
        ]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    """A redemption: reserved (points taken, stock held) → collected, or cancelled (both
    given back)."""

    community = models.ForeignKey(
        "sites.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        "engagement.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="reward_orders",
    )
    reward = models.ForeignKey(
        Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="orders"
    )
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.RESERVED
    )
    reserve_posting = models.OneToOneField(
        Posting, on_delete=models.PROTECT, related_name="reserved_order"
    )
    refund_posting = models.OneToOneField(
        Posting, on_delete=models.PROTECT, related_name="refunded_order", null=True, blank=True
    )
    fund_posting = models.OneToOneField(
        Posting, on_delete=models.PROTECT, related_name="paid_order", null=True, blank=True
    )
    created_at = models.DateTimeField(_("reserved on"))
    closed_at = models.DateTimeField(_("collected or cancelled"), null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("reward order")
        verbose_name_plural = _("reward orders")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reward} · {self.resident}"


class IdempotencyKey(models.Model):
    """A write request's ``Idempotency-Key``: the same key and body replay the first answer;
    the same key with another body is refused (409)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="points_idempotency_once")
        ]

    def __str__(self) -> str:
        return self.key
