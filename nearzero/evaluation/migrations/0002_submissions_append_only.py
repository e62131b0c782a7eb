"""Submissions are append-only, enforced by the database like the audit log and the points
ledger: what a community submitted stays as it was; a correction is a new submission."""

from django.db import migrations

TABLE = "evaluation_submission"
MESSAGE = "submissions are append-only"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [
            f"""CREATE TRIGGER {TABLE}_no_{op.lower()} BEFORE {op} ON {TABLE}
               BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
            for op in ("UPDATE", "DELETE")
        ]
    elif vendor == "postgresql":
        statements = [
            f"""CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
               END; $$ LANGUAGE plpgsql;""",
            f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
               FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse();""",
        ]
    else:
        raise RuntimeError(f"no append-only trigger for database vendor {vendor!r}")
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{op};")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_refuse();")


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
