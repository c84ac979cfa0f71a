"""The database settings a pooler needs, switched by the environment as the deployment guide says."""

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
