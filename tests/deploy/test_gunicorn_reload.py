"""`systemctl reload zhibu-web` after an upgrade: gunicorn (deploy/gunicorn.conf.py) serves the new code.

The upgrade steps are `git pull`, `make install`, `zhibu migrate` and then a reload (HUP), which starts new
workers and lets the old ones finish. Here gunicorn runs with the deployment's own settings file and a
small application in a temporary folder; the application's file is changed, as `git pull` changes the
project's, and the master is sent HUP: the answers must come from the new code, and a request that was being
answered when the reload began must still get its answer. Each worker has frozen the objects it loaded
(gc.freeze, in post_worker_init), so the garbage collector's full collections do not walk them.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.stack import free_port, request  # noqa: E402

APP = """
import gc
import time

VERSION = "{version}"


def application(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(2)
    start_response("200 OK", [("Content-Type", "text/plain")])
    if environ["PATH_INFO"] == "/frozen":
        return [str(gc.get_freeze_count()).encode()]
    return [VERSION.encode()]
"""


def _get(port: int, path: str = "/") -> tuple[int, str]:
    status, _, body = request(port, path, timeout=10)
    return status, body.decode()


def _until(port: int, want: str, seconds: float = 30) -> str:
    """What the server answers, waiting up to `seconds` for it to answer `want`."""
    deadline = time.monotonic() + seconds
    got = ""
    while time.monotonic() < deadline:
        try:
            got = _get(port)[1]
        except OSError:
            got = ""
        if got == want:
            break
        time.sleep(0.2)
    return got


def test_a_reload_serves_the_new_code_and_finishes_the_requests_under_way(tmp_path):
    app = tmp_path / "upgraded.py"
    app.write_text(APP.format(version="1"))
    port = free_port()
    env = {**os.environ, "ZHIBU_VAR_DIR": str(tmp_path), "ZHIBU_WEB_ACCESS_LOG": ""}
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    cmd += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2", "--pythonpath", str(tmp_path)]
    log = open(tmp_path / "gunicorn.log", "wb")
    server = subprocess.Popen([*cmd, "upgraded:application"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert _until(port, "1") == "1", (tmp_path / "gunicorn.log").read_text()[-2000:]
        # Each worker froze what it loaded (post_worker_init), so full collections do not walk it.
        assert int(_get(port, "/frozen")[1]) > 1000

        under_way: dict = {}
        slow = threading.Thread(target=lambda: under_way.setdefault("answer", _get(port, "/slow")))
        slow.start()
        time.sleep(0.5)  # the slow request is being answered by an old worker

        app.write_text(APP.format(version="2"))  # what `git pull` does to the project's files
        os.utime(app, (time.time() + 5, time.time() + 5))  # newer than any cached bytecode
        server.send_signal(signal.SIGHUP)  # systemctl reload zhibu-web

        assert _until(port, "2") == "2", "after the reload the old code still answers"
        slow.join(10)
        assert under_way.get("answer") == (200, "1")  # the old worker finished what it had begun
        assert {_get(port)[1] for _ in range(10)} == {"2"}  # no old worker is left answering
        assert int(_get(port, "/frozen")[1]) > 1000  # the new workers froze theirs too
    finally:
        server.terminate()
        server.wait(30)
        log.close()
