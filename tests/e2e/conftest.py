"""Browser journeys: Debian's Chromium (Playwright) against zhibu served by daphne (ASGI, so WebSockets work).

The server runs in a subprocess on a throwaway SQLite database that tests/e2e/seed.py builds with the
areas' services; the browser is launched once per test session and every role logs in once (its storage
state is reused). Every request a page makes must go to the test server; screenshots of each step are
kept in test-artifacts/e2e/.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(os.path.abspath(__file__)).parents[2]
CHROMIUM = os.environ.get("ZHIBU_CHROMIUM", "/usr/bin/chromium")
SECRET_KEY = "e2e-secret-key-not-for-production-0123456789abcdef"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 12; Redmi 10A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36",
}
TABLET = {
    "viewport": {"width": 820, "height": 1180},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
BOARD = {"viewport": {"width": 1920, "height": 1080}}


def _skip_reason() -> str | None:
    if os.environ.get("DATABASE_URL"):
        return (
            "浏览器旅程只在 SQLite 运行中执行一次：服务器是一个独立的 daphne 子进程，用自己的临时 SQLite 库"
            "（browser journeys run once, in the SQLite run: daphne serves its own throwaway SQLite database)"
        )
    if not Path(CHROMIUM).exists():
        return f"找不到 Chromium（{CHROMIUM}）：`make test` 会用 apt-get install -y chromium 安装"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "未安装 Python 包 playwright（pip install -e .[test]）"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason:
        for item in items:
            if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, data: dict, var: Path, process: subprocess.Popen):
        self.url, self.data, self.var, self.process = url, data, var, process
        self.host = url.split("//", 1)[1]

    def sql(self, query: str, *params):
        """Read the server's database directly (for checks a page does not show)."""
        import sqlite3

        with sqlite3.connect(self.var / "zhibu.sqlite3") as db:
            return db.execute(query, params).fetchall()


def _seed(env: dict, var: Path) -> None:
    """Migrate and build the journeys' data into `var` (once per run: xdist workers copy the first one's)."""
    import fcntl

    shared = None
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = var.parent.parent / "e2e-seed"  # the run's base temp folder, common to the workers
        shared.mkdir(exist_ok=True)
    source = shared / "var" if shared else var
    lock = open((shared or var) / ".lock", "w")  # noqa: SIM115
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (source / "seed.json").exists():
            source.mkdir(exist_ok=True)
            build_env = dict(env, ZHIBU_VAR_DIR=str(source))
            subprocess.run(
                [sys.executable, "-m", "tests.e2e.seed", str(source / "seed.tmp")],
                cwd=ROOT,
                env=build_env,
                check=True,
                timeout=600,
            )
            (source / "seed.tmp").rename(source / "seed.json")
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    if source != var:
        shutil.copytree(source, var, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("e2e-var")
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DATABASE_REPLICA_URL")
    }
    env.update(
        ZHIBU_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="zhibu.settings",
        ZHIBU_SECRET_KEY=SECRET_KEY,
        PYTHONPATH=str(ROOT),
    )
    _seed(env, var)
    seed = var / "seed.json"
    port = _free_port()
    log = open(var / "daphne.log", "w")  # noqa: SIM115
    daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
    process = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(port), "zhibu.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    "daphne did not start:\n" + (var / "daphne.log").read_text()[-3000:]
                ) from None
            time.sleep(0.3)
    yield Server(url, json.loads(seed.read_text()), var, process)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    if ARTIFACTS.exists():
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        shutil.copy(var / "daphne.log", ARTIFACTS / f"daphne-{worker}.log")


# Package scope: Playwright's sync API runs an event loop in the worker's thread while it is open, and
# the asynchronous tests of other packages (tests/supervision/test_live.py) that a worker runs after these
# cannot start their own loop beside it; closing it when the worker leaves tests/e2e gives the thread back.
@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="package")
def states(server, browser):
    """Logged-in storage state per user, made once by logging in through the login page."""
    cache: dict[str, dict] = {}

    def get(username: str) -> dict:
        if username not in cache:
            context = browser.new_context(base_url=server.url, **DESKTOP)
            page = context.new_page()
            login(page, username, server.data["password"])
            cache[username] = context.storage_state()
            context.close()
        return cache[username]

    return get


def login(page, username: str, password: str) -> None:
    if "/login/" not in page.url:
        page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "/login/" not in page.url, f"{username} could not log in: {page.url}"


class Journey:
    """Opens pages as a role on a device, records every request, keeps numbered screenshots."""

    def __init__(self, name: str, server, browser, states):
        self.server, self.browser, self.states = server, browser, states
        self.dir = ARTIFACTS / re.sub(r"[^\w-]+", "_", name)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.step = 0
        self.requests: list[str] = []
        self.contexts = []
        self.errors: list[str] = []

    def page(self, user: str | None = None, device: dict = DESKTOP, **extra):
        options = dict(device, **extra)
        if user:
            options["storage_state"] = self.states(user)
        context = self.browser.new_context(base_url=self.server.url, locale="zh-CN", **options)
        context.set_default_timeout(15_000)
        context.on("request", lambda r: self.requests.append(r.url))
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        return page

    def shot(self, page, label: str) -> Path:
        self.step += 1
        slug = re.sub(r"[^\w-]+", "_", label)
        path = self.dir / f"{self.step:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def outside_requests(self) -> list[str]:
        """Network requests to anywhere but the test server (the browser's own chrome:// pages are not network)."""
        outside = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.server.host:
                outside.append(url)
            elif parts.scheme not in (
                "http",
                "https",
                "ws",
                "wss",
                "data",
                "blob",
                "about",
                "chrome",
                "chrome-extension",
            ):
                outside.append(url)
        return outside

    def close(self):
        for c in self.contexts:
            c.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.e2e_failed = report.failed


@pytest.fixture
def journey(request, server, browser, states):
    j = Journey(request.node.name, server, browser, states)
    yield j
    if getattr(request.node, "e2e_failed", False):
        for context in j.contexts:
            for page in context.pages:
                try:
                    j.shot(page, "FAILED-" + page.url.rsplit("/", 2)[-2])
                    (j.dir / f"{j.step:02d}-FAILED.html").write_text(page.content())
                except Exception:  # noqa: BLE001 - a screenshot of a broken page is best effort
                    pass
    j.close()
    outside = j.outside_requests()
    assert not outside, f"requests left the test server: {outside[:10]}"
    assert not j.errors, f"JavaScript errors on the pages: {j.errors[:5]}"


def axe(page, context: str = "main") -> list[dict]:
    """axe-core run inside the page; the serious and critical violations (all rules, WCAG 2.x AA)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # From the server's own static files (the page's CSP allows no inline script, rightly).
        page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})); }"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]
