"""The example configuration in deploy/ matches the code: every variable, every path, every command."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_FILE = DEPLOY / "zhibu.env.example"


def env_template() -> dict[str, str]:
    pairs = {}
    for line in ENV_FILE.read_text().splitlines():
        line = line.strip().lstrip("#")
        match = re.fullmatch(r"([A-Z][A-Z0-9_]+)=(.*)", line)
        if match:
            pairs[match[1]] = match[2]
    return pairs


def readme_production_variables() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## 生产部署", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)(?:=[^`]*)?`", row.split("|")[1])}


def test_the_env_template_has_every_variable_of_the_readme_table():
    documented = readme_production_variables()
    assert {"ZHIBU_PRODUCTION", "DATABASE_URL", "REDIS_URL", "ZHIBU_S3_BUCKET"} <= documented
    missing = documented - set(env_template())
    assert not missing, f"deploy/zhibu.env.example lacks {sorted(missing)}"


def test_every_variable_of_the_env_template_is_read_by_something():
    readers = (ROOT / "zhibu" / "settings.py").read_text() + (DEPLOY / "gunicorn.conf.py").read_text()
    readers += "".join(p.read_text() for p in (DEPLOY / "systemd").glob("*.service"))
    unread = [name for name in env_template() if name not in readers]
    assert not unread, f"variables nothing reads: {unread}"


def test_the_units_run_the_repositorys_commands_and_files():
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {
        "zhibu-web.service",
        "zhibu-asgi@.service",
        "zhibu-worker.service",
        "zhibu-beat.service",
    }
    for text in units.values():
        assert "EnvironmentFile=/etc/zhibu/zhibu.env" in text
        for path in re.findall(r"/opt/zhibu/([\w./-]+)", text):
            if not path.startswith(".venv"):
                assert (ROOT / path).exists(), path
    assert (
        "gunicorn -c /opt/zhibu/deploy/gunicorn.conf.py zhibu.wsgi:application" in units["zhibu-web.service"]
    )
    assert "daphne -b 127.0.0.1 -p %i" in units["zhibu-asgi@.service"]  # one process per port
    assert "celery -A zhibu.celery worker" in units["zhibu-worker.service"]
    assert "celery -A zhibu.celery beat" in units["zhibu-beat.service"]
    nginx = (DEPLOY / "nginx" / "zhibu.conf").read_text()
    assert "server 127.0.0.1:8001" in nginx and "server 127.0.0.1:8002" in nginx
    assert "X-Forwarded-Proto $scheme" in nginx  # SECURE_PROXY_SSL_HEADER


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_reads_every_unit_without_a_complaint(tmp_path):
    """`systemd-analyze verify` (systemd's own reading, as on Debian 12) finds no unknown key, bad value or
    missing command; the installation's /opt/zhibu is this checkout, as the units would find it there."""
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text().replace("/opt/zhibu/.venv", str(Path(sys.executable).parents[1]))
        name = unit.name.replace("@.service", "@8002.service")  # the template, as one instance
        (tmp_path / unit.name).write_text(text.replace("/opt/zhibu", str(ROOT)))
        if name != unit.name:
            (tmp_path / name).write_text(text.replace("/opt/zhibu", str(ROOT)))
        run = subprocess.run(
            ["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True
        )
        assert run.returncode == 0 and not (run.stdout + run.stderr).strip(), (unit.name, run.stderr)


def test_gunicorn_conf_reads_the_environment():
    namespace: dict = {}
    env = {
        "ZHIBU_WEB_BIND": "unix:/run/zhibu.sock",
        "ZHIBU_WEB_WORKERS": "5",
        "ZHIBU_WEB_ACCESS_LOG": "",
        "ZHIBU_VAR_DIR": "/var/lib/zhibu-second",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k)
            else:
                os.environ[k] = v
    assert namespace["bind"] == "unix:/run/zhibu.sock"
    assert namespace["workers"] == 5
    assert namespace["accesslog"] is None
    assert namespace["worker_class"] == "gthread"
    # each installation its own control socket, not gunicorn's one per user
    assert namespace["control_socket"] == "/var/lib/zhibu-second/gunicorn.ctl"


def test_the_env_template_filled_in_passes_djangos_deployment_checks(tmp_path):
    """Django's own security checks (HTTPS, HSTS, cookies, keys) pass with the template's values.

    The whole `check --deploy` (every app's warnings) is `make lint`'s job (scripts/check-deploy).
    """
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ZHIBU_", "DATABASE_", "REDIS_", "DJANGO_"))
    }
    env.update({k: v for k, v in env_template().items() if v})
    env.update(
        ZHIBU_SECRET_KEY="x" * 20 + "-production-secret-key-for-the-check-0123456789",
        ZHIBU_FIELD_KEYS="5Mnc0q5wqP6i1d2f3T9gF8O0t0bd1s8c1Qx9f7dA3mM=",
        ZHIBU_INDEX_KEY="index-key-for-the-check",
        ZHIBU_VAR_DIR=str(tmp_path),
        ZHIBU_STATIC_ROOT=str(tmp_path / "static"),
        ZHIBU_MEDIA_ROOT=str(tmp_path / "media"),
    )
    zhibu = Path(sys.executable).parent / "zhibu"
    run = subprocess.run(
        [str(zhibu), "check", "--deploy", "--fail-level", "ERROR"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "(security." not in run.stdout + run.stderr, run.stdout + run.stderr
