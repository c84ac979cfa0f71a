"""The database settings a pooler needs, switched by the environment as the deployment guide says."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"server_cursors_off": db["DISABLE_SERVER_SIDE_CURSORS"],
                  "binding": db["OPTIONS"]["server_side_binding"], "prepare": db["OPTIONS"]["prepare_threshold"],
                  "max_age": db["CONN_MAX_AGE"]}))
"""


def database_settings(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZHIBU_DB_", "DATABASE_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="zhibu.settings", DATABASE_URL="postgres://zhibu@127.0.0.1:5432/zhibu", **env
    )
    run = subprocess.run([sys.executable, "-c", PRINT], env=clean, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_by_default_long_reads_stream_and_statements_are_prepared():
    assert database_settings() == {"server_cursors_off": False, "binding": True, "prepare": 5, "max_age": 60}


def test_behind_pgbouncer_in_transaction_mode():
    pooled = database_settings(ZHIBU_DB_CONN_MAX_AGE="0", ZHIBU_DB_SERVER_CURSORS="0", ZHIBU_DB_PREPARED="0")
    assert pooled == {"server_cursors_off": True, "binding": False, "prepare": None, "max_age": 0}


STATIC = """
import django
django.setup()
from django.templatetags.static import static
print(static("zhibu/zhibu.css"))
"""


def test_in_production_a_file_missing_from_the_manifest_is_named_plainly(tmp_path):
    """Pages name static files by content from collectstatic's manifest; before `zhibu collectstatic` has run
    (or for a file it missed) they use the plain name, cached an hour, instead of failing with a 500."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHIBU_", "DATABASE_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="zhibu.settings",
        ZHIBU_PRODUCTION="1",
        ZHIBU_SECRET_KEY="s" * 50,
        ZHIBU_FIELD_KEYS=base64.urlsafe_b64encode(b"k" * 32).decode(),
        ZHIBU_INDEX_KEY="i" * 32,
        ZHIBU_ALLOWED_HOSTS="zhibu.example.internal",
        ZHIBU_VAR_DIR=str(tmp_path),
        ZHIBU_STATIC_ROOT=str(tmp_path / "static"),  # empty: collectstatic has not run
    )
    run = subprocess.run([sys.executable, "-c", STATIC], env=env, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "/static/zhibu/zhibu.css"
