"""Scan grants (issue 5): the scan page's own and volunteers' scanner links, and the check-in
they make in one statement.

A grant is a bearer token for one event's check-ins: each test shows one way it is honoured
or refused, that the statement applies the same rules as the signed-in path, and that it
writes exactly the rows (check-in and audit entry) the rest of the platform expects.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nearzero.accounts import services as account_services
from nearzero.accounts.models import RoleAssignment
from nearzero.audit.models import AuditEntry
from nearzero.audit.services import entry_fields
from nearzero.engagement import checkin, exports, services
from nearzero.engagement.models import ActivityType, CheckIn, Event, Resident, ScanGrant

from .test_engagement import _open_event


def _residents(community, start: int, count: int = 1) -> list[Resident]:
    return list(
        Resident.objects.filter(community=community, erased_at=None).order_by("pk")[
            start : start + count
        ]
    )


def _statements(captured) -> int:
    return sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE")) for q in captured)


def _link(event, actor, label="王阿姨的手机") -> str:
    return services.issue_scan_grant(actor=actor, event=event, kind="link", label=label)[1]


def _scan(client, event_id, token, grant=None, **body):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {grant}"} if grant else {}
    payload = {"token": token, **body} if token else body
    return client.post(
        f"/api/events/{event_id}/checkins",
        json.dumps(payload),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def event(dongping, own_station):
    """An event open now at the station worker's own station."""
    now = timezone.now()
    return services.create_event(
        actor=None,
        community=dongping,
        site=own_station,
        activity_type=ActivityType.objects.get(community=None, code="lecture"),
        title="扫码授权",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=1),
    )


def test_a_scanner_link_checks_in_with_one_statement(event, users):
    grant = _link(event, users["station"])
    (resident,) = _residents(event.community, 100)
    token = exports.resident_token(resident)
    phone = Client()  # a volunteer's phone: no account, no session
    before = CheckIn.objects.filter(event=event).count()
    with CaptureQueriesContext(connection) as first:
        created = _scan(phone, event.pk, token, grant, nonce="v-1")
    with CaptureQueriesContext(connection) as again:
        repeat = _scan(phone, event.pk, token, grant, nonce="v-2")
    assert (created.status_code, repeat.status_code) == (201, 200)
    # PostgreSQL: the grant, the rules and both rows in one statement. SQLite runs the same
    # SQL as three statements in a transaction (the SELECT, the check-in, the audit entry).
    work = [_statements(first), _statements(again)]
    assert work == ([1, 1] if connection.vendor == "postgresql" else [3, 1])
    body = created.json()
    assert body["status"] == "checked_in" and body["participations"] == before + 1
    assert body["resident"] == resident.name and body["phone"] == resident.phone_masked
    assert repeat.json()["status"] == "already_checked_in"
    assert repeat.json()["checkin_id"] == body["checkin_id"]
    row = CheckIn.objects.get(pk=body["checkin_id"])
    assert row.recorded_by == users["station"] and row.scan_grant.label == "王阿姨的手机"
    assert row.source == "scan" and row.nonce == "v-1" and row.units is None


@pytest.mark.parametrize("by_grant", [True, False])
def test_the_statement_writes_the_audit_entry_record_would(event, users, by_grant):
    (resident,) = _residents(event.community, 101)
    if by_grant:
        grant = _link(event, users["admin"], label="门口")
        result = services.check_in(
            grant=grant, event=event.pk, token=exports.resident_token(resident)
        )
        changes = {"checkin": [None, resident.pseudonym], "source": [None, "scan"]}
        changes["scanner"] = [None, "门口"]
        actor = users["admin"]
    else:
        actor = users["station"]
        result = services.check_in(actor=actor, event=event, resident=resident, source="search")
        changes = {"checkin": [None, resident.pseudonym], "source": [None, "search"]}
    assert result.created
    entry = AuditEntry.objects.filter(action=checkin.ACTION).latest("id")
    expected = entry_fields(
        checkin.ACTION, actor=actor, obj=event, community=event.community, changes=changes
    )
    written = {name: getattr(entry, name) for name in expected}
    assert written == expected
    assert abs(entry.at - timezone.now()) < dt.timedelta(minutes=1)


def _delete_session(client) -> None:
    Session.objects.filter(session_key=client.session.session_key).delete()


