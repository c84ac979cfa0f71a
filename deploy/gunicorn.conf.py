"""gunicorn settings for zhibu's WSGI application (pages, API, files).

Used by deploy/zhibu-web.service and by scripts/smoke-production, so what the smoke check starts is
what a server runs. Every value can be overridden from the environment (the systemd unit reads
/etc/zhibu/zhibu.env) or on the command line (`--bind`, `--workers` win over this file).

    gunicorn -c deploy/gunicorn.conf.py zhibu.wsgi:application
"""

import gc
import multiprocessing
import os
from pathlib import Path

# Where nginx sends requests (a Unix socket or host:port).
bind = os.environ.get("ZHIBU_WEB_BIND", "127.0.0.1:8001")

# Worker processes: about one per core plus one; each has a few threads so a slow database call or a
# file download does not hold up a whole process. zhibu keeps no state in the process (sessions,
# cache and live push are in Redis and PostgreSQL), so nodes can be added behind nginx freely.
workers = int(os.environ.get("ZHIBU_WEB_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("ZHIBU_WEB_THREADS", "4"))
worker_class = "gthread"

# Long work runs on the Celery workers, so a request that takes 60 s is a fault; downloads of large
# exports are streamed by nginx from object storage or files, not by the worker.
timeout = int(os.environ.get("ZHIBU_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Recycle a worker after this many requests (with jitter, so they do not all restart at once): a guard
# against slow growth of memory in any library.
max_requests = int(os.environ.get("ZHIBU_WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# Each worker loads the application itself, so `systemctl reload zhibu-web` (HUP) after an upgrade starts
# workers with the code now on disk and lets the old ones finish what they are answering. An application
# preloaded in the master would be forked into every new worker as it was when the master started: the old
# code, against a database already migrated, until a full restart.
preload_app = False


def post_worker_init(worker):
    """Once a worker has loaded the application: its objects (about 200,000) leave the garbage collector's
    generations (gc.freeze). Otherwise every full collection walks them all, a pause of 130-190 ms on
    some request."""
    gc.freeze()


# gunicorn's control socket (gunicornc: reload, worker counts) beside the installation's other state, so
# two installations or a benchmark on one machine each have their own instead of sharing the default
# ~/.gunicorn/gunicorn.ctl, where the last one started silently takes over the others' socket.
_var_dir = os.environ.get("ZHIBU_VAR_DIR") or str(Path(__file__).resolve().parents[1] / "var")
control_socket = os.path.join(_var_dir, "gunicorn.ctl")

# nginx on the same machine (or the load balancers named here) may set X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("ZHIBU_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr, collected by journald under systemd.
accesslog = os.environ.get("ZHIBU_WEB_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("ZHIBU_WEB_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
proc_name = "zhibu-web"
