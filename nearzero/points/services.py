"""Writes of the points ledger, each in one transaction with an audit entry.

Every movement is a :class:`~.models.Posting` whose legs sum to zero (``core.points.ledger``).
Locks come in one order everywhere, so two operations never wait on each other in a cycle:
first the order row, then the reward row, then the guarded accounts (residents, the fund
pool) the operation will touch, in one ``SELECT … FOR UPDATE`` in primary-key order (SQLite's
IMMEDIATE transactions serialise writers instead). Balances are checked under that lock,
then legs are written and the cached balances moved in the same transaction. The
community's counter accounts (issued, redeemed, expired, money in and out) are shared by
every posting of the community, so they are never locked up front: their balance is moved
last, and the row is held only from that update to the commit. The database's check
constraint refuses an overdraft even if a caller got this wrong.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from nearzero.audit.services import diff, record, snapshot
from nearzero.core.errors import DomainError
from nearzero.core.points import expiry, ledger, rules

from .choices import (
    GUARDED_KINDS,
    MONEY_KINDS,
    AccountKind,
    FactSource,
    FundSource,
    OrderStatus,
    PostingKind,
    Unit,
)
from .facts import Fact, verified_facts
from .models import Account, Credit, Leg, Order, Posting, Reward, Rule


class PointsError(DomainError):
    pass


# --- accounts --------------------------------------------------------------------------------


def system_account(community, kind: str, name: str = "") -> Account:
    """The community's account of ``kind`` (issued, redeemed, expired, a fund pool …),
    opened on first use."""
    if kind == AccountKind.RESIDENT:
        raise ValueError("resident accounts belong to a resident: use resident_account")
    unit = Unit.FEN if kind in MONEY_KINDS else Unit.POINTS
    try:
        with transaction.atomic():
            account, _created = Account.objects.get_or_create(
                community=community, kind=kind, name=name, resident=None, defaults={"unit": unit}
            )
    except IntegrityError:  # opened concurrently
        account = Account.objects.get(community=community, kind=kind, name=name, resident=None)
    return account


def resident_accounts(community, resident_ids: Iterable[int]) -> dict[int, Account]:
    """The points accounts of these residents, by resident id, opened on first use."""
    ids = set(resident_ids)
    found = {a.resident_id: a for a in Account.objects.filter(resident_id__in=ids)}
    missing = ids - set(found)
    if missing:
        Account.objects.bulk_create(
            [
                Account(
                    community=community,
                    kind=AccountKind.RESIDENT,
                    resident_id=r,
                    unit=Unit.POINTS,
                )
                for r in sorted(missing)
            ],
            ignore_conflicts=True,
        )
        found.update({a.resident_id: a for a in Account.objects.filter(resident_id__in=missing)})
    return found


def resident_account(resident) -> Account:
    return resident_accounts(resident.community, [resident.pk])[resident.pk]


def _lock(account_ids: Iterable[int]) -> dict[int, Account]:
    return {
        a.pk: a
        for a in Account.objects.select_for_update().filter(pk__in=set(account_ids)).order_by("pk")
    }


# --- postings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegSpec:
    account: Account
    amount: int


def _post(
    *,
    community,
    kind: str,
    legs: Sequence[LegSpec],
    memo: str,
    actor=None,
    key: str | None = None,
    at: dt.datetime | None = None,
    fund_source: str = "",
) -> Posting:
    """Write one balanced posting and move the cached balances. Callers run it inside their
    own transaction (every service here is atomic)."""
    try:
        net = ledger.check_legs((leg.account.pk, leg.amount) for leg in legs)
    except ledger.LedgerError as exc:
        raise PointsError(exc.code, exc.message) from None
    units = {leg.account.unit for leg in legs}
    if len(units) != 1:
        raise PointsError("mixed_units", _("a posting moves points or money, not both"))
    guarded = sorted({leg.account.pk for leg in legs if leg.account.kind in GUARDED_KINDS})
    locked = _lock(guarded)
    short = ledger.overdrawn({pk: a.balance for pk, a in locked.items()}, net, guarded)
    if short:
        if locked[short[0]].kind == AccountKind.POOL:
            raise PointsError("insufficient_funds", _("the fund pool does not hold enough money"))
        raise PointsError("insufficient_points", _("not enough points"))
    posting = Posting.objects.create(
        community=community,
        kind=kind,
        unit=units.pop(),
        memo=memo[:200],
        key=key,
        fund_source=fund_source,
        actor=actor if actor is not None and actor.is_authenticated else None,
        posted_at=at or timezone.now(),
    )
    Leg.objects.bulk_create(
        [Leg(posting=posting, account_id=pk, amount=n) for pk, n in net.items()]
    )
    # Guarded accounts (locked above) first, the shared counter accounts last.
    for pk in sorted(net, key=lambda pk: (pk not in locked, pk)):
        Account.objects.filter(pk=pk).update(balance=F("balance") + net[pk])
        if pk in locked:
            locked[pk].balance += net[pk]
    return posting


def _audit(action: str, *, actor, community, obj=None, changes=None) -> None:
    record(action, actor=actor, obj=obj, community=community, changes=changes or {})


# --- earning ---------------------------------------------------------------------------------


@transaction.atomic
def ensure_default_rules(*, community, actor=None) -> list[Rule]:
    """Open the community's earning rules from :data:`~.defaults.DEFAULT_RULES` where it has
    none for a kind of fact yet."""
    from .defaults import DEFAULT_RULES

    have = set(
        Rule.objects.filter(community=community, activity_type=None).values_list(
            "source", flat=True
        )
    )
    made = [
        Rule(
            community=community,
            source=source,
            points_per_unit=per_unit,
            cap_per_day=day,
            cap_per_month=month,
        )
        for source, (per_unit, day, month) in DEFAULT_RULES.items()
        if source not in have
    ]
    Rule.objects.bulk_create(made)
    if made:
        _audit(
            "points.rules.created",
            actor=actor,
            community=community,
            changes={"rules": [None, [r.source for r in made]]},
        )
    return made


@dataclass(frozen=True)
class CreditRun:
    facts: int  # new facts credited (including those the caps cut to zero)
    points: int  # points credited
    capped: int  # facts whose points the caps reduced


def _rule_for(fact: Fact, by_key: dict) -> Rule | None:
    return by_key.get((fact.source, fact.activity_type_id)) or by_key.get((fact.source, None))


def _points_before_caps(fact: Fact, rule: Rule) -> int:
    if fact.source == FactSource.CHECKIN:  # the points the event announced
        return rules.points_for(fact.quantity, fact.event_points or 0)
    return rules.points_for(fact.quantity, rule.points_per_unit)


@transaction.atomic
def credit_facts(*, community, resident_ids: Iterable[int] | None = None, actor=None) -> CreditRun:
    """Credit every verified fact of the community (or of these residents) not credited yet.

    Idempotent: a fact's key is unique, so running again (nightly, or each time a resident
    opens their points page) credits only what is new. Facts without an active rule wait.
    Caps count what the resident already earned under the rule that local day and month.
    """
    ids = list(resident_ids) if resident_ids is not None else None
    candidates = verified_facts(community.pk, ids)
    if not candidates:
        return CreditRun(0, 0, 0)
    accounts = resident_accounts(community, {f.resident_id for f in candidates})
    issued = system_account(community, AccountKind.ISSUED)
    _lock(a.pk for a in accounts.values())  # one run at a time per resident
    done = set(
        Credit.objects.filter(community=community, resident_id__in=list(accounts)).values_list(
            "fact_key", flat=True
        )
    )
    by_key = {
        (r.source, r.activity_type_id): r
        for r in Rule.objects.filter(community=community, is_active=True)
    }
    new = [(f, rule) for f in candidates if f.key not in done and (rule := _rule_for(f, by_key))]
    if not new:
        return CreditRun(0, 0, 0)

    tz = zoneinfo.ZoneInfo(community.time_zone)
    first = min(fact.at for fact, _rule in new).astimezone(tz)
    since = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    per_day: dict[tuple, int] = defaultdict(int)
    per_month: dict[tuple, int] = defaultdict(int)
    earlier = Credit.objects.filter(
        community=community, resident_id__in=list(accounts), fact_at__gte=since
    ).values_list("resident_id", "rule_id", "fact_at", "points")
    for resident, rule_id, at, points in earlier:
        local = at.astimezone(tz)
        per_day[resident, rule_id, local.date()] += points
        per_month[resident, rule_id, local.year, local.month] += points

    credits, postings, legs = [], [], []
    total = capped_count = 0
    now = timezone.now()
    for fact, rule in new:
        local = fact.at.astimezone(tz)
        day_key = (fact.resident_id, rule.pk, local.date())
        month_key = (fact.resident_id, rule.pk, local.year, local.month)
        wanted = _points_before_caps(fact, rule)
        granted = rules.capped(
            wanted,
            earned_today=per_day[day_key],
            earned_this_month=per_month[month_key],
            cap_per_day=rule.cap_per_day,
            cap_per_month=rule.cap_per_month,
        )
        per_day[day_key] += granted
        per_month[month_key] += granted
        capped_count += granted < wanted
        total += granted
        posting = None
        if granted:
            posting = Posting(
                community=community,
                kind=PostingKind.EARN,
                unit=Unit.POINTS,
                memo=(fact.label or rule.get_source_display())[:200],
                key=fact.key,
                actor=actor if actor is not None and actor.is_authenticated else None,
                posted_at=fact.at if fact.at <= now else now,
            )
            postings.append(posting)
        credits.append(
            Credit(
                fact_key=fact.key,
                community=community,
                resident_id=fact.resident_id,
                rule=rule,
                label=(fact.label or "")[:200],
                fact_at=fact.at,
                quantity=fact.quantity,
                co2e_g=fact.co2e_g.quantize(1) if fact.co2e_g else 0,
                points_before_caps=wanted,
                points=granted,
                posting=posting,
            )
        )
    Posting.objects.bulk_create(postings)  # primary keys come back (PostgreSQL, SQLite ≥ 3.35)
    by_resident: dict[int, int] = defaultdict(int)
    for credit in credits:
        posting = credit.posting  # the cached instance, now with its key
        if posting is not None:
            account = accounts[credit.resident_id]
            legs.append(Leg(posting=posting, account=account, amount=credit.points))
            legs.append(Leg(posting=posting, account=issued, amount=-credit.points))
            by_resident[account.pk] += credit.points
    Leg.objects.bulk_create(legs, batch_size=2000)
    Credit.objects.bulk_create(credits, batch_size=2000)
    for account_id, points in by_resident.items():
        Account.objects.filter(pk=account_id).update(balance=F("balance") + points)
    if total:
        Account.objects.filter(pk=issued.pk).update(balance=F("balance") - total)
    _audit(
        "points.credits.posted",
        actor=actor,
        community=community,
        changes={"facts": [None, len(credits)], "points": [None, total]},
    )
    return CreditRun(len(credits), total, capped_count)


# --- expiry ----------------------------------------------------------------------------------


def _expire_locked(community, accounts: Sequence[Account], at: dt.datetime, actor) -> int:
    months = settings.POINTS_EXPIRY_MONTHS
    if not months or not accounts:
        return 0
    tz = zoneinfo.ZoneInfo(community.time_zone)
    movements: dict[int, list[expiry.Movement]] = defaultdict(list)
    rows = (
        Leg.objects.filter(account__in=accounts, posting__posted_at__lte=at)
        .order_by("posting__posted_at", "posting_id")
        .values_list("account_id", "posting__posted_at", "amount")
    )
    for account_id, posted_at, amount in rows:
        # Months are counted on the community's calendar (local time), not UTC's.
        movements[account_id].append(expiry.Movement(posted_at.astimezone(tz), amount))
    expired = system_account(community, AccountKind.EXPIRED)
    total = 0
    for account in accounts:
        due = min(expiry.due(movements[account.pk], at=at, months=months), account.balance)
        if due > 0:
            _post(
                community=community,
                kind=PostingKind.EXPIRE,
                legs=[LegSpec(account, -due), LegSpec(expired, due)],
                memo=_("points older than %(months)s months") % {"months": months},
                actor=actor,
                at=at,
            )
            total += due
    return total


@transaction.atomic
def expire_points(*, community, at: dt.datetime | None = None, actor=None) -> int:
    """Expire, oldest first, the points credited more than ``POINTS_EXPIRY_MONTHS`` ago and
    not spent. Returns the points expired. Running it twice at the same moment expires
    nothing more."""
    at = at or timezone.now()
    ids = list(
        Account.objects.filter(
            community=community, kind=AccountKind.RESIDENT, balance__gt=0
        ).values_list("pk", flat=True)
    )
    locked = _lock(ids)
    total = _expire_locked(community, [locked[pk] for pk in ids], at, actor)
    if total:
        _audit(
            "points.points.expired",
            actor=actor,
            community=community,
            changes={"points": [None, total]},
        )
    return total


# --- adjustments and rewards -----------------------------------------------------------------


@transaction.atomic
def adjust(*, actor, resident, points: int, reason: str) -> Posting:
    """A manual correction by staff: ``points`` > 0 credits, < 0 debits; the reason is
    required and shown to the resident."""
    reason = (reason or "").strip()
    if not reason:
        raise PointsError("reason_required", _("say why the points change"), field="reason")
    if not isinstance(points, int) or points == 0:
        raise PointsError(
            "bad_amount", _("give a whole, non-zero number of points"), field="points"
        )
    community = resident.community
    account = resident_account(resident)
    issued = system_account(community, AccountKind.ISSUED)
    account = _lock([account.pk])[account.pk]
    if points < 0:  # points already due to expire are not there to take
        _expire_locked(community, [account], timezone.now(), actor)
    posting = _post(
        community=community,
        kind=PostingKind.ADJUST,
        legs=[LegSpec(account, points), LegSpec(issued, -points)],
        memo=reason,
        actor=actor,
    )
    _audit(
        "points.account.adjusted",
        actor=actor,
        community=community,
        obj=posting,
        changes={"points": [None, points], "reason": [None, reason]},
    )
    return posting


@transaction.atomic
def redeem(*, actor, resident, reward: Reward, at: dt.datetime | None = None) -> Order:
    """Reserve a reward: take its points (expired points first go) and hold one item of
    stock. Refused cleanly when the points or the stock do not suffice."""
    at = at or timezone.now()
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if reward.community_id != resident.community_id:
        raise PointsError("wrong_community", _("this reward is offered by another community"))
    if resident.erased_at:
        raise PointsError("erased_resident", _("this resident's data was erased"))
    if reward.cost_points < 1:
        raise PointsError("bad_reward", _("a reward costs at least one point"))
    if not reward.is_active:
        raise PointsError("not_on_offer", _("this reward is no longer on offer"))
    if reward.stock < 1:
        raise PointsError("out_of_stock", _("this reward is out of stock"))
    community = resident.community
    account = resident_account(resident)
    redeemed = system_account(community, AccountKind.REDEEMED)
    account = _lock([account.pk])[account.pk]
    _expire_locked(community, [account], at, actor)
    posting = _post(
        community=community,
        kind=PostingKind.REDEEM,
        legs=[LegSpec(account, -reward.cost_points), LegSpec(redeemed, reward.cost_points)],
        memo=reward.name,
        actor=actor,
        at=at,
    )
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
    order = Order.objects.create(
        community=community,
        resident=resident,
        reward=reward,
        points=reward.cost_points,
        reserve_posting=posting,
        created_at=at,
    )
    _audit(
        "points.order.reserved",
        actor=actor,
        community=community,
        obj=order,
        changes={"reward": [None, reward.name], "points": [None, reward.cost_points]},
    )
    return order


def _open_order(order: Order) -> Order:
    order = Order.objects.select_for_update().select_related("reward").get(pk=order.pk)
    if order.status != OrderStatus.RESERVED:
        raise PointsError("order_closed", _("this order was already collected or cancelled"))
    return order


@transaction.atomic
def cancel_order(*, actor, order: Order, at: dt.datetime | None = None) -> Order:
    """Cancel a reserved order: its points come back and its item returns to stock."""
    order = _open_order(order)
    list(Reward.objects.select_for_update().filter(pk=order.reward_id).values_list("pk"))
    community = order.reward.community
    account = resident_accounts(community, [order.resident_id])[order.resident_id]
    order.refund_posting = _post(
        community=community,
        kind=PostingKind.REFUND,
        legs=[
            LegSpec(system_account(community, AccountKind.REDEEMED), -order.points),
            LegSpec(account, order.points),
        ],
        memo=order.reward.name,
        actor=actor,
        at=at,
    )
    Reward.objects.filter(pk=order.reward_id).update(stock=F("stock") + 1)
    order.status = OrderStatus.CANCELLED
    order.closed_at = at or timezone.now()
    order.closed_by = actor if actor is not None and actor.is_authenticated else None
    order.save(update_fields=["refund_posting", "status", "closed_at", "closed_by"])
    _audit(
        "points.order.cancelled",
        actor=actor,
        community=community,
        obj=order,
        changes={"status": [OrderStatus.RESERVED, OrderStatus.CANCELLED]},
    )
    return order


@transaction.atomic
def collect_order(*, actor, order: Order, at: dt.datetime | None = None) -> Order:
    """Hand a reserved reward over. The fund pool pays its cost, if it has one."""
    order = _open_order(order)
    community = order.reward.community
    if order.reward.cost_fen:
        order.fund_posting = _post(
            community=community,
            kind=PostingKind.FUND_OUT,
            legs=[
                LegSpec(system_account(community, AccountKind.POOL), -order.reward.cost_fen),
                LegSpec(system_account(community, AccountKind.SPENDING), order.reward.cost_fen),
            ],
            memo=order.reward.name,
            fund_source=FundSource.REWARDS,
            actor=actor,
            at=at,
        )
    order.status = OrderStatus.COLLECTED
    order.closed_at = at or timezone.now()
    order.closed_by = actor if actor is not None and actor.is_authenticated else None
    order.save(update_fields=["fund_posting", "status", "closed_at", "closed_by"])
    _audit(
        "points.order.collected",
        actor=actor,
        community=community,
        obj=order,
        changes={"status": [OrderStatus.RESERVED, OrderStatus.COLLECTED]},
    )
    return order


# --- the fund pool ---------------------------------------------------------------------------


@transaction.atomic
def fund_inflow(*, actor, community, amount_fen: int, source: str, memo: str, at=None) -> Posting:
    """Money paid into the community's low-carbon fund pool (budget, donation, offset sales)."""
    if source not in FundSource.values or source == FundSource.REWARDS:
        raise PointsError("bad_source", _("choose where the money comes from"), field="source")
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise PointsError("bad_amount", _("the amount must be more than zero"), field="amount")
    posting = _post(
        community=community,
        kind=PostingKind.FUND_IN,
        legs=[
            LegSpec(system_account(community, AccountKind.POOL), amount_fen),
            LegSpec(system_account(community, AccountKind.FUNDING), -amount_fen),
        ],
        memo=memo or FundSource(source).label,
        fund_source=source,
        actor=actor,
        at=at,
    )
    _audit(
        "points.fund.inflow",
        actor=actor,
        community=community,
        obj=posting,
        changes={"amount_fen": [None, amount_fen], "source": [None, source]},
    )
    return posting