STOPS = {
    "revoked": lambda g, ev, users, client: services.revoke_scan_grant(
        actor=users["admin"], grant=g
    ),
    "expired": lambda g, ev, users, client: ScanGrant.objects.filter(pk=g.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    ),
    "issuer lost the role": lambda g, ev, users, client: account_services.revoke_role(
        RoleAssignment.objects.get(user=users["station"]), actor=None
    ),
    "issuer deactivated": lambda g, ev, users, client: (
        type(users["station"]).objects.filter(pk=users["station"].pk).update(is_active=False)
    ),
}


@pytest.mark.parametrize("how", sorted(STOPS))
def test_a_grant_stops_working(event, users, how):
    grant = _link(event, users["station"])
    stored = ScanGrant.objects.get(event=event)
    (resident,) = _residents(event.community, 102)
    STOPS[how](stored, event, users, None)
    response = _scan(Client(), event.pk, exports.resident_token(resident), grant)
    assert response.status_code == 401 and response.json()["code"] == "scan_grant_invalid"
    assert not CheckIn.objects.filter(event=event, resident=resident).exists()


def test_a_grant_is_for_its_event_only(event, users, dongping):
    grant = _link(event, users["admin"])
    other = _open_event(dongping)
    (resident,) = _residents(dongping, 103)
    response = _scan(Client(), other.pk, exports.resident_token(resident), grant)
    assert response.status_code == 401
    for shaped_wrong in ("NZS1.short", "Bearer", ""):
        response = _scan(Client(), event.pk, exports.resident_token(resident), shaped_wrong)
        assert response.status_code == 401
    assert not CheckIn.objects.filter(resident=resident, event__in=[event, other]).exists()


def test_the_scan_page_holds_one_grant_per_session_and_event(event, client_for):
    client = client_for("station")
    config = []
    for _ in range(2):
        page = client.get(f"/engagement/events/{event.pk}/scan/").content.decode()
        start = page.index('<script id="scan-config" type="application/json">')
        config.append(json.loads(page[start:].split(">", 1)[1].split("</script>", 1)[0]))
    assert config[0]["grant"] and config[0]["grant"] == config[1]["grant"]
    grant = ScanGrant.objects.get(event=event)
    assert grant.kind == "page" and grant.session_id == client.session.session_key
    assert config[0]["grant"] not in json.dumps(list(ScanGrant.objects.values()), default=str)
    (resident,) = _residents(event.community, 104)
    token = exports.resident_token(resident)
    assert _scan(Client(), event.pk, token, config[0]["grant"]).status_code == 201
    client.post("/logout/")  # signing out ends the page's grant with its session
    assert not ScanGrant.objects.filter(pk=grant.pk).exists()
    (other,) = _residents(event.community, 105)
    response = _scan(Client(), event.pk, exports.resident_token(other), config[0]["grant"])
    assert response.status_code == 401
    assert CheckIn.objects.get(resident=resident, event=event).scan_grant is None  # kept


def test_a_page_grant_ends_with_an_expired_session(event, client_for):
    client = client_for("admin")
    page = client.get(f"/engagement/events/{event.pk}/scan/").content.decode()
    grant = page.split('"grant": "', 1)[1].split('"', 1)[0]
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    (resident,) = _residents(event.community, 106)
    assert _scan(Client(), event.pk, exports.resident_token(resident), grant).status_code == 401


CASES = {
    "bad_token": lambda dongping, qiyang: "NZ1." + "A" * 24 + "." + "B" * 16,
    "revoked_token": lambda dongping, qiyang: _rotated(_residents(dongping, 110)[0]),
    "wrong_community": lambda dongping, qiyang: exports.resident_token(
        Resident.objects.filter(community=qiyang).first()
    ),
}


def _rotated(resident) -> str:
    old = exports.resident_token(resident)
    services.rotate_qr(actor=None, resident=resident)
    return old


@pytest.mark.parametrize("code", sorted(CASES))
def test_codes_are_refused_alike_by_grant_and_by_session(event, users, client_for, qiyang, code):
    token = CASES[code](event.community, qiyang)
    grant = _link(event, users["admin"])
    by_grant = _scan(Client(), event.pk, token, grant)
    by_session = _scan(client_for("admin"), event.pk, token)
    assert by_grant.status_code == by_session.status_code == 400
    assert by_grant.json()["code"] == by_session.json()["code"] == code


