"""The production profile starts for real on loopback (scripts/smoke-production) and passes its checks.

Needs PostgreSQL and Redis on 127.0.0.1 (as `make test` does); skipped with the reason otherwise.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.stack import check_services  # noqa: E402


def test_production_profile_starts_and_passes_the_smoke_check():
    reason = check_services()
    if reason:
        pytest.skip(f"the production smoke check needs PostgreSQL and Redis on loopback: {reason}")
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smoke-production")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    report = json.loads(run.stdout)
    failed = [c for c in report["checks"] if not c["ok"]]
    assert run.returncode == 0 and report["ok"], json.dumps(failed, ensure_ascii=False, indent=2) + run.stderr
    names = {c["check"] for c in report["checks"]}
    for expected in (
        "GET /healthz through gunicorn (WSGI)",
        "GET /healthz through daphne (ASGI)",
        "GET /login/ (the login page)",
        "GET /static/vendor/htmx/htmx.min.js (whitenoise)",
        "API /api/v1/branches/ with a token",
        "a roster-import preview job runs on the celery worker",
        "stopped everything and dropped the database",
    ):
        assert expected in names
