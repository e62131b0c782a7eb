"""Audit entries are append-only, in the model and in the database itself."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from nearzero.audit.models import AppendOnlyError, AuditEntry
from nearzero.audit.services import record
from nearzero.sites import services


def test_site_update_leaves_one_entry_with_old_and_new(users, own_station):
    old_hours = own_station.opening_hours
    before = AuditEntry.objects.count()
    services.update_site(own_station, actor=users["station"], opening_hours="Mo-Su 07:00-21:00")
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "sites.site.updated"
    assert entry.actor == users["station"] and entry.actor_label == "dongping_station"
    assert entry.object_type == "sites.site" and entry.object_id == str(own_station.pk)
    assert entry.community == own_station.community
    assert entry.changes == {"opening_hours": [old_hours, "Mo-Su 07:00-21:00"]}


def test_an_update_that_changes_nothing_is_not_audited(users, own_station):
    before = AuditEntry.objects.count()
    services.update_site(own_station, actor=users["station"], name_zh=own_station.name_zh)
    assert AuditEntry.objects.count() == before


def test_model_refuses_update_and_delete(dongping):
    entry = record("tests.thing.done", community=dongping, object_type="tests.thing")
    entry.action = "tests.thing.undone"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'x.y' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_database_refuses_update_and_delete(sql, dongping):
    entry = record("tests.thing.done", community=dongping, object_type="tests.thing")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "tests.thing.done"


def test_queryset_bulk_update_is_refused_too(dongping):
    record("tests.thing.done", community=dongping, object_type="tests.thing")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(action="tests.thing.done").update(action="tests.thing.hidden")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(action="tests.thing.done").delete()


def test_actions_are_namespaced():
    with pytest.raises(ValueError, match="namespaced"):
        record("updated")


def test_audit_page_filters_and_is_scoped(client_for, users, own_station, qiyang):
    services.update_site(own_station, actor=users["station"], address="东平镇测试路 1 号")
    record("tests.qiyang.only", community=qiyang, object_type="tests.thing", object_label="QY")
    page = client_for("admin").get("/audit/", {"action": "sites.site"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "东平镇测试路 1 号" in text
    assert "tests.qiyang.only" not in text
    assert "sites.community.created" not in text  # filtered out by the action prefix
    assert "tests.qiyang.only" in client_for("superuser").get("/audit/").content.decode()
    assert "tests.qiyang.only" not in client_for("officer").get("/audit/").content.decode()