@pytest.mark.parametrize("state", ["cancelled", "over"])
def test_events_are_refused_alike_by_grant_and_by_session(event, users, client_for, state):
    grant = _link(event, users["admin"])
    (resident,) = _residents(event.community, 111)
    if state == "cancelled":
        Event.objects.filter(pk=event.pk).update(status="cancelled")
        code = "event_cancelled"
    else:
        Event.objects.filter(pk=event.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=15),
            ends_at=timezone.now() - dt.timedelta(hours=13),
        )
        code = "outside_event_time"
    token = exports.resident_token(resident)
    answers = [_scan(Client(), event.pk, token, grant), _scan(client_for("admin"), event.pk, token)]
    assert [a.status_code for a in answers] == [400, 400]
    assert [a.json()["code"] for a in answers] == [code, code]


def test_the_window_is_checked_at_its_edges(dongping, users):
    """docs/algorithms/check-in.md: an event from 10:00 to 12:00 accepts scans made from
    08:00:00 to 24:00:00 the same day, both edges included."""
    shanghai = dt.timezone(dt.timedelta(hours=8))
    day = dt.datetime(2030, 6, 1, tzinfo=shanghai)
    event = services.create_event(
        actor=None,
        community=dongping,
        site=dongping.sites.filter(kind="station").first(),
        activity_type=ActivityType.objects.get(community=None, code="lecture"),
        title="window",
        starts_at=day.replace(hour=10),
        ends_at=day.replace(hour=12),
    )
    grant = _link(event, users["admin"])
    at = {
        "08:00:00": day.replace(hour=8),
        "07:59:59": day.replace(hour=7, minute=59, second=59),
        "24:00:00": day + dt.timedelta(days=1),
        "next day 00:00:01": day + dt.timedelta(days=1, seconds=1),
    }
    outcomes = {}
    for (name, when), resident in zip(at.items(), _residents(dongping, 112, 4), strict=True):
        try:
            services.check_in(
                grant=grant, event=event.pk, token=exports.resident_token(resident), at=when
            )
            outcomes[name] = "ok"
        except services.EngagementError as exc:
            outcomes[name] = exc.code
    assert outcomes == {
        "08:00:00": "ok",
        "07:59:59": "outside_event_time",
        "24:00:00": "ok",
        "next day 00:00:01": "outside_event_time",
    }


def test_a_retried_scan_still_succeeds_after_the_window_closes(event, users):
    grant = _link(event, users["admin"])
    (resident,) = _residents(event.community, 116)
    token = exports.resident_token(resident)
    first = services.check_in(grant=grant, event=event.pk, token=token, nonce="late-retry")
    late = event.ends_at + dt.timedelta(hours=13)
    retry = services.check_in(grant=grant, event=event.pk, token=token, nonce="late-retry", at=late)
    assert first.created and not retry.created and retry.checkin_id == first.checkin_id
    with pytest.raises(services.EngagementError) as info:
        services.check_in(grant=grant, event=event.pk, token=token, nonce="new", at=late)
    assert info.value.code == "outside_event_time"


def test_a_nonce_used_at_another_event_is_refused(event, users, dongping):
    other = _open_event(dongping)
    first, second = _residents(dongping, 117, 2)
    services.check_in(actor=None, event=other, resident=first, nonce="shared")
    with pytest.raises(services.EngagementError) as info:
        services.check_in(actor=None, event=event, resident=second, nonce="shared")
    assert info.value.code == "nonce_reused"
    assert not CheckIn.objects.filter(event=event).exists()


def test_units_are_kept_for_per_unit_events_only(dongping, users):
    clothes = ActivityType.objects.get(community=None, code="clothes_recycling")
    per_unit = _open_event(dongping, activity_type=clothes)
    per_person = _open_event(dongping)
    a, b = _residents(dongping, 120, 2)
    services.check_in(actor=None, event=per_unit, resident=a, units=2.5)
    services.check_in(actor=None, event=per_person, resident=b, units=2.5)
    assert str(CheckIn.objects.get(event=per_unit).units) == "2.50"
    assert CheckIn.objects.get(event=per_person).units is None
    with pytest.raises(services.EngagementError) as info:
        services.check_in(actor=None, event=per_unit, resident=b, units=-1)
    assert info.value.code == "bad_quantity"


