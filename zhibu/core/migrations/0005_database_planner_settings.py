"""What every PostgreSQL session of zhibu's database tells the planner, set on the database itself.

They were sent as each connection's startup `options`, which a connection pooler in front of the
database (PgBouncer, as the deployment guide advises for a city) refuses: "unsupported startup parameter:
options", and nothing could connect. Set on the database, every new session has them, by whatever route:
- jit = off: district-wide summaries are costed high enough to be compiled; one spent 1.3 s compiling to
  run for 0.3 s. Pages are short queries.
- plan_cache_mode = force_custom_plan: a prepared statement is still planned for its own parameters; one
  plan for any parameters was ten times slower on branch-wide sums.
- cursor_tuple_fraction = 1: every server-side cursor of ours (exports, the nightly 学时 sums) is read to
  its end; planned for its first tenth, the nightly sum of online 学时 walked the whole table.
"""

from django.db import migrations

SETTINGS = {"jit": "off", "plan_cache_mode": "force_custom_plan", "cursor_tuple_fraction": "1"}


def _alter(schema_editor, clause: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = schema_editor.connection.ops.quote_name(cursor.fetchone()[0])
    for setting, value in SETTINGS.items():
        schema_editor.execute(f"ALTER DATABASE {name} {clause.format(setting=setting, value=value)}")


def set_on_database(apps, schema_editor):
    _alter(schema_editor, "SET {setting} = '{value}'")


def reset_on_database(apps, schema_editor):
    _alter(schema_editor, "RESET {setting}")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_pending")]
    operations = [migrations.RunPython(set_on_database, reset_on_database)]
