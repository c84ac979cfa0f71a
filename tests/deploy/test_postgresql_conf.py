"""The deployment guide's PostgreSQL settings (deploy/postgresql/zhibu.conf) start a server and take effect.

A throwaway cluster (tests/deploy/pgcluster.py) includes the file after its own settings, as Debian's
conf.d/ includes it after postgresql.conf, and starts: PostgreSQL must read every line without an error,
and the district's values must be the ones in force. Runs once, in the SQLite pass.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.deploy import pgcluster  # noqa: E402

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass (it makes its own cluster)"
)


def test_the_guides_settings_start_a_server_and_are_in_force():
    reason = pgcluster.missing()
    if reason:
        pytest.skip(f"needs the PostgreSQL server binaries: {reason}")
    import psycopg

    cluster = pgcluster.Cluster()
    try:
        cluster.init()
        conf = cluster.root / "zhibu.conf"
        shutil.copy(ROOT / "deploy" / "postgresql" / "zhibu.conf", conf)
        os.chmod(conf, 0o644)
        with open(cluster.data / "postgresql.conf", "a") as main:
            main.write(f"\ninclude '{conf}'\n")
        cluster.start()
        cluster.wait_ready()
        with psycopg.connect(cluster.url) as db:
            errors = db.execute(
                "SELECT sourceline, name, error FROM pg_file_settings WHERE error IS NOT NULL"
            )
            assert errors.fetchall() == []
            shown = {
                name: db.execute(f"SHOW {name}").fetchone()[0]
                for name in ("shared_buffers", "work_mem", "max_connections", "commit_delay", "wal_level")
            }
            assert shown == {
                "shared_buffers": "2GB",
                "work_mem": "16MB",
                "max_connections": "100",
                "commit_delay": "200",
                "wal_level": "replica",
            }
    finally:
        cluster.destroy()
