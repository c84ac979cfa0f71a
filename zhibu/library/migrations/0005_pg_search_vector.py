"""PostgreSQL: a stored, generated tsvector column, so ranking reads it instead of re-parsing the text."""

from django.db import migrations

POSTGRES = [
    "DROP INDEX IF EXISTS library_item_tsv",
    "ALTER TABLE library_item ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', search_title), 'A') || "
    "setweight(to_tsvector('simple', search_body), 'B')) STORED",
    "CREATE INDEX library_item_search_vector ON library_item USING gin (search_vector)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS library_item_search_vector",
    "ALTER TABLE library_item DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX library_item_tsv ON library_item USING gin (("
    "setweight(to_tsvector('simple', search_title), 'A') || "
    "setweight(to_tsvector('simple', search_body), 'B')))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("library", "0004_duration_optional")]

    operations = [migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE))]
