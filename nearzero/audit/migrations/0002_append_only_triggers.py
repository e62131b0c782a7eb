"""The database refuses UPDATE and DELETE on audit entries (SQLite and PostgreSQL).

PostgreSQL: TRUNCATE is left to the table owner (test flushes use it); production should run
the app as a role without TRUNCATE on this table (docs/architecture.md, "Audit").
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;""",
    """CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete;",
]
POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION audit_auditentry_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only' USING ERRCODE = 'restrict_violation';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_auditentry_refuse();""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_auditentry_refuse();",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor)
    if statements is None:
        raise RuntimeError(f"no append-only trigger for database vendor {vendor!r}")
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
