"""Points pages: parse → scope → service or selector → render.

Staff read the ledgers of their communities; frontline staff (community admins, site staff)
reserve, hand over and cancel rewards; community admins correct accounts, change the rules
and the catalogue and book the fund pool. Residents see their own points on their phone.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nearzero.accounts import scope
from nearzero.accounts.decorators import resident_required, staff_required
from nearzero.core.engagement import phones
from nearzero.core.errors import DomainError
from nearzero.engagement import pii
from nearzero.engagement import selectors as engagement_selectors
from nearzero.engagement.models import Resident
from nearzero.web.forms import add_domain_error

from . import selectors, services
from .choices import FactSource, FundSource, OrderStatus
from .defaults import DEFAULT_RULES
from .forms import AdjustForm, InflowForm, OutflowForm, ReserveForm, RewardForm, RuleForm
from .models import Account, Order, Reward, Rule

LEADERBOARDS = ("building", "household")
TOP = 20  # rows of the residents' leaderboard; their own building or household is added


def _community(request, slug: str):
    return scope.get_or_404(scope.communities_for(request.user), slug=slug)


def _frontline(request, community) -> bool:
    return scope.frontline_communities(request.user).filter(pk=community.pk).exists()


def _administers(request, community) -> bool:
    return scope.administered_communities(request.user).filter(pk=community.pk).exists()


def _tabs(community, active: str) -> dict:
    return {"community": community, "tab": active}


def _back(request, default: str):
    """Back to the page a form was posted from (``next``), if it is one of ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _search_redirect(request):
    """Search forms post, and a phone number is turned into its keyed digest before it
    reaches a URL, so numbers never land in addresses or access logs (as on the registry)."""
    query = request.POST.get("q", "").strip()
    try:
        digest = pii.phone_digest(phones.normalize_phone(query))
    except DomainError:
        return redirect(f"{request.path}?{urlencode({'q': query})}")
    return redirect(f"{request.path}?{urlencode({'phone': digest})}")


def _found(request, community):
    """Residents matching the page's search, or ``None`` without a search."""
    if request.GET.get("phone"):
        return Resident.objects.filter(
            community=community, phone_digest=request.GET["phone"], erased_at=None
        )
    query = request.GET.get("q", "").strip()
    if query:
        return engagement_selectors.search_residents(community, query)
    return None


def _search_context(request) -> dict:
    return {"q": request.GET.get("q", "").strip(), "phone_search": bool(request.GET.get("phone"))}


# --- overview and accounts -------------------------------------------------------------------


@staff_required
def overview(request, slug: str):
    community = _community(request, slug)
    if request.method == "POST":
        return _search_redirect(request)
    accounts = selectors.account_list(community)
    found = _found(request, community)
    if found is not None:
        accounts = accounts.filter(resident__in=found)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "points/overview.html",
        {
            **_tabs(community, "overview"),
            **_search_context(request),
            "totals": selectors.totals(community),
            "check": selectors.reconcile(community),
            "page": page,
        },
    )


def _resident(request, pk: int) -> Resident:
    return engagement_selectors.visible_resident(request.user, pk)