@transaction.atomic
def fund_outflow(*, actor, community, amount_fen: int, memo: str, at=None) -> Posting:
    """Money paid out of the fund pool for something other than a reward (those are paid
    when collected)."""
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise PointsError("bad_amount", _("the amount must be more than zero"), field="amount")
    if not (memo or "").strip():
        raise PointsError("reason_required", _("say what the money paid for"), field="memo")
    posting = _post(
        community=community,
        kind=PostingKind.FUND_OUT,
        legs=[
            LegSpec(system_account(community, AccountKind.POOL), -amount_fen),
            LegSpec(system_account(community, AccountKind.SPENDING), amount_fen),
        ],
        memo=memo,
        fund_source=FundSource.OTHER,
        actor=actor,
        at=at,
    )
    _audit(
        "points.fund.outflow",
        actor=actor,
        community=community,
        obj=posting,
        changes={"amount_fen": [None, amount_fen]},
    )
    return posting


# --- the catalogue, the rules and the leaderboard (pages) ------------------------------------

REWARD_FIELDS = ("name", "description", "cost_points", "cost_fen", "stock", "site", "is_active")
RULE_FIELDS = ("points_per_unit", "cap_per_day", "cap_per_month", "is_active")


def _check_reward(reward: Reward) -> None:
    if reward.site_id and reward.site.community_id != reward.community_id:
        raise PointsError(
            "wrong_site", _("the pick-up site belongs to another community"), field="site"
        )
    if not (reward.name or "").strip():
        raise PointsError("name_required", _("give the reward a name"), field="name")
    if reward.cost_points is None or reward.cost_points < 1:
        raise PointsError("bad_cost", _("a reward costs at least one point"), field="cost_points")
    if reward.stock is None or reward.stock < 0:
        raise PointsError("bad_stock", _("the stock cannot be below zero"), field="stock")


