"""Engagement: residents' personal data, idempotent check-in, practices, quizzes and the
outcome KPIs (against a direct count)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nearzero.core.engagement import phones, quiz, tokens
from nearzero.core.errors import DomainError
from nearzero.engagement import exports, pii, selectors, services
from nearzero.engagement.models import (
    ActivityType,
    Attempt,
    CheckIn,
    Event,
    Resident,
    SortingShift,
    Weighing,
)

# --- pure core -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized", "masked"),
    [
        ("+86 138-1234-5678", "13812345678", "138****5678"),
        ("0086 13912345678", "13912345678", "139****5678"),
        ("021-6123 4567", "02161234567", "021****4567"),
    ],
)
def test_phone_normalised_and_masked(raw, normalized, masked):
    assert phones.normalize_phone(raw) == normalized
    assert phones.mask_phone(normalized) == masked


@pytest.mark.parametrize("raw", ["12345", "2381234567", "1381234567x", "", "+1 415 555 0100"])
def test_bad_phone_is_refused(raw):
    with pytest.raises(DomainError) as info:
        phones.normalize_phone(raw)
    assert info.value.code == "bad_phone"


def test_phone_digest_is_keyed():
    a = phones.phone_digest("13812345678", b"k1")
    assert a == phones.phone_digest("+86 138 1234 5678", b"k1")
    assert a != phones.phone_digest("13812345678", b"k2")


def test_token_round_trip_and_forgeries():
    secret = tokens.new_secret()
    token = tokens.sign(secret, b"key")
    assert tokens.verify(token, b"key") == secret
    assert str(len(secret)) == "24" and secret not in ("", token)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, tokens.sign(secret, b"other"), "NZ1.123.456", "42", ""):
        with pytest.raises(DomainError):
            tokens.verify(bad, b"key")


def test_quiz_bank_parses_and_names_the_bad_line():
    specs = quiz.parse_questions("? A?\n- x\n* y\n\n?? B?\n* p\n* q\n- r\n", graded=True)
    assert [(s.kind, len(s.options), s.line) for s in specs] == [
        ("single", 2, 1),
        ("multiple", 3, 5),
    ]
    with pytest.raises(DomainError, match="line 4"):
        quiz.parse_questions("? A?\n- x\n* y\n? B?\n- p\n- q\n", graded=True)
    with pytest.raises(DomainError, match="line 2"):
        quiz.parse_questions("? A?\nx\n", graded=True)
    with pytest.raises(DomainError, match="survey"):
        quiz.parse_questions("? A?\n- x\n* y\n", graded=False)


def test_scoring_is_all_or_nothing_for_multiple_choice():
    correct = {1: [10], 2: [20, 21], 3: [30]}
    result = quiz.score(correct, {1: [10], 2: [20], 3: [30]})  # Q2 only half right
    assert (result.correct, result.total) == (2, 3)
    assert result.pct == pytest.approx(66.667, abs=1e-3)
    assert quiz.passed(result, 60) and not quiz.passed(result, 70)
    assert quiz.knowledge_rate_pct([True, True, False, True]) == 75.0
    assert quiz.knowledge_rate_pct([]) is None


# --- residents and personal data -------------------------------------------------------------


def test_phone_is_stored_encrypted_digested_and_masked(dongping, users):
    resident = services.register_resident(
        actor=users["admin"], community=dongping, name="测试居民", phone="+86 137 0000 1234"
    )
    resident.refresh_from_db()
    assert "13700001234" not in resident.phone_encrypted
    assert pii.decrypt(resident.phone_encrypted) == "13700001234"
    assert resident.phone_masked == "137****1234"
    assert resident.phone_digest == pii.phone_digest("13700001234")
    with pytest.raises(DomainError) as info:
        services.register_resident(actor=None, community=dongping, name="重复", phone="13700001234")
    assert info.value.code == "duplicate_phone"


def _scan_for_phones(text: str) -> list[str]:
    return phones.MOBILE_PATTERN.findall(text)


def test_phone_numbers_never_plain_in_database_logs_or_default_exports(
    dongping, users, client_for, caplog
):
    caplog.set_level(logging.DEBUG)
    services.register_resident(
        actor=users["admin"], community=dongping, name="日志", phone="13612345678"
    )
    # Every text column of every row in the database (the demo's 6,600 residents included).
    leaks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, str | bytes | memoryview | dict | list):
                        found = _scan_for_phones(
                            str(bytes(value) if isinstance(value, memoryview) else value)
                        )
                        leaks += [f"{table}.{column}: {m}" for m in found]
    assert not leaks, leaks[:10]
    assert Resident.objects.filter(community=dongping).exclude(phone_digest="").count() > 6000
    # Logs, and the default pages and exports staff and officers download.
    quiz_obj = dongping.quizzes.filter(kind="quiz").first()
    admin = client_for("admin")
    officer = client_for("officer")
    outputs = [
        admin.get("/c/dongping/engagement/residents/").content,
        admin.post("/c/dongping/engagement/residents/", {"q": "13612345678"}, follow=True).content,
        officer.get("/c/dongping/engagement/residents/").content,
        admin.get(f"/engagement/quizzes/{quiz_obj.pk}/export.xlsx").content,
        admin.get("/api/communities/dongping/engagement/kpis?year=2024").content,
        admin.get("/api/communities/dongping/events").content,
        admin.get("/c/dongping/engagement/2024/5/bulletin.pdf").content,
    ]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(outputs[3]))
    cells = " ".join(str(c.value) for ws in book for r in ws.iter_rows() for c in r)
    texts = [o.decode("utf-8", "ignore") for o in outputs] + [cells, caplog.text]
    assert not [m for t in texts for m in _scan_for_phones(t)]
    assert "136****5678" in outputs[1].decode()  # the search by number found the resident


def test_only_the_personal_data_role_sees_the_full_number(dongping, users, client_for):
    resident = services.register_resident(
        actor=None, community=dongping, name="全号", phone="13512340000"
    )
    url = f"/engagement/residents/{resident.pk}/"
    assert "13512340000" in client_for("admin").get(url).content.decode()
    for persona in ("station", "officer"):
        page = client_for(persona).get(url).content.decode()
        assert "13512340000" not in page and "135****0000" in page


def test_export_and_erasure_on_request(dongping, users, client_for):
    resident = services.register_resident(
        actor=None, community=dongping, name="张删除", phone="13412345678"
    )
    event = _open_event(dongping)
    services.check_in(actor=None, event=event, resident=resident)
    data = json.loads(
        client_for("admin").get(f"/engagement/residents/{resident.pk}/export/").content
    )
    assert (
        data["phone"] == "13412345678" and data["name"] == "张删除" and len(data["check_ins"]) == 1
    )
    old_token = exports.resident_token(resident)
    response = client_for("admin").post(f"/engagement/residents/{resident.pk}/erase/")
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.name == resident.pseudonym and not resident.phone_encrypted
    assert not resident.phone_digest and resident.erased_at
    assert CheckIn.objects.filter(resident=resident).count() == 1  # statistics keep it
    with pytest.raises(DomainError) as info:
        services.check_in(actor=None, event=_open_event(dongping), token=old_token)
    assert info.value.code == "revoked_token"


# --- check-in --------------------------------------------------------------------------------


def _open_event(community, **kwargs) -> Event:
    now = timezone.now()
    site = community.sites.filter(kind="station").first()
    return services.create_event(
        actor=None,
        community=community,
        site=site,
        activity_type=kwargs.pop("activity_type", None)
        or ActivityType.objects.get(community=None, code="clean_plate"),
        title="test",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=1),
        **kwargs,
    )


def test_check_in_counts_once_whatever_the_scans(dongping):
    event = _open_event(dongping)
    resident = Resident.objects.filter(community=dongping).order_by("pk")[10]
    token = exports.resident_token(resident)
    first = services.check_in(actor=None, event=event, token=token, nonce="n-1")
    again = services.check_in(actor=None, event=event, token=token, nonce="n-2")
    retry = services.check_in(actor=None, event=event, token=token, nonce="n-1")
    assert (first.status, again.status, retry.status) == (
        "checked_in",
        "already_checked_in",
        "already_checked_in",
    )
    assert CheckIn.objects.filter(event=event).count() == 1
    figures = selectors.event_figures(event)
    assert figures["participations"] == 1
    assert figures["labelled_co2e_kg"] == pytest.approx(0.144)  # Luzhou clean plate 144 g


def test_revoked_forged_and_foreign_codes_are_refused(dongping):
    event = _open_event(dongping)
    resident = Resident.objects.filter(community=dongping).order_by("pk")[11]
    old = exports.resident_token(resident)
    services.rotate_qr(actor=None, resident=resident)
    qiyang_resident = Resident.objects.exclude(community=dongping).first()
    cases = {
        old: "revoked_token",
        "NZ1." + "A" * 24 + "." + "B" * 16: "bad_token",
        exports.resident_token(qiyang_resident): "wrong_community",
    }
    for token, code in cases.items():
        with pytest.raises(DomainError) as info:
            services.check_in(actor=None, event=event, token=token)
        assert info.value.code == code
    assert services.check_in(
        actor=None, event=event, token=exports.resident_token(resident)
    ).created


def test_check_in_outside_the_event_window_is_refused(dongping):
    event = Event.objects.filter(community=dongping, starts_at__year=2024).first()
    resident = Resident.objects.filter(community=dongping).order_by("pk")[12]
    with pytest.raises(DomainError) as info:
        services.check_in(actor=None, event=event, resident=resident)
    assert info.value.code in ("outside_event_time",)


def test_offline_queue_uploaded_twice_creates_nothing_new(dongping, client_for):
    event = _open_event(dongping)
    residents = list(Resident.objects.filter(community=dongping).order_by("pk")[20:25])
    now = timezone.now().isoformat()
    scans = [
        {
            "event_id": event.pk,
            "token": exports.resident_token(r),
            "nonce": f"q-{r.pk}",
            "scanned_at": now,
        }
        for r in residents
    ]
    scans.append({"event_id": event.pk, "token": "NZ1.bad", "nonce": "q-bad", "scanned_at": now})
    client = client_for("admin")
    first = client.post("/api/checkins/queue", {"scans": scans}, content_type="application/json")
    second = client.post("/api/checkins/queue", {"scans": scans}, content_type="application/json")
    statuses = [[r["status"] for r in resp.json()["results"]] for resp in (first, second)]
    assert statuses[0] == ["checked_in"] * 5 + ["bad_token"]
    assert statuses[1] == ["already_checked_in"] * 5 + ["bad_token"]
    assert CheckIn.objects.filter(event=event).count() == 5


def test_check_in_api_answers_201_then_200(dongping, client_for):
    event = _open_event(dongping)
    resident = Resident.objects.filter(community=dongping).order_by("pk")[30]
    body = {"token": exports.resident_token(resident), "nonce": "api-1"}
    client = client_for("admin")
    url = f"/api/events/{event.pk}/checkins"
    first = client.post(url, body, content_type="application/json")
    second = client.post(url, body, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["status"] == "already_checked_in"
    assert first.json()["phone"] == resident.phone_masked
    bad = client.post(url, {"token": "nonsense"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_token"


# --- practices -------------------------------------------------------------------------------


def test_weighing_uses_the_cited_factor(dongping, users):
    post = dongping.sites.filter(kind="post").first()
    weighing = services.record_weighing(
        actor=users["admin"], site=post, material="cardboard", kg="12.5"
    )
    # WARM v16 corrugated containers: (0.18 − (−3.14)) t CO2e / short ton = 3.32 / 0.90718474
    assert float(weighing.co2e_kg) == pytest.approx(12.5 * 3.32 / 0.90718474, abs=1e-3)
    with pytest.raises(DomainError):
        services.record_weighing(actor=None, site=post, material="plutonium", kg=1)
    with pytest.raises(DomainError):
        services.record_weighing(actor=None, site=post, material="glass", kg=-1)


def test_volunteer_hours_count_only_once_verified(dongping, users):
    year = 2031
    tz = timezone.get_current_timezone()
    post = dongping.sites.filter(kind="post").first()
    resident = Resident.objects.filter(community=dongping).first()
    start = dt.datetime(year, 3, 1, 8, tzinfo=tz)
    shift = services.record_shift(
        actor=None,
        site=post,
        resident=resident,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2.5),
    )
    assert shift.hours == Decimal("2.50")
    assert selectors.summary(dongping, year).total.volunteer_hours == 0
    services.verify_shift(actor=users["admin"], shift=shift)
    assert selectors.summary(dongping, year).total.volunteer_hours == 2.5


def test_quiz_attempt_scored_and_knowledge_rate_uses_the_latest(dongping):
    quiz_obj = services.create_quiz(
        actor=None,
        community=dongping,
        title="t",
        kind="quiz",
        questions_text="? a\n* right\n- wrong\n? b\n* right\n- wrong\n",
        pass_mark_pct=100,
    )
    qs = list(quiz_obj.questions.prefetch_related("options"))
    right = {q.pk: [o.pk for o in q.options.all() if o.is_correct] for q in qs}
    wrong = {q.pk: [o.pk for o in q.options.all() if not o.is_correct] for q in qs}
    residents = list(Resident.objects.filter(community=dongping).order_by("-pk")[:3])
    at = dt.datetime(2032, 6, 1, 10, tzinfo=dt.UTC)
    for r, (first, second) in zip(
        residents, [(wrong, right), (right, wrong), (right, None)], strict=True
    ):
        services.submit_attempt(actor=None, quiz_obj=quiz_obj, resident=r, chosen=first, at=at)
        if second:
            services.submit_attempt(
                actor=None,
                quiz_obj=quiz_obj,
                resident=r,
                chosen=second,
                at=at + dt.timedelta(days=1),
            )
    total = selectors.summary(dongping, 2032).total
    assert total.quiz_takers == 3
    assert total.knowledge_rate_pct == pytest.approx(200 / 3)  # latest: pass, fail, pass
    with pytest.raises(DomainError) as info:
        services.submit_attempt(actor=None, quiz_obj=quiz_obj, resident=residents[0], chosen={})
    assert info.value.code == "unanswered"


def test_quiz_export_has_one_column_per_option(dongping, client_for):
    from openpyxl import load_workbook

    quiz_obj = dongping.quizzes.filter(kind="quiz").first()
    options = sum(q.options.count() for q in quiz_obj.questions.all())
    book = load_workbook(
        io.BytesIO(
            client_for("admin").get(f"/engagement/quizzes/{quiz_obj.pk}/export.xlsx").content
        )
    )
    sheet = book["answers"]
    assert sheet.max_column == 6 + options
    assert sheet.max_row == 1 + quiz_obj.attempts.count()


# --- KPIs ------------------------------------------------------------------------------------


def test_demo_kpis_equal_a_direct_count(dongping):
    """The selectors' grouped queries against a plain count over the rows."""
    tz = timezone.get_current_timezone()
    start, end = dt.datetime(2024, 1, 1, tzinfo=tz), dt.datetime(2025, 1, 1, tzinfo=tz)
    events = [e for e in Event.objects.filter(community=dongping) if start <= e.starts_at < end]
    held = [e for e in events if e.status != "cancelled" and e.starts_at <= timezone.now()]
    checkins = [c for c in CheckIn.objects.filter(community=dongping) if c.event in held]
    labelled_g = 0.0
    for c in checkins:
        if c.event.carbon_label_g is not None:
            labelled_g += float(c.event.carbon_label_g) * (
                float(c.units or 0) if c.event.label_basis == "unit" else 1
            )
    weighings = [
        w for w in Weighing.objects.filter(community=dongping) if start <= w.weighed_at < end
    ]
    labelled_g += sum(float(w.co2e_kg) for w in weighings) * 1000
    hours = sum(
        float(s.hours)
        for s in SortingShift.objects.filter(community=dongping)
        if s.verified_at and start <= s.starts_at < end
    )
    latest: dict[int, Attempt] = {}
    for a in Attempt.objects.filter(community=dongping, quiz__kind="quiz").order_by(
        "submitted_at", "pk"
    ):
        if start <= a.submitted_at < end:
            latest[a.resident_id] = a
    expected = {
        "events": len(held),
        "participations": len(checkins),
        "distinct_participants": len({c.resident_id for c in checkins}),
        "sites_with_events": len({e.site_id for e in held}),
        "knowledge_rate_pct": round(100 * sum(a.passed for a in latest.values()) / len(latest), 1),
        "volunteer_hours": round(hours, 3),
        "recycled_kg": round(sum(float(w.kg) for w in weighings), 3),
        "labelled_co2e_kg": round(labelled_g / 1000, 3),
    }
    got = selectors.summary(dongping, 2024).total.as_dict()
    assert {k: got[k] for k in expected} == pytest.approx(expected)
    # And the programme the seed reports: 48 events at all 6 stations and 10 posts, about
    # 12,000 participations, a knowledge rate near 92%.
    assert (
        expected["events"] == 48
        and got["stations_with_events"] == 6
        and got["posts_with_events"] == 10
    )
    assert 11_000 <= expected["participations"] <= 13_000
    assert 90 <= expected["knowledge_rate_pct"] <= 94


def test_cli_prints_the_kpis_as_json(dongping, capsys, settings):
    from nearzero.engagement import cli

    class Args:
        community, year, format, data_dir = "dongping", 2024, "json", None

    assert cli.cmd_kpis(Args()) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed)[2:10] == list(cli.KPI_KEYS)
    assert printed["events"] == 48


def test_kpi_queries_do_not_grow_with_events(dongping, client_for):
    client = client_for("admin")

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    pages = ["/c/dongping/engagement/?year=2024", "/c/dongping/"]
    before = [count(u) for u in pages]
    site = dongping.sites.filter(kind="post").last()
    lecture = ActivityType.objects.get(community=None, code="lecture")
    tz = timezone.get_current_timezone()
    for day in range(1, 21):
        start = dt.datetime(2024, 7, day, 9, tzinfo=tz)
        services.create_event(
            actor=None,
            community=dongping,
            site=site,
            activity_type=lecture,
            title=f"extra {day}",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
        )
    assert [count(u) for u in pages] == before
