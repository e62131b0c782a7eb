"""The points pages through the test client: a resident's balance, history and rewards on
their phone; staff corrections, the counter, the catalogue, the rules and the fund pool; and
the query budget of the lists."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from nearzero.audit.models import AuditEntry
from nearzero.engagement import services as engagement_services
from nearzero.engagement.models import Resident
from nearzero.points import selectors, services
from nearzero.points.choices import OrderStatus, PostingKind
from nearzero.points.models import Account, Credit, Leg, Order, Posting, Reward, Rule
from nearzero.web.templatetags.nearzero import yuan


@pytest.fixture
def english(client_for):
    """``english("admin")``: a client of that persona reading the pages in English."""

    def make(persona: str):
        client = client_for(persona)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def me(db) -> Resident:
    """The resident dongping_resident signs in as."""
    return Resident.objects.select_related("community").get(user__username="dongping_resident")


def _ledger_rows() -> tuple[int, int, int]:
    return Posting.objects.count(), Leg.objects.count(), Order.objects.count()


def _kpi(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}">([^<]*)<', html)
    assert match, f"no {name} tile"
    return match.group(1).strip()


def _balance(resident) -> int:
    return Account.objects.get(resident=resident).balance


# --- resident pages --------------------------------------------------------------------------


def test_resident_sees_balance_and_history_with_reasons(english, me, own_station):
    services.adjust(actor=None, resident=me, points=50, reason="Helped at the spring clean-up")
    # 30 kg at 2 points/kg is 60 points; the default cap of 40 a day cuts it. The page credits
    # the new weighing before it shows the balance.
    engagement_services.record_weighing(
        actor=None, site=own_station, material="cardboard", kg=Decimal(30), resident=me
    )
    html = english("resident").get("/me/points/").content.decode()

    credit = Credit.objects.filter(resident=me).latest("fact_at")
    assert (credit.points_before_caps, credit.points) == (60, 40)
    assert _kpi(html, "balance") == f"{_balance(me):,}"
    assert "Helped at the spring clean-up" in html and "+50" in html
    assert "capped" in html and "+40" in html
    carbon_kg = selectors.carbon_saved_g(me) / 1000
    assert carbon_kg > 0 and f"{carbon_kg:,.1f}" in _kpi(html, "carbon")
    # Points past their expiry date (the demo's are from 2024) are announced, not hidden.
    outlook = selectors.expiry_outlook(Account.objects.get(resident=me))
    assert ("past their expiry date" in html) == (outlook["due"] > 0)
    assert f"You can spend {outlook['spendable']:,} points." in html or not outlook["due"]


def test_resident_reserves_a_reward_and_the_balance_drops(english, me):
    services.adjust(actor=None, resident=me, points=100, reason="test grant")
    reward = Reward.objects.create(
        community=me.community, name="Bamboo toothbrush", cost_points=30, stock=3
    )
    client = english("resident")
    page = client.get("/me/points/rewards/").content.decode()
    assert "Bamboo toothbrush" in page and f"/me/points/rewards/{reward.pk}/reserve/" in page
    spendable = selectors.expiry_outlook(Account.objects.get(resident=me))["spendable"]

    response = client.post(f"/me/points/rewards/{reward.pk}/reserve/", follow=True)

    assert response.redirect_chain[-1][0] == "/me/points/orders/"
    assert "Bamboo toothbrush is reserved for you." in response.content.decode()
    assert _balance(me) == spendable - 30  # expired points went first, then the reward's 30
    order = Order.objects.get(resident=me, reward=reward)
    assert order.status == OrderStatus.RESERVED
    reward.refresh_from_db()
    assert reward.stock == 2

    # Cancelling gives the points and the item back.
    response = client.post(f"/me/points/orders/{order.pk}/cancel/", follow=True)
    assert "Order cancelled; your points are back." in response.content.decode()
    assert _balance(me) == spendable
    reward.refresh_from_db()
    assert reward.stock == 3


def test_a_refused_reservation_shows_why_and_writes_nothing(english, me):
    reward = Reward.objects.create(
        community=me.community, name="Electric bike", cost_points=100_000, stock=1
    )
    client = english("resident")
    page = client.get("/me/points/rewards/").content.decode()
    assert f"/me/points/rewards/{reward.pk}/reserve/" not in page  # no button: too dear
    balance, before = _balance(me), _ledger_rows()

    response = client.post(f"/me/points/rewards/{reward.pk}/reserve/", follow=True)

    assert response.redirect_chain[-1][0] == "/me/points/rewards/"
    assert "not enough points" in response.content.decode()
    assert _ledger_rows() == before and _balance(me) == balance
    reward.refresh_from_db()
    assert reward.stock == 1


def test_a_resident_cannot_reserve_another_communitys_reward(client_for, qiyang):
    reward = Reward.objects.filter(community=qiyang).first()
    response = client_for("resident").post(f"/me/points/rewards/{reward.pk}/reserve/")
    assert response.status_code == 404


def test_opting_out_hides_the_resident_from_the_leaderboard(english, me):
    earned = (
        Leg.objects.filter(account__resident=me, posting__kind=PostingKind.EARN).aggregate(
            n=Sum("amount")
        )["n"]
        or 0
    )
    assert earned > 0
    mine = f"{me.household.building.name} {me.household.label}"

    def row():
        return next(
            (
                r
                for r in selectors.leaderboard(me.community, by="household", limit=None)
                if r["name"] == mine
            ),
            {"points": 0, "residents": 0},
        )

    client = english("resident")
    before = row()
    page = client.get("/me/points/leaderboard/?by=household").content.decode()
    assert "your household" in page and "Leave the leaderboard" in page

    response = client.post("/me/points/leaderboard/visibility/", {"shown": "0"}, follow=True)

    assert "Your points no longer count on the leaderboard." in response.content.decode()
    assert "Join the leaderboard" in response.content.decode()
    after = row()
    assert after["points"] == before["points"] - earned
    assert after["residents"] == before["residents"] - 1
    assert not Account.objects.get(resident=me).on_leaderboard
    entry = AuditEntry.objects.filter(action="points.account.leaderboard").latest("id")
    assert entry.changes == {"on_leaderboard": [True, False]}

    client.post("/me/points/leaderboard/visibility/", {"shown": "1"})
    assert row() == before


def test_the_resident_home_links_to_the_points(client_for):
    html = client_for("resident").get("/me/").content.decode()
    assert 'href="/me/points/"' in html


# --- staff pages -----------------------------------------------------------------------------


def test_admin_adjusts_with_a_reason(english, me):
    client = english("admin")
    url = f"/points/residents/{me.pk}/"
    assert "Correct the balance" in client.get(url).content.decode()
    balance, before = _balance(me), _ledger_rows()

    response = client.post(url, {"points": "25", "reason": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert _ledger_rows() == before and _balance(me) == balance

    response = client.post(url, {"points": "0", "reason": "nothing"})
    assert "give a whole, non-zero number of points" in response.content.decode()
    assert _ledger_rows() == before

    response = client.post(url, {"points": "25", "reason": "Lost paper card"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert _balance(me) == balance + 25
    html = response.content.decode()
    assert "Lost paper card" in html and "Adjustment saved" in html


@pytest.mark.parametrize("persona", ["station", "officer"])
def test_only_community_admins_adjust(client_for, me, persona):
    client = client_for(persona)
    url = f"/points/residents/{me.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and b'name="reason"' not in page.content
    before = _ledger_rows()
    assert client.post(url, {"points": "25", "reason": "x"}).status_code == 404
    assert _ledger_rows() == before


def test_outsiders_do_not_see_the_ledger(client_for, me):
    client = client_for("outsider")
    assert client.get("/c/dongping/points/").status_code == 404
    assert client.get(f"/points/residents/{me.pk}/").status_code == 404


def test_overview_tiles_match_the_ledger(english, dongping):
    html = english("officer").get("/c/dongping/points/").content.decode()
    totals = selectors.totals(dongping)
    held = Account.objects.filter(community=dongping, kind="resident").aggregate(n=Sum("balance"))[
        "n"
    ]
    assert _kpi(html, "outstanding") == f"{held:,}" == f"{totals['outstanding']:,}"
    assert totals["issued"] == totals["outstanding"] + totals["redeemed"] + totals["expired"]
    assert _kpi(html, "pool") == yuan(totals["fund_fen"]) and "." in _kpi(html, "pool")
    assert "✓" in _kpi(html, "reconciliation")


def test_overview_searches_accounts_by_name(english, me):
    client = english("station")
    response = client.post("/c/dongping/points/", {"q": me.name})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert f'href="/points/residents/{me.pk}/"' in html


def test_station_reserves_and_hands_over_at_the_counter(english, dongping):
    resident = Resident.objects.filter(community=dongping, erased_at=None).order_by("pk")[9]
    services.adjust(actor=None, resident=resident, points=300, reason="test grant")
    reward = Reward.objects.filter(community=dongping, cost_fen__gt=0, stock__gt=0).first()
    pool = selectors.fund_statement(dongping)["balance"]
    client = english("station")
    found = client.get(
        client.post("/c/dongping/points/orders/", {"q": resident.pseudonym})["Location"]
    )
    assert f'value="{resident.pk}"' in found.content.decode()

    response = client.post(
        "/c/dongping/points/orders/new/",
        {"resident": resident.pk, "reward": reward.pk},
        follow=True,
    )
    assert f"{reward.name} reserved for {resident}." in response.content.decode()
    order = Order.objects.get(resident=resident, reward=reward, status=OrderStatus.RESERVED)

    response = client.post(
        f"/points/orders/{order.pk}/collect/", {"next": f"/points/residents/{resident.pk}/"}
    )
    assert response["Location"] == f"/points/residents/{resident.pk}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.COLLECTED
    assert selectors.fund_statement(dongping)["balance"] == pool - reward.cost_fen
    assert client.post(f"/points/orders/{order.pk}/collect/", follow=True).status_code == 200


def test_admin_manages_rules_and_rewards(english, dongping, own_station):
    client = english("admin")
    rule = Rule.objects.get(community=dongping, source="weighing", activity_type=None)
    response = client.post(
        f"/points/rules/{rule.pk}/",
        {"points_per_unit": "3", "cap_per_day": "", "cap_per_month": "200", "is_active": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points_per_unit, rule.cap_per_day, rule.cap_per_month) == (3, None, 200)
    entry = AuditEntry.objects.filter(action="points.rule.updated").latest("id")
    assert entry.changes["points_per_unit"] == [2, 3] and entry.changes["cap_per_day"] == [40, None]

    response = client.post(
        "/c/dongping/points/rewards/",
        {"name": "Cloth bag", "cost_points": "40", "cost_yuan": "6.50", "stock": "20"}
        | {"site": own_station.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    reward = Reward.objects.get(community=dongping, name="Cloth bag")
    assert (reward.cost_fen, reward.stock, reward.site) == (650, 20, own_station)
    assert AuditEntry.objects.filter(action="points.reward.created", object_id=str(reward.pk))

    edit = f"/points/rewards/{reward.pk}/"
    assert client.get(edit).status_code == 200
    client.post(edit, {"name": "Cloth bag", "cost_points": "40", "cost_yuan": "6.5", "stock": "25"})
    reward.refresh_from_db()
    assert reward.stock == 25 and not reward.is_active  # the box was left unticked

    # Rules are the admins': the station worker reads them but cannot change them.
    station = english("station")
    page = station.get("/c/dongping/points/rules/").content.decode()
    assert f'href="/points/rules/{rule.pk}/"' not in page
    assert station.get(f"/points/rules/{rule.pk}/").status_code == 404
    assert station.post("/c/dongping/points/rewards/", {"name": "x"}).status_code == 404


def test_default_rules_button(english, qiyang):
    """A new community starts without rules; its admin opens the defaults with one button."""
    community = qiyang
    community.pk, community.slug, community.name_zh = None, "new-pilot", "新试点"
    community._state.adding = True
    community.save()
    client = english("superuser")
    assert "Add the default rules" in client.get("/c/new-pilot/points/rules/").content.decode()
    response = client.post("/c/new-pilot/points/rules/defaults/", follow=True)
    assert "5 default rules added." in response.content.decode()
    assert Rule.objects.filter(community=community).count() == 5
    assert "Add the default rules" not in response.content.decode()
    assert english("admin").post("/c/new-pilot/points/rules/defaults/").status_code == 404


def test_admin_books_the_fund_pool_in_yuan(english, dongping):
    client = english("admin")
    before = selectors.fund_statement(dongping)
    response = client.post(
        "/c/dongping/points/fund/",
        {"form": "inflow", "inflow-amount": "1234.56", "inflow-source": "donation"},
    )
    assert response.status_code == 302
    response = client.post(
        "/c/dongping/points/fund/", {"form": "outflow", "outflow-amount": "100", "outflow-memo": ""}
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    after = selectors.fund_statement(dongping)
    assert after["balance"] == before["balance"] + 123_456
    html = client.get("/c/dongping/points/fund/").content.decode()
    assert _kpi(html, "balance") == yuan(after["balance"])
    assert (
        english("station").post("/c/dongping/points/fund/", {"form": "inflow"}).status_code == 404
    )


def test_yuan_filter():
    assert yuan(6_300_050) == "63,000.50"
    assert yuan(-1200) == "−12.00"
    assert yuan(None) == "—"


def test_expiry_outlook(dongping, settings):
    """What the pages say about expiry follows the ledger's oldest-first rule."""
    fresh = engagement_services.register_resident(actor=None, community=dongping, name="fresh")
    services.adjust(actor=None, resident=fresh, points=100, reason="test")
    account = Account.objects.get(resident=fresh)
    outlook = selectors.expiry_outlook(account)
    assert (outlook["due"], outlook["spendable"], outlook["next_points"]) == (0, 100, 100)
    posted = Posting.objects.filter(legs__account=account).get().posted_at
    assert outlook["next_at"] == posted.replace(year=posted.year + 1)
    later = selectors.expiry_outlook(account, at=outlook["next_at"])
    assert (later["due"], later["spendable"], later["next_at"]) == (100, 0, None)
    settings.POINTS_EXPIRY_MONTHS = 0
    assert selectors.expiry_outlook(account)["next_at"] is None
    assert selectors.expiry_outlook(None)["balance"] == 0


# --- query budget ----------------------------------------------------------------------------


def test_page_queries_do_not_grow_with_accounts(client_for, dongping):
    client = client_for("admin")
    first = Resident.objects.filter(community=dongping, erased_at=None).order_by("pk")[11]

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    pages = [
        "/c/dongping/points/",
        "/c/dongping/points/?q=matrix",
        f"/points/residents/{first.pk}/",
        "/c/dongping/points/orders/",
        "/c/dongping/points/leaderboard/",
    ]
    one = engagement_services.register_resident(actor=None, community=dongping, name="matrix")
    services.adjust(actor=None, resident=one, points=5, reason="test")
    count(pages[0])  # warm caches (content types, sessions)
    before = [count(u) for u in pages]
    for i in range(30):
        resident = engagement_services.register_resident(
            actor=None, community=dongping, name=f"matrix {i}"
        )
        services.adjust(actor=None, resident=resident, points=10_000 + i, reason="test")
        services.adjust(actor=None, resident=first, points=1, reason=f"entry {i}")
    assert [count(u) for u in pages] == before
