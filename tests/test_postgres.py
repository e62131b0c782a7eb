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