@staff_required
def account(request, pk: int):
    """One resident's account: balance, carbon saved, every entry with its reason, their
    orders; community admins correct the balance with a reason."""
    resident = _resident(request, pk)
    community = resident.community
    can_adjust = _administers(request, community)
    if request.method == "POST" and not can_adjust:
        raise Http404
    form = AdjustForm(request.POST or None) if can_adjust else None
    if request.method == "POST" and form.is_valid():
        try:
            services.adjust(actor=request.user, resident=resident, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Adjustment saved; the resident sees its reason."))
            return redirect(request.path)
    account = Account.objects.filter(resident=resident).first()
    return render(
        request,
        "points/account.html",
        {
            **_tabs(community, "overview"),
            "resident": resident,
            "account": account,
            "outlook": selectors.expiry_outlook(account),
            "carbon_kg": selectors.carbon_saved_g(resident) / 1000,
            "history": selectors.history(account) if account else [],
            "orders": resident.reward_orders.select_related("reward__site")[:50],
            "form": form,
            "can_serve": _frontline(request, community),
        },
    )


# --- earning rules ---------------------------------------------------------------------------


@staff_required
def rules(request, slug: str):
    community = _community(request, slug)
    items = list(
        Rule.objects.filter(community=community)
        .select_related("activity_type")
        .order_by("source", "activity_type__code")
    )
    have = {r.source for r in items if r.activity_type_id is None}
    return render(
        request,
        "points/rules.html",
        {
            **_tabs(community, "rules"),
            "rules": items,
            "missing_defaults": [s for s in DEFAULT_RULES if s not in have],
            "can_manage": _administers(request, community),
        },
    )


@staff_required
@require_POST
def rules_defaults(request, slug: str):
    community = scope.get_or_404(scope.administered_communities(request.user), slug=slug)
    made = services.ensure_default_rules(community=community, actor=request.user)
    if made:
        text = ngettext(
            "%(count)s default rule added.", "%(count)s default rules added.", len(made)
        ) % {"count": len(made)}
        messages.success(request, text)
    else:
        messages.info(request, _("Every kind of fact already has a rule."))
    return redirect("points:rules", slug=community.slug)


@staff_required
def rule_edit(request, pk: int):
    rule = scope.get_or_404(
        Rule.objects.filter(
            community__in=scope.administered_communities(request.user)
        ).select_related("community", "activity_type"),
        pk=pk,
    )
    form = RuleForm(
        request.POST or None,
        initial={
            "points_per_unit": rule.points_per_unit,
            "cap_per_day": rule.cap_per_day,
            "cap_per_month": rule.cap_per_month,
            "is_active": rule.is_active,
        },
    )
    if rule.source == FactSource.CHECKIN:
        form.fields["points_per_unit"].help_text = _(
            "Check-ins earn the points their event announces; this value is not used."
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rule(actor=request.user, rule=rule, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Rule saved. It applies to facts credited from now on."))
            return redirect("points:rules", slug=rule.community.slug)
    return render(
        request,
        "sites/form.html",
        {
            "form": form,
            "community": rule.community,
            "title": _("Earning rule: {rule}").format(rule=rule),
        },
    )


# --- rewards and orders ----------------------------------------------------------------------


@staff_required
def rewards(request, slug: str):
    community = _community(request, slug)
    can_manage = _administers(request, community)
    if request.method == "POST" and not can_manage:
        raise Http404
    form = RewardForm(request.POST or None, community=community) if can_manage else None
    if request.method == "POST" and form.is_valid():
        try:
            reward = services.create_reward(
                actor=request.user, community=community, **form.values()
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Reward added: {name}.").format(name=reward.name))
            return redirect(request.path)
    items = (
        Reward.objects.filter(community=community)
        .select_related("site")
        .annotate(reserved=Count("orders", filter=Q(orders__status=OrderStatus.RESERVED)))
    )
    return render(
        request,
        "points/rewards.html",
        {**_tabs(community, "rewards"), "rewards": items, "form": form, "can_manage": can_manage},
    )


@staff_required
def reward_edit(request, pk: int):
    reward = scope.get_or_404(
        Reward.objects.filter(
            community__in=scope.administered_communities(request.user)
        ).select_related("community"),
        pk=pk,
    )
    form = RewardForm(
        request.POST or None, community=reward.community, initial=RewardForm.initial_for(reward)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_reward(actor=request.user, reward=reward, **form.values())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Reward saved."))
            return redirect("points:rewards", slug=reward.community.slug)
    return render(
        request,
        "sites/form.html",
        {"form": form, "community": reward.community, "title": reward.name},
    )


@staff_required
def orders(request, slug: str):
    """Orders by status; frontline staff find a resident and reserve a reward for them."""
    community = _community(request, slug)
    can_serve = _frontline(request, community)
    if request.method == "POST":
        if not can_serve:
            raise Http404
        return _search_redirect(request)
    status = request.GET.get("status", "")
    items = Order.objects.filter(community=community).select_related(
        "resident", "reward", "reward__site"
    )
    if status in OrderStatus.values:
        items = items.filter(status=status)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    found = _found(request, community) if can_serve else None
    candidates = list(found[:10]) if found is not None else []
    balances = dict(
        Account.objects.filter(resident__in=candidates).values_list("resident_id", "balance")
    )
    counts = dict(
        Order.objects.filter(community=community)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return render(
        request,
        "points/orders.html",
        {
            **_tabs(community, "orders"),
            **_search_context(request),
            "page": page,
            "status": status,
            "statuses": OrderStatus.choices,
            "waiting": counts.get(OrderStatus.RESERVED, 0),
            "searched": found is not None,
            "candidates": [(r, balances.get(r.pk, 0)) for r in candidates],
            "offer": list(ReserveForm(community=community).fields["reward"].queryset)
            if found is not None
            else [],
            "can_serve": can_serve,
        },
    )


@staff_required
@require_POST
def order_create(request, slug: str):
    """Reserve a reward at the counter for a resident found by the search."""
    community = scope.get_or_404(scope.frontline_communities(request.user), slug=slug)
    form = ReserveForm(request.POST, community=community)
    if not form.is_valid():
        messages.error(request, _("Choose a resident and a reward that is in stock."))
        return redirect("points:orders", slug=community.slug)
    resident = scope.get_or_404(
        Resident.objects.filter(community=community, erased_at=None).select_related("community"),
        pk=form.cleaned_data["resident"],
    )
    reward = form.cleaned_data["reward"]
    try:
        services.redeem(actor=request.user, resident=resident, reward=reward)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("{reward} reserved for {resident}.").format(reward=reward.name, resident=resident),
        )
    return redirect(f"{_orders_url(community)}?status={OrderStatus.RESERVED}")


def _orders_url(community) -> str:
    return reverse("points:orders", kwargs={"slug": community.slug})


def _order(request, pk: int) -> Order:
    return scope.get_or_404(
        Order.objects.filter(
            community__in=scope.frontline_communities(request.user)
        ).select_related("reward", "community", "resident"),
        pk=pk,
    )


@staff_required
@require_POST
def order_collect(request, pk: int):
    order = _order(request, pk)
    try:
        services.collect_order(actor=request.user, order=order)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("{reward} handed over to {resident}.").format(
                reward=order.reward.name, resident=order.resident
            ),
        )
    return _back(request, _orders_url(order.community))


@staff_required
@require_POST
def order_cancel(request, pk: int):
    order = _order(request, pk)
    try:
        services.cancel_order(actor=request.user, order=order)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Order cancelled; the points are back on the account."))
    return _back(request, _orders_url(order.community))


# --- the fund pool ---------------------------------------------------------------------------


@staff_required
def fund(request, slug: str):
    community = _community(request, slug)
    can_manage = _administers(request, community)
    forms = {}
    if can_manage:
        forms = {"inflow": InflowForm(prefix="inflow"), "outflow": OutflowForm(prefix="outflow")}
    if request.method == "POST":
        if not can_manage:
            raise Http404
        kind = request.POST.get("form")
        form_class = {"inflow": InflowForm, "outflow": OutflowForm}.get(kind)
        if form_class is None:
            raise Http404
        form = forms[kind] = form_class(request.POST, prefix=kind)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if kind == "inflow":
                    services.fund_inflow(
                        actor=request.user,
                        community=community,
                        amount_fen=data["amount"],
                        source=data["source"],
                        memo=data["memo"],
                    )
                else:
                    services.fund_outflow(
                        actor=request.user,
                        community=community,
                        amount_fen=data["amount"],
                        memo=data["memo"],
                    )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.path)
    statement = selectors.fund_statement(community)
    labels = dict(FundSource.choices)
    return render(
        request,
        "points/fund.html",
        {
            **_tabs(community, "fund"),
            "statement": statement,
            "inflows": [(labels.get(k, k), v) for k, v in statement["inflows"].items()],
            "outflows": [(labels.get(k, k), v) for k, v in statement["outflows"].items()],
            "forms": forms,
            "sources": labels,
        },
    )


# --- leaderboard -----------------------------------------------------------------------------


def _board(request) -> str:
    by = request.GET.get("by", "")
    return by if by in LEADERBOARDS else LEADERBOARDS[0]


def _ranked(rows: list[dict]) -> list[dict]:
    return [{**row, "rank": rank} for rank, row in enumerate(rows, start=1)]


@staff_required
def leaderboard(request, slug: str):
    community = _community(request, slug)
    by = _board(request)
    return render(
        request,
        "points/leaderboard.html",
        {
            **_tabs(community, "leaderboard"),
            "by": by,
            "rows": _ranked(selectors.leaderboard(community, by=by, limit=50)),
        },
    )


# --- resident pages (phone first) ------------------------------------------------------------


def _me(request) -> Resident:
    resident = getattr(request.user, "resident", None)
    if resident is None or resident.erased_at:
        raise Http404
    return resident


def _my_account(resident) -> Account | None:
    return Account.objects.filter(resident=resident).first()


@resident_required
def my_points(request):
    """Balance, carbon saved and history. New verified facts are credited first (idempotent),
    so a check-in a moment ago already shows."""
    resident = _me(request)
    services.credit_facts(community=resident.community, resident_ids=[resident.pk])
    account = _my_account(resident)
    return render(
        request,
        "points/me/points.html",
        {
            "resident": resident,
            "account": account,
            "outlook": selectors.expiry_outlook(account),
            "carbon_kg": selectors.carbon_saved_g(resident) / 1000,
            "history": selectors.history(account, limit=100) if account else [],
            "reserved": resident.reward_orders.filter(status=OrderStatus.RESERVED).count(),
        },
    )


@resident_required
def my_rewards(request):
    resident = _me(request)
    outlook = selectors.expiry_outlook(_my_account(resident))
    spendable = outlook["spendable"]
    items = Reward.objects.filter(
        community=resident.community, is_active=True, stock__gt=0
    ).select_related("site")
    return render(
        request,
        "points/me/rewards.html",
        {
            "resident": resident,
            "outlook": outlook,
            "rewards": [(r, r.cost_points <= spendable, r.cost_points - spendable) for r in items],
        },
    )


@resident_required
@require_POST
def my_reserve(request, pk: int):
    resident = _me(request)
    reward = scope.get_or_404(Reward.objects.filter(community=resident.community), pk=pk)
    try:
        order = services.redeem(actor=request.user, resident=resident, reward=reward)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("points:my_rewards")
    site = reward.site.name if reward.site_id else ""
    if site:
        text = _("{reward} is reserved for you. Pick it up at {site}.").format(
            reward=order.reward.name, site=site
        )
    else:
        text = _("{reward} is reserved for you.").format(reward=order.reward.name)
    messages.success(request, text)
    return redirect("points:my_orders")


@resident_required
def my_orders(request):
    resident = _me(request)
    return render(
        request,
        "points/me/orders.html",
        {
            "resident": resident,
            "orders": resident.reward_orders.select_related("reward__site").order_by("-created_at")[
                :50
            ],
        },
    )


@resident_required
@require_POST
def my_cancel(request, pk: int):
    resident = _me(request)
    order = scope.get_or_404(
        Order.objects.filter(resident=resident).select_related("reward"), pk=pk
    )
    try:
        services.cancel_order(actor=request.user, order=order)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Order cancelled; your points are back."))
    return redirect("points:my_orders")


@resident_required
def my_leaderboard(request):
    resident = _me(request)
    by = _board(request)
    account = _my_account(resident)
    household = resident.household
    mine = ""
    if household is not None:
        building = household.building.name
        mine = building if by == "building" else f"{building} {household.label}"
    rows = _ranked(selectors.leaderboard(resident.community, by=by, limit=None))
    top = rows[:TOP]
    own = next((row for row in rows[TOP:] if mine and row["name"] == mine), None)
    return render(
        request,
        "points/me/leaderboard.html",
        {
            "resident": resident,
            "by": by,
            "rows": [*top, own] if own else top,
            "mine": mine,
            "gap_before": own["rank"] if own and own["rank"] > TOP + 1 else None,
            "shown": account.on_leaderboard if account else True,
        },
    )


@resident_required
@require_POST
def my_visibility(request):
    resident = _me(request)
    shown = request.POST.get("shown") == "1"
    services.set_leaderboard(resident=resident, shown=shown, actor=request.user)
    if shown:
        messages.success(request, _("Your points count on the leaderboard again."))
    else:
        messages.success(request, _("Your points no longer count on the leaderboard."))
    return redirect("points:my_leaderboard")
