"""REST API of the points ledger. Writes carry an ``Idempotency-Key`` header: the same key
and body replay the first answer, the same key with another body answers 409
(:mod:`.idempotency`). Scope as on the pages: staff read their communities' ledgers;
frontline staff reserve, collect and cancel rewards; community admins adjust accounts and
book the fund pool."""

from __future__ import annotations

from ninja import Router, Schema

from nearzero.accounts import scope
from nearzero.engagement.models import Resident
from nearzero.sites.models import Community

from . import idempotency, selectors, services
from .choices import FundSource, OrderStatus
from .models import Account, Order, Reward

router = Router(tags=["points"])


class AdjustIn(Schema):
    points: int
    reason: str


class OrderIn(Schema):
    resident_id: int


class FundIn(Schema):
    amount_fen: int
    source: str = FundSource.BUDGET
    memo: str = ""


class RewardOut(Schema):
    id: int
    name: str
    cost_points: int
    cost_fen: int
    stock: int
    site_id: int | None
    is_active: bool


def _community(request, slug: str, *, writes: str | None = None) -> Community:
    rule = {
        None: scope.communities_for,
        "frontline": scope.frontline_communities,
        "admin": scope.administered_communities,
    }[writes]
    return scope.get_or_404(rule(request.user), slug=slug)


def _resident(community_ids, resident_id: int) -> Resident:
    return scope.get_or_404(
        Resident.objects.filter(community__in=community_ids, erased_at=None).select_related(
            "community"
        ),
        pk=resident_id,
    )


def _order_body(order: Order) -> dict:
    return {
        "id": order.pk,
        "reward": order.reward.name,
        "points": order.points,
        "status": order.status,
        "created_at": order.created_at.isoformat(),
        "closed_at": order.closed_at.isoformat() if order.closed_at else None,
    }


def _balance(resident: Resident) -> int:
    account = Account.objects.filter(resident=resident).first()
    return account.balance if account else 0


@router.get("/points/residents/{resident_id}")
def resident_points(request, resident_id: int):
    """A resident's balance, carbon saved and history (newest first, with reasons)."""
    resident = _resident(scope.communities_for(request.user), resident_id)
    account = Account.objects.filter(resident=resident).first()
    history = selectors.history(account) if account else []
    return {
        "resident": str(resident),
        "balance": account.balance if account else 0,
        "carbon_saved_g": selectors.carbon_saved_g(resident),
        "history": [{**h, "at": h["at"].isoformat()} for h in history],
    }


@router.post(
    "/points/residents/{resident_id}/adjustments", response={200: dict, 400: dict, 409: dict}
)
def adjust(request, resident_id: int, payload: AdjustIn):
    """A manual correction with its reason (community admins)."""
    resident = _resident(scope.administered_communities(request.user), resident_id)

    def work():
        posting = services.adjust(
            actor=request.user, resident=resident, points=payload.points, reason=payload.reason
        )
        return 200, {"posting_id": posting.pk, "balance": _balance(resident)}

    return idempotency.run(request, payload.dict(), work)


@router.get("/points/communities/{slug}/rewards", response=list[RewardOut])
def rewards(request, slug: str):
    return Reward.objects.filter(community=_community(request, slug))


@router.post("/points/rewards/{reward_id}/orders", response={201: dict, 400: dict, 409: dict})
def redeem(request, reward_id: int, payload: OrderIn):
    """Reserve a reward for a resident at the counter (frontline staff). Refused cleanly
    (400 ``insufficient_points`` / ``out_of_stock``) when points or stock do not suffice."""
    frontline = scope.frontline_communities(request.user)
    reward = scope.get_or_404(Reward.objects.filter(community__in=frontline), pk=reward_id)
    resident = _resident([reward.community_id], payload.resident_id)

    def work():
        order = services.redeem(actor=request.user, resident=resident, reward=reward)
        return 201, {**_order_body(order), "balance": _balance(resident)}

    return idempotency.run(request, payload.dict(), work)


def _order(request, order_id: int) -> Order:
    return scope.get_or_404(
        Order.objects.filter(
            community__in=scope.frontline_communities(request.user)
        ).select_related("reward"),
        pk=order_id,
    )


@router.post("/points/orders/{order_id}/collect", response={200: dict, 400: dict, 409: dict})
def collect(request, order_id: int):
    order = _order(request, order_id)

    def work():
        return 200, _order_body(services.collect_order(actor=request.user, order=order))

    return idempotency.run(request, {}, work)


@router.post("/points/orders/{order_id}/cancel", response={200: dict, 400: dict, 409: dict})
def cancel(request, order_id: int):
    order = _order(request, order_id)

    def work():
        return 200, _order_body(services.cancel_order(actor=request.user, order=order))

    return idempotency.run(request, {}, work)


@router.get("/points/communities/{slug}/orders")
def orders(request, slug: str, status: str | None = None):
    queryset = Order.objects.filter(community=_community(request, slug)).select_related("reward")
    if status in OrderStatus.values:
        queryset = queryset.filter(status=status)
    return [_order_body(o) for o in queryset[:500]]


@router.post("/points/communities/{slug}/fund/inflows", response={201: dict, 400: dict, 409: dict})
def fund_inflow(request, slug: str, payload: FundIn):
    community = _community(request, slug, writes="admin")

    def work():
        posting = services.fund_inflow(
            actor=request.user,
            community=community,
            amount_fen=payload.amount_fen,
            source=payload.source,
            memo=payload.memo,
        )
        return 201, {"posting_id": posting.pk, **_fund_totals(community)}

    return idempotency.run(request, payload.dict(), work)


def _fund_totals(community) -> dict:
    statement = selectors.fund_statement(community)
    return {k: statement[k] for k in ("total_in", "total_out", "balance")}


@router.get("/points/communities/{slug}/fund")
def fund(request, slug: str):
    """The fund pool's statement [fen]: inflows by source, outflows, balance."""
    community = _community(request, slug)
    statement = selectors.fund_statement(community)
    return {
        **{k: statement[k] for k in ("inflows", "outflows", "total_in", "total_out", "balance")},
        "entries": [
            {
                "at": leg.posting.posted_at.isoformat(),
                "amount_fen": leg.amount,
                "source": leg.posting.fund_source,
                "memo": leg.posting.memo,
            }
            for leg in statement["entries"]
        ],
    }


@router.get("/points/communities/{slug}/reconcile")
def reconcile(request, slug: str):
    """The ledger checked against itself (as ``nearzero points reconcile``)."""
    return selectors.reconcile(_community(request, slug)).as_dict()