def test_a_failed_audit_write_leaves_no_check_in(event, users, monkeypatch):
    """The check-in and its audit entry are written together or not at all."""
    (resident,) = _residents(event.community, 122)
    broken = checkin._audit_sql

    def audit_into_a_missing_column(**kwargs):
        return broken(**kwargs).replace("object_label,", "no_such_column,", 1)

    monkeypatch.setattr(checkin, "_audit_sql", audit_into_a_missing_column)
    checkin._statements.cache_clear()
    try:
        with pytest.raises(Exception, match="no_such_column"):
            from django.db import transaction

            with transaction.atomic():  # the failed statement spoils the test's transaction
                services.check_in(actor=None, event=event, resident=resident)
    finally:
        checkin._statements.cache_clear()
    assert not CheckIn.objects.filter(event=event, resident=resident).exists()


def test_a_scanner_link_page_and_its_withdrawal(event, client_for, users):
    staff = client_for("station")
    page = staff.post(f"/engagement/events/{event.pk}/scan-links/", {"label": " 李 叔叔 "})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "/scan/#NZS1." in html
    link = ScanGrant.objects.get(event=event, kind="link")
    assert link.label == "李 叔叔" and link.issued_by == users["station"]
    token = html.split("/scan/#", 1)[1].split('"', 1)[0]
    assert token not in json.dumps(list(ScanGrant.objects.values()), default=str)
    assert AuditEntry.objects.filter(action="engagement.scan_link.issued").exists()
    assert "李 叔叔" in staff.get(f"/engagement/events/{event.pk}/").content.decode()
    (resident,) = _residents(event.community, 123)
    assert _scan(Client(), event.pk, exports.resident_token(resident), token).status_code == 201
    info = Client().get("/api/scan-grant", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert info["event"]["id"] == event.pk and info["figures"]["participations"] == 1
    assert info["checkin_url"] == f"/api/events/{event.pk}/checkins"
    assert staff.post(f"/engagement/scan-links/{link.pk}/revoke/").status_code == 302
    assert Client().get("/api/scan-grant", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    no_label = staff.post(f"/engagement/events/{event.pk}/scan-links/", {"label": " "})
    assert no_label.status_code == 302 and ScanGrant.objects.filter(kind="link").count() == 1


def test_a_scanner_link_cannot_search_residents_or_upload_other_events(event, users, dongping):
    grant = _link(event, users["admin"])
    phone = Client()
    (resident,) = _residents(dongping, 124)
    by_id = _scan(phone, event.pk, None, grant, resident_id=resident.pk)
    assert by_id.status_code == 404  # names are for signed-in staff
    other = _open_event(dongping)
    now = timezone.now().isoformat()
    scans = [
        {"event_id": event.pk, "token": exports.resident_token(resident), "nonce": "q1"},
        {"event_id": other.pk, "token": exports.resident_token(resident), "nonce": "q2"},
    ]
    for scan in scans:
        scan["scanned_at"] = now
    answer = phone.post(
        "/api/checkins/queue",
        json.dumps({"scans": scans}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {grant}",
    )
    assert [r["status"] for r in answer.json()["results"]] == ["checked_in", "unknown_event"]
    assert not CheckIn.objects.filter(event=other).exists()
    figures = phone.get(
        f"/api/events/{event.pk}/figures", HTTP_AUTHORIZATION=f"Bearer {grant}"
    ).json()
    assert figures["participations"] == 1
    elsewhere = phone.get(f"/api/events/{other.pk}/figures", HTTP_AUTHORIZATION=f"Bearer {grant}")
    assert elsewhere.status_code == 404


def test_no_grant_for_a_closed_or_cancelled_event(event, users):
    Event.objects.filter(pk=event.pk).update(status="cancelled")
    event.refresh_from_db()
    with pytest.raises(services.EngagementError) as info:
        _link(event, users["admin"])
    assert info.value.code == "event_cancelled"
    old = Event.objects.filter(community=event.community, starts_at__year=2024).first()
    with pytest.raises(services.EngagementError) as info:
        _link(old, users["admin"])
    assert info.value.code == "check_in_closed"
