"""Reads of the points ledger: reconciliation, statements, a resident's history."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat, TruncMonth
from django.utils import timezone

from nearzero.core.points import expiry
from nearzero.engagement.selectors import material_label, year_bounds

from .choices import GUARDED_KINDS, AccountKind, FactSource, PostingKind
from .models import Account, Credit, Leg, Posting


@dataclass
class Reconciliation:
    postings: int
    legs_sum: int
    accounts: int
    mismatched_accounts: list[dict] = field(default_factory=list)
    negative_accounts: list[dict] = field(default_factory=list)
    unbalanced_postings: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.legs_sum
            or self.mismatched_accounts
            or self.negative_accounts
            or self.unbalanced_postings
        )

    def as_dict(self) -> dict:
        return {
            "postings": self.postings,
            "legs_sum": self.legs_sum,
            "accounts": self.accounts,
            "mismatched_accounts": self.mismatched_accounts,
            "negative_accounts": self.negative_accounts,
            "unbalanced_postings": self.unbalanced_postings,
            "ok": self.ok,
        }


def _label(account: Account) -> str:
    if account.resident_id:
        return f"{account.community.slug}/resident/{account.resident.pseudonym}"
    return f"{account.community.slug}/{account.kind}" + (f"/{account.name}" if account.name else "")


def reconcile(community=None) -> Reconciliation:
    """Check the ledger against itself: every posting sums to zero, every cached balance
    equals the sum of its legs, no resident or fund pool is below zero. Five queries,
    whatever the size of the ledger."""
    postings = Posting.objects.all()
    legs = Leg.objects.all()
    accounts = Account.objects.select_related("community", "resident")
    if community is not None:
        postings = postings.filter(community=community)
        legs = legs.filter(posting__community=community)
        accounts = accounts.filter(community=community)
    unbalanced = list(
        legs.values("posting_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("posting_id", flat=True)
    )
    sums = dict(legs.values_list("account_id").annotate(total=Sum("amount")))
    result = Reconciliation(
        postings=postings.count(),
        legs_sum=legs.aggregate(total=Sum("amount"))["total"] or 0,
        accounts=0,
        unbalanced_postings=unbalanced,
    )
    for account in accounts.order_by("pk"):
        result.accounts += 1
        total = sums.get(account.pk, 0)
        if total != account.balance:
            result.mismatched_accounts.append(
                {"account": _label(account), "cached": account.balance, "legs": total}
            )
        if account.kind in GUARDED_KINDS and min(total, account.balance) < 0:
            result.negative_accounts.append(
                {"account": _label(account), "balance": min(total, account.balance)}
            )
    return result


def fund_statement(community) -> dict:
    """Inflows by source, outflows, and the pool's balance [fen]."""
    legs = Leg.objects.filter(
        account__community=community, account__kind=AccountKind.POOL
    ).select_related("posting")
    inflows = dict(
        legs.filter(amount__gt=0).values_list("posting__fund_source").annotate(total=Sum("amount"))
    )
    outflows = dict(
        legs.filter(amount__lt=0).values_list("posting__fund_source").annotate(total=Sum("amount"))
    )
    total_in = sum(inflows.values())
    total_out = -sum(outflows.values())
    return {
        "inflows": inflows,
        "outflows": {k: -v for k, v in outflows.items()},
        "total_in": total_in,
        "total_out": total_out,
        "balance": total_in - total_out,
        "entries": list(legs.order_by("-posting__posted_at", "-posting_id")[:200]),
    }


def history(account: Account, limit: int = 200) -> list[dict]:
    """A resident's entries, newest first, each with its reason and (for earnings) the fact
    and its carbon label."""
    legs = (
        Leg.objects.filter(account=account)
        .select_related("posting__credit__rule__activity_type")
        .order_by("-posting__posted_at", "-posting_id")[:limit]
    )
    out = []
    for leg in legs:
        posting = leg.posting
        credit = getattr(posting, "credit", None)
        reason = posting.memo
        if credit and credit.rule.source == FactSource.WEIGHING:
            reason = material_label(reason)  # weighings carry the material's code
        out.append(
            {
                "at": posting.posted_at,
                "kind": posting.kind,
                "kind_label": posting.get_kind_display(),
                "reason": reason,
                "points": leg.amount,
                "rule": str(credit.rule) if credit else "",
                "co2e_g": float(credit.co2e_g) if credit else 0.0,
                "capped": bool(credit and credit.points < credit.points_before_caps),
            }
        )
    return out


def carbon_saved_g(resident) -> float:
    """Grams CO2e of the carbon labels of everything the resident was credited for."""
    return float(Credit.objects.filter(resident=resident).aggregate(g=Sum("co2e_g"))["g"] or 0)


def leaderboard(community, *, by: str = "building", limit: int | None = 20) -> list[dict]:
    """Points earned (not the balance: spending is not penalised), by building or household,
    counting only residents who stay on the leaderboard."""
    building = F("account__resident__household__building__name")
    name = {
        "building": building,
        "household": Concat(building, Value(" "), F("account__resident__household__label")),
    }[by]
    rows = (
        Leg.objects.filter(
            account__community=community,
            account__kind=AccountKind.RESIDENT,
            account__on_leaderboard=True,
            account__resident__household__isnull=False,
            posting__kind=PostingKind.EARN,
        )
        .values(name=name)
        .annotate(points=Sum("amount"), residents=Count("account", distinct=True))
        .exclude(Q(name=None) | Q(name=""))
        .order_by("-points")[:limit]
    )
    return list(rows)


