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


def smoke(*args: str) -> dict:
    reason = check_services()
    if reason:
        pytest.skip(f"the production smoke check needs PostgreSQL and Redis on loopback: {reason}")
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smoke-production"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    report = json.loads(run.stdout)
    failed = [c for c in report["checks"] if not c["ok"]]
    assert run.returncode == 0 and report["ok"], json.dumps(failed, ensure_ascii=False, indent=2) + run.stderr
    return {c["check"]: c["detail"] for c in report["checks"]}


def test_production_profile_starts_and_passes_the_smoke_check():
    names = smoke()
    for expected in (
        "GET /healthz through gunicorn (WSGI)",
        "GET /healthz through daphne (ASGI)",
        "GET /login/ (the login page)",
        "GET the login page's script by its content-named URL (whitenoise, kept a year)",
        "API /api/v1/branches/ with a token",
        "a roster-import preview job runs on the celery worker",
        "a large export is made on the celery worker into the file storage",
        "stopped everything and dropped the database",
    ):
        assert expected in names
    assert (
        names["a large export is made on the celery worker into the file storage"]["storage"]
        == "FileSystemStorage"
    )


def test_with_object_storage_files_go_to_the_s3_bucket():
    """The city's profile: files (an import's upload, an export) through django-storages to an S3 API, here
    moto's server on loopback standing in for MinIO or a cloud's object store."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        checks = smoke("--s3", f"http://{host}:{port}")
    finally:
        server.stop()
    assert checks["a roster-import preview job runs on the celery worker"]["counts"]["create"] == 2
    assert (
        checks["a large export is made on the celery worker into the file storage"]["storage"] == "S3Storage"
    )
    removed = [detail for name, detail in checks.items() if name.endswith("emptied and removed")]
    assert removed == [2]  # the upload and the export were in the bucket