@transaction.atomic
def create_reward(*, actor, community, **values) -> Reward:
    """Add a reward to the community's catalogue (``name``, ``cost_points``, ``cost_fen``,
    ``stock``, ``site``, ``description``, ``is_active``)."""
    unknown = set(values) - set(REWARD_FIELDS)
    if unknown:
        raise PointsError("not_editable", f"cannot set {', '.join(sorted(unknown))}")
    reward = Reward(community=community, **values)
    _check_reward(reward)
    reward.save()
    _audit(
        "points.reward.created",
        actor=actor,
        community=community,
        obj=reward,
        changes=diff({}, snapshot(reward, REWARD_FIELDS)),
    )
    return reward


@transaction.atomic
def update_reward(*, actor, reward: Reward, **values) -> Reward:
    """Change a reward (restock it, change its cost, take it off offer). The row is locked,
    so a restock and a redemption at the same moment both count."""
    unknown = set(values) - set(REWARD_FIELDS)
    if unknown:
        raise PointsError("not_editable", f"cannot change {', '.join(sorted(unknown))}")
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    before = snapshot(reward, REWARD_FIELDS)
    for name, value in values.items():
        setattr(reward, name, value)
    _check_reward(reward)
    changes = diff(before, snapshot(reward, REWARD_FIELDS))
    if changes:
        reward.save(update_fields=list(changes))
        _audit(
            "points.reward.updated",
            actor=actor,
            community=reward.community,
            obj=reward,
            changes=changes,
        )
    return reward


