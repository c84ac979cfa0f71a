"""The production profile starts for real on loopback (scripts/smoke-production) and passes its checks.

Needs PostgreSQL and Redis on 127.0.0.1 (as `make test` does); skipped with the reason otherwise.
"""

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.stack import check_services, free_port  # noqa: E402


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


PGBOUNCER = "/usr/sbin/pgbouncer"
PGBOUNCER_INI = """[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


@pytest.mark.skipif(not Path(PGBOUNCER).exists(), reason="PgBouncer is not installed (make test installs it)")
def test_behind_pgbouncer_in_transaction_mode():
    """The city's profile: PgBouncer (Debian's package, before 1.21) in transaction mode between every
    process of zhibu and PostgreSQL, with the settings the deployment guide gives for it. A connection's own
    startup options are refused by PgBouncer ("unsupported startup parameter"), so nothing of ours may need
    them: the planner settings are on the database."""
    reason = check_services()
    if reason:
        pytest.skip(f"needs PostgreSQL and Redis on loopback: {reason}")
    folder = Path(tempfile.mkdtemp(prefix="zhibu-pgbouncer-"))
    port = free_port()
    (folder / "pgbouncer.ini").write_text(PGBOUNCER_INI.format(port=port, folder=folder))
    (folder / "users.txt").write_text('"postgres" ""\n')
    cmd = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer will not run as root
        folder.chmod(0o755)
        nobody = pwd.getpwnam("nobody")
        for path in [folder, *folder.iterdir()]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        cmd[1:1] = ["-u", "nobody"]
    pooler = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline and pooler.poll() is None, "PgBouncer did not start"
            time.sleep(0.1)
        checks = smoke("--pooler", f"postgres://postgres@127.0.0.1:{port}/postgres")
        log = (folder / "pgbouncer.log").read_text()
    finally:
        pooler.terminate()
        pooler.wait(20)
        shutil.rmtree(folder, ignore_errors=True)
    assert "login attempt: db=zhibu_smoke_" in log  # zhibu's processes did come through the pooler
    assert checks["a roster-import preview job runs on the celery worker"]["counts"]["create"] == 2
    assert checks["a large export is made on the celery worker into the file storage"]["rows"] == 1