def account_list(community):
    """Residents' accounts, largest balance first, with their resident, household and carbon
    saved (``co2e_kg`` [kg CO2e], a subquery, so a page costs one query however long)."""
    saved = (
        Credit.objects.filter(resident=OuterRef("resident"))
        .order_by()
        .values("resident")
        .annotate(g=Sum("co2e_g"))
        .values("g")
    )
    return (
        Account.objects.filter(community=community, kind=AccountKind.RESIDENT)
        .select_related("resident", "resident__household__building")
        .annotate(co2e_kg=Coalesce(Subquery(saved), Value(Decimal(0))) / Value(Decimal(1000)))
        .order_by("-balance", "pk")
    )


def expiry_outlook(account: Account | None, *, at: dt.datetime | None = None) -> dict:
    """Which of an account's points have passed their expiry date (``due``: removed at the next
    redemption or expiry run) and when the next ones expire (``next_at``, ``next_points``), by
    the same oldest-first rule as :func:`nearzero.core.points.expiry.due`. One query."""
    months = settings.POINTS_EXPIRY_MONTHS
    balance = account.balance if account else 0
    out = {"balance": balance, "due": 0, "spendable": balance, "next_at": None, "next_points": 0}
    if account is None or not months:
        return out
    at = at or timezone.now()
    tz = zoneinfo.ZoneInfo(account.community.time_zone)
    movements = [
        expiry.Movement(posted_at.astimezone(tz), amount)
        for posted_at, amount in Leg.objects.filter(account=account, posting__posted_at__lte=at)
        .order_by("posting__posted_at", "posting_id")
        .values_list("posting__posted_at", "amount")
    ]
    lots = expiry.open_lots(movements, months=months)
    due = max(min(sum(left for expires, left in lots if expires <= at), balance), 0)
    later = [(expires, left) for expires, left in lots if expires > at]
    out.update(due=due, spendable=balance - due)
    if later and balance - due > 0:  # lots never hold more than the balance
        out.update(next_at=later[0][0], next_points=min(later[0][1], balance - due))
    return out


def totals(community) -> dict:
    """Headline figures in three queries: resident accounts and points they hold, and
    the balances of the community's system accounts (issued, redeemed, expired, fund)."""
    from .models import Order

    residents = Account.objects.filter(community=community, kind=AccountKind.RESIDENT).aggregate(
        n=Count("pk"), held=Sum("balance")
    )
    system = dict(
        Account.objects.filter(community=community, resident__isnull=True)
        .values_list("kind")
        .annotate(total=Sum("balance"))
    )
    return {
        "accounts": residents["n"] or 0,
        "outstanding": residents["held"] or 0,
        "issued": -(system.get(AccountKind.ISSUED) or 0),
        "redeemed": system.get(AccountKind.REDEEMED) or 0,
        "expired": system.get(AccountKind.EXPIRED) or 0,
        "fund_fen": system.get(AccountKind.POOL) or 0,
        "collected": Order.objects.filter(community=community, status="collected").count(),
    }


def monthly_totals(community, year: int) -> list[tuple[int, int, int, int]]:
    """(month, issued, redeemed, expired) points of each month of the year, from the
    community's system accounts (the same accounts :func:`totals` reads);
    one grouped query."""
    tz = zoneinfo.ZoneInfo(community.time_zone)
    start, end = year_bounds(community, year)
    rows = (
        Leg.objects.filter(
            account__community=community,
            account__resident__isnull=True,
            account__kind__in=(AccountKind.ISSUED, AccountKind.REDEEMED, AccountKind.EXPIRED),
            posting__posted_at__gte=start,
            posting__posted_at__lt=end,
        )
        .annotate(m=TruncMonth("posting__posted_at", tzinfo=tz))
        .values("m", "account__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    table = {m: [0, 0, 0] for m in range(1, 13)}
    for row in rows:
        month = row["m"].month
        total = int(row["total"] or 0)
        if row["account__kind"] == AccountKind.ISSUED:
            table[month][0] += -total
        elif row["account__kind"] == AccountKind.REDEEMED:
            table[month][1] += total
        else:
            table[month][2] += total
    return [(m, *table[m]) for m in range(1, 13)]


def resident_year_rows(community, year: int) -> list[tuple]:
    """Residents' accounts without personal data: pseudonym, balance, points earned and
    redeemed in the year, carbon saved to date [kg CO2e]; two queries."""
    start, end = year_bounds(community, year)
    moved: dict[tuple[int, str], int] = {}
    for row in (
        Leg.objects.filter(
            account__community=community,
            account__kind=AccountKind.RESIDENT,
            posting__posted_at__gte=start,
            posting__posted_at__lt=end,
            posting__kind__in=(PostingKind.EARN, PostingKind.REDEEM, PostingKind.REFUND),
        )
        .values("account_id", "posting__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        moved[(row["account_id"], row["posting__kind"])] = int(row["total"] or 0)
    out = []
    for account in account_list(community):
        earned = moved.get((account.pk, PostingKind.EARN), 0)
        redeemed = -moved.get((account.pk, PostingKind.REDEEM), 0) - moved.get(
            (account.pk, PostingKind.REFUND), 0
        )
        out.append(
            (
                account.resident.pseudonym,
                account.balance,
                earned,
                redeemed,
                float(account.co2e_kg),
            )
        )
    out.sort(key=lambda r: r[0])
    return out
