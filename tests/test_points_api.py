"""The points API: Idempotency-Key on writes (same key and body → the same answer, nothing
new; same key, another body → 409; no key → 400), clean refusals, and scope."""

from __future__ import annotations

import pytest

from nearzero.engagement.models import Resident
from nearzero.points import services
from nearzero.points.models import Account, IdempotencyKey, Order, Posting, Reward


@pytest.fixture
def setup(dongping):
    resident = (
        Resident.objects.filter(community=dongping, erased_at=None, points_account__isnull=True)
        .order_by("pk")
        .first()
    )
    services.adjust(actor=None, resident=resident, points=100, reason="api test")
    reward = Reward.objects.create(community=dongping, name="Cloth bag", cost_points=30, stock=2)
    return resident, reward


def _post(client, url, body, key):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, body, content_type="application/json", headers=headers)


def test_a_repeated_key_replays_the_answer_and_writes_nothing(client_for, setup):
    resident, reward = setup
    client = client_for("station")
    url = f"/api/points/rewards/{reward.pk}/orders"
    first = _post(client, url, {"resident_id": resident.pk}, "order-1")
    assert first.status_code == 201, first.content
    assert first.json()["balance"] == 70
    counts = (Posting.objects.count(), Order.objects.count())
    again = _post(client, url, {"resident_id": resident.pk}, "order-1")
    assert (again.status_code, again.json()) == (201, first.json())
    assert (Posting.objects.count(), Order.objects.count()) == counts
    assert Account.objects.get(resident=resident).balance == 70

    other = _post(client, url, {"resident_id": resident.pk + 1}, "order-1")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"

    missing = _post(client, url, {"resident_id": resident.pk}, None)
    assert missing.status_code == 400
    assert (Posting.objects.count(), Order.objects.count()) == counts


def test_refusals_are_clean_and_replayed(client_for, setup):
    resident, reward = setup
    client = client_for("admin")
    url = f"/api/points/rewards/{reward.pk}/orders"
    for key in ("a", "b"):
        assert _post(client, url, {"resident_id": resident.pk}, key).status_code == 201
    # Stock is now 0: refused, and the refusal is what the key answers from now on.
    refused = _post(client, url, {"resident_id": resident.pk}, "c")
    assert refused.status_code == 400 and refused.json()["code"] == "out_of_stock"
    reward.stock = 5
    reward.save()
    replay = _post(client, url, {"resident_id": resident.pk}, "c")
    assert (replay.status_code, replay.json()["code"]) == (400, "out_of_stock")
    assert _post(client, url, {"resident_id": resident.pk}, "d").status_code == 201  # 40 → 10
    poor = _post(client, url, {"resident_id": resident.pk}, "e")
    assert poor.status_code == 400 and poor.json()["code"] == "insufficient_points"
    assert Account.objects.get(resident=resident).balance == 10
    assert IdempotencyKey.objects.filter(key__in="abcde").count() == 5


def test_adjustments_need_a_reason_and_an_administrator(client_for, setup):
    resident, _reward = setup
    url = f"/api/points/residents/{resident.pk}/adjustments"
    body = {"points": -20, "reason": "duplicate credit"}
    assert _post(client_for("station"), url, body, "k").status_code == 404
    assert _post(client_for("officer"), url, body, "k").status_code == 404
    done = _post(client_for("admin"), url, body, "k")
    assert done.status_code == 200 and done.json()["balance"] == 80
    no_reason = _post(client_for("admin"), url, {"points": 5, "reason": " "}, "k2")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    history = client_for("officer").get(f"/api/points/residents/{resident.pk}").json()
    assert [h["reason"] for h in history["history"][:2]] == ["duplicate credit", "api test"]
    assert history["balance"] == 80


def test_collect_pays_the_fund_and_cancel_refunds(client_for, setup, dongping):
    resident, reward = setup
    reward.cost_fen = 700
    reward.save()
    client = client_for("admin")
    order = _post(
        client, f"/api/points/rewards/{reward.pk}/orders", {"resident_id": resident.pk}, "o"
    ).json()
    before = client.get("/api/points/communities/dongping/fund").json()
    collected = _post(client, f"/api/points/orders/{order['id']}/collect", {}, "c1")
    assert collected.status_code == 200 and collected.json()["status"] == "collected"
    after = client.get("/api/points/communities/dongping/fund").json()
    assert before["balance"] - after["balance"] == 700
    closed = _post(client, f"/api/points/orders/{order['id']}/cancel", {}, "c2")
    assert closed.status_code == 400 and closed.json()["code"] == "order_closed"
    assert client.get("/api/points/communities/dongping/reconcile").json()["ok"] is True
