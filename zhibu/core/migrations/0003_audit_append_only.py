"""The audit trail is append-only in the database too: UPDATE and DELETE are refused by triggers."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END""",
    """CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit trail is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditevent_no_change BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()""",
]


def add_triggers(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_change ON core_auditevent")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_security")]
    operations = [migrations.RunPython(add_triggers, drop_triggers)]
