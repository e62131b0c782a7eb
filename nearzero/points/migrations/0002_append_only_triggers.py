"""Postings and legs are append-only, enforced by the database (like the audit log): a
correction is a new posting, never an edit."""

from django.db import migrations

TABLES = ("points_posting", "points_leg")


def _sqlite(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
           BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
           BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;""",
    ]


def _postgres(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
           FOR EACH ROW EXECUTE FUNCTION points_ledger_refuse();""",
    ]


POSTGRES_FUNCTION = """CREATE OR REPLACE FUNCTION points_ledger_refuse() RETURNS trigger AS $$
   BEGIN RAISE EXCEPTION 'ledger rows are append-only' USING ERRCODE = 'restrict_violation';
   END; $$ LANGUAGE plpgsql;"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [s for t in TABLES for s in _sqlite(t)]
    elif vendor == "postgresql":
        statements = [POSTGRES_FUNCTION, *(s for t in TABLES for s in _postgres(t))]
    else:
        raise RuntimeError(f"no append-only trigger for database vendor {vendor!r}")
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete;")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS points_ledger_refuse();")


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
