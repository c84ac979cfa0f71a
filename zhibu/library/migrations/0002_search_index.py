"""The full-text index: FTS5 with triggers on SQLite; a GIN index over tsvector on PostgreSQL."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE library_item_fts USING fts5("
    "search_title, search_body, content='library_item', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER library_item_fts_ai AFTER INSERT ON library_item BEGIN "
    "INSERT INTO library_item_fts(rowid, search_title, search_body) "
    "VALUES (new.id, new.search_title, new.search_body); END",
    "CREATE TRIGGER library_item_fts_ad AFTER DELETE ON library_item BEGIN "
    "INSERT INTO library_item_fts(library_item_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); END",
    "CREATE TRIGGER library_item_fts_au AFTER UPDATE ON library_item BEGIN "
    "INSERT INTO library_item_fts(library_item_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); "
    "INSERT INTO library_item_fts(rowid, search_title, search_body) "
    "VALUES (new.id, new.search_title, new.search_body); END",
    "INSERT INTO library_item_fts(library_item_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS library_item_fts_ai",
    "DROP TRIGGER IF EXISTS library_item_fts_ad",
    "DROP TRIGGER IF EXISTS library_item_fts_au",
    "DROP TABLE IF EXISTS library_item_fts",
]
POSTGRES = [
    "CREATE INDEX library_item_tsv ON library_item USING gin (("
    "setweight(to_tsvector('simple', search_title), 'A') || "
    "setweight(to_tsvector('simple', search_body), 'B')))",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS library_item_tsv"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