@transaction.atomic
def update_rule(*, actor, rule: Rule, **values) -> Rule:
    """Change an earning rule's points per unit, caps (``None``: no cap) or active flag.
    Facts already credited keep their points; the new values apply to facts credited next."""
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise PointsError("not_editable", f"cannot change {', '.join(sorted(unknown))}")
    for name in ("points_per_unit", "cap_per_day", "cap_per_month"):
        value = values.get(name, getattr(rule, name))
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise PointsError("bad_amount", _("give a whole number of points"), field=name)
        if value is not None and value < 0:
            raise PointsError("bad_amount", _("points cannot be below zero"), field=name)
    before = snapshot(rule, RULE_FIELDS)
    for name, value in values.items():
        setattr(rule, name, value)
    changes = diff(before, snapshot(rule, RULE_FIELDS))
    if changes:
        rule.save(update_fields=list(changes))
        _audit(
            "points.rule.updated",
            actor=actor,
            community=rule.community,
            obj=rule,
            changes=changes,
        )
    return rule


@transaction.atomic
def set_leaderboard(*, resident, shown: bool, actor=None) -> Account:
    """Show a resident's points on the leaderboard, or keep them off it (their choice)."""
    account = resident_account(resident)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if account.on_leaderboard != shown:
        account.on_leaderboard = shown
        account.save(update_fields=["on_leaderboard"])
        _audit(
            "points.account.leaderboard",
            actor=actor,
            community=resident.community,
            obj=account,
            changes={"on_leaderboard": [not shown, shown]},
        )
    return account
