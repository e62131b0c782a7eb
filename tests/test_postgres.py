"""PostgreSQL-only behaviour. Skipped without NEARZERO_TEST_DATABASE_URL; `.ci/run` sets it
and turns skips into failures, so these always run in CI."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from nearzero.audit.services import record

pytestmark = pytest.mark.postgres


def test_suite_really_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


def test_audit_trigger_raises_restrict_violation(dongping):
    import psycopg

    entry = record("tests.pg.done", community=dongping, object_type="tests.thing")
    with pytest.raises(Exception) as info, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x.y' WHERE id = %s", [entry.pk])
    cause = info.value.__cause__
    assert isinstance(cause, psycopg.errors.RestrictViolation)


def test_role_scope_check_constraint_is_enforced_by_the_database(users, dongping):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        # An officer role pinned to a community instead of a region.
        cursor.execute(
            "INSERT INTO accounts_roleassignment (user_id, role, community_id, granted_at) "
            "VALUES (%s, 'officer', %s, now())",
            [users["station"].pk, dongping.pk],
        )


@pytest.mark.parametrize("by", ["scan grant", "session"])
def test_twenty_concurrent_identical_check_ins_make_exactly_one(django_db_blocker, by):
    """Acceptance (issue 5): 20 identical check-in requests at once through the whole HTTP
    stack → one check-in; every answer is success or already-checked-in, none a server
    error; uploading the same offline queue twice creates nothing new. Both ways a scanner
    signs in: the scan page's grant (one statement) and the session. Runs outside the test
    transaction so each thread's connection sees committed rows; it cleans up after."""
    import datetime as dt
    import threading

    from django.db import connections
    from django.test import Client
    from django.utils import timezone

    from nearzero.accounts.models import User
    from nearzero.engagement import exports, services
    from nearzero.engagement.models import ActivityType, CheckIn, Event, Resident, ScanGrant
    from nearzero.sites.models import Community

    with django_db_blocker.unblock():
        dongping = Community.objects.get(slug="dongping")
        now = timezone.now()
        event = services.create_event(
            actor=None,
            community=dongping,
            site=dongping.sites.filter(kind="station").first(),
            activity_type=ActivityType.objects.get(community=None, code="lecture"),
            title="concurrency",
            starts_at=now - dt.timedelta(minutes=10),
            ends_at=now + dt.timedelta(hours=1),
        )
        residents = list(Resident.objects.filter(community=dongping).order_by("pk")[40:44])
        admin = User.objects.get(username="dongping_admin")
        headers = {}
        if by == "scan grant":
            _grant, token = services.issue_scan_grant(
                actor=admin, event=event, kind="link", label="concurrency"
            )
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        body = {"token": exports.resident_token(residents[0]), "nonce": "same-nonce"}
        url = f"/api/events/{event.pk}/checkins"
        barrier = threading.Barrier(20)
        statuses: list[int] = []

        def client() -> Client:
            signed_in = Client()
            if not headers:
                signed_in.force_login(admin)
            return signed_in

        def request() -> None:
            try:
                phone = client()
                barrier.wait()
                response = phone.post(url, body, content_type="application/json", **headers)
                statuses.append(response.status_code)
            finally:
                connections.close_all()

        try:
            threads = [threading.Thread(target=request) for _ in range(20)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(statuses) == [200] * 19 + [201], statuses
            assert CheckIn.objects.filter(event=event).count() == 1

            scans = {
                "scans": [
                    {
                        "event_id": event.pk,
                        "token": exports.resident_token(r),
                        "nonce": f"queue-{r.pk}",
                        "scanned_at": now.isoformat(),
                    }
                    for r in residents[1:]
                ]
            }
            phone = client()
            for _ in range(2):
                response = phone.post(
                    "/api/checkins/queue", scans, content_type="application/json", **headers
                )
                assert response.status_code == 200
            assert CheckIn.objects.filter(event=event).count() == 4
        finally:
            CheckIn.objects.filter(event=event).delete()
            ScanGrant.objects.filter(event=event).delete()
            Event.objects.filter(pk=event.pk).delete()


def _high_water() -> dict[str, int]:
    """The largest id of each table a points test writes, before it runs."""
    tables = ("points_order", "points_leg", "points_posting", "points_reward", "points_account")
    with connection.cursor() as cursor:
        marks = {}
        for table in (*tables, "audit_auditentry"):
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - fixed names
            marks[table] = cursor.fetchone()[0]
    return marks


def _purge_points_rows(marks: dict[str, int]) -> None:
    """Remove the rows a test committed after ``marks``. The ledger is append-only (triggers
    refuse UPDATE and DELETE); as the superuser the suite connects with, a session in replica
    mode skips triggers for this clean-up only."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            for table, mark in marks.items():
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [mark])  # noqa: S608
            cursor.execute(
                "UPDATE points_account SET balance = s.total FROM (SELECT account_id, "
                "sum(amount) AS total FROM points_leg GROUP BY account_id) s "
                "WHERE s.account_id = points_account.id AND balance <> s.total"
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def test_ten_concurrent_redemptions_of_a_hundred_points_make_three(
    django_db_setup, django_db_blocker
):
    """Acceptance (issue 6): balance 100, reward cost 30, 10 concurrent redemptions →
    exactly 3 succeed and 7 are refused cleanly (insufficient points), balance 10, legs sum
    to zero — 50 times, each with a fresh resident. Runs outside the test transaction (each
    thread has its own connection) and removes its rows afterwards."""
    import threading

    from django.db import connections
    from django.db.models import Sum

    from nearzero.engagement.models import Resident
    from nearzero.points import selectors, services
    from nearzero.points.models import Account, Leg, Order, Reward
    from nearzero.points.services import PointsError
    from nearzero.sites.models import Community

    with django_db_blocker.unblock():
        qiyang = Community.objects.get(slug="qiyang")
        marks = _high_water()
        residents = list(
            Resident.objects.filter(community=qiyang, erased_at=None)
            .exclude(points_account__isnull=False)
            .order_by("pk")[:50]
        )
        assert len(residents) == 50
        # Ten rewards, one per thread: the threads meet on the resident's account, not on
        # a shared reward row.
        rewards = [
            Reward.objects.create(
                community=qiyang, name=f"concurrency {i}", cost_points=30, stock=100
            )
            for i in range(10)
        ]
        try:
            for resident in residents:
                services.adjust(actor=None, resident=resident, points=100, reason="test")
                barrier = threading.Barrier(10)
                outcomes: list[str] = []

                def redeem(reward, resident=resident, barrier=barrier, outcomes=outcomes) -> None:
                    try:
                        barrier.wait()
                        services.redeem(actor=None, resident=resident, reward=reward)
                        outcomes.append("ok")
                    except PointsError as exc:
                        outcomes.append(exc.code)
                    finally:
                        connections.close_all()

                threads = [threading.Thread(target=redeem, args=(r,)) for r in rewards]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                assert sorted(outcomes) == ["insufficient_points"] * 7 + ["ok"] * 3, outcomes
                account = Account.objects.get(resident=resident)
                assert account.balance == 10
                assert Leg.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] == 10
                assert Order.objects.filter(resident=resident).count() == 3
            assert (
                Leg.objects.filter(posting__community=qiyang).aggregate(s=Sum("amount"))["s"] == 0
            )
            assert sum(Reward.objects.get(pk=r.pk).stock for r in rewards) == 1_000 - 150
            assert selectors.reconcile(qiyang).ok
        finally:
            _purge_points_rows(marks)
