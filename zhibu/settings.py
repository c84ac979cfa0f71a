"""Settings for zhibu.

Embedded default: SQLite (WAL), local media, in-process task queue and live-push layer: no other
service. Production: set ZHIBU_PRODUCTION=1 and configure the engines by environment variables
(see docs/deployment.md).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ZHIBU_VAR_DIR", BASE_DIR.parent / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def _local_secret(name: str, make) -> str:
    """A secret kept in var/ for the embedded default, made on first use."""
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key() -> str:
    import base64

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


PRODUCTION = env_bool("ZHIBU_PRODUCTION", False)
DEBUG = env_bool("ZHIBU_DEBUG", False)

if PRODUCTION:
    SECRET_KEY = os.environ["ZHIBU_SECRET_KEY"]
    FIELD_ENCRYPTION_KEYS = env_list("ZHIBU_FIELD_KEYS")
    FIELD_INDEX_KEY = os.environ["ZHIBU_INDEX_KEY"]
    if not FIELD_ENCRYPTION_KEYS:
        raise RuntimeError("生产环境必须设置 ZHIBU_FIELD_KEYS（个人信息加密密钥）")
else:
    SECRET_KEY = env("ZHIBU_SECRET_KEY") or _local_secret("secret_key", lambda: secrets.token_urlsafe(50))
    FIELD_ENCRYPTION_KEYS = env_list("ZHIBU_FIELD_KEYS") or [_local_secret("field_key", _fernet_key)]
    FIELD_INDEX_KEY = env("ZHIBU_INDEX_KEY") or _local_secret("index_key", lambda: secrets.token_urlsafe(32))

ALLOWED_HOSTS = env_list("ZHIBU_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("ZHIBU_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "zhibu.core",
    "zhibu.accounts",
    "zhibu.orgs",
    "zhibu.notifications",
    "zhibu.rules",
    "zhibu.records",
    "zhibu.library",
    "zhibu.training",
    "zhibu.supervision",
    "zhibu.targets",
    "zhibu.plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhibu.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhibu.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "zhibu.records.middleware.SignInFastPathMiddleware",  # a plain QR scan is answered here
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhibu.accounts.middleware.AccountSecurityMiddleware",
    "zhibu.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhibu.core.middleware.AuditWritesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhibu.urls"
WSGI_APPLICATION = "zhibu.wsgi.application"
ASGI_APPLICATION = "zhibu.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhibu.core.context.navigation",
            ],
        },
    }
]

# Database: SQLite in WAL mode by default, DATABASE_URL (PostgreSQL) in production.
if env("DATABASE_URL"):
    # ZHIBU_DB_CONN_MAX_AGE: seconds a connection is kept between requests (0 behind PgBouncer in
    # transaction mode).
    _conn_max_age = int(env("ZHIBU_DB_CONN_MAX_AGE", "60"))
    DATABASES = {
        "default": dj_database_url.parse(
            env("DATABASE_URL"), conn_max_age=_conn_max_age, conn_health_checks=True
        )
    }
    if env("DATABASE_REPLICA_URL"):
        # A streaming replica for reads (lists, boards, reports); see zhibu/core/dbrouter.py.
        DATABASES["replica"] = dj_database_url.parse(
            env("DATABASE_REPLICA_URL"), conn_max_age=_conn_max_age, conn_health_checks=True
        )
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
        DATABASE_ROUTERS = ["zhibu.core.dbrouter.ReplicaRouter"]
    # What our sessions tell the planner (jit off, each run planned for its own parameters, a cursor read to
    # its end) is set on the database by a migration (core 0005), so it holds through a pooler too.
    #
    # Parameters are sent apart from the statement (server-side binding), so psycopg prepares a statement
    # a connection runs often and PostgreSQL parses it once (the sign-in burst's statements cost the server
    # about a quarter less). Each run is still planned for its own parameters (force_custom_plan): a plan
    # made once for any parameters was ten times slower on branch-wide sums. Off (ZHIBU_DB_PREPARED=0)
    # behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    _prepared = env_bool("ZHIBU_DB_PREPARED", True)
    # Long reads (exports, the audit chain's check) go through server-side cursors a chunk at a time; a
    # pooler in transaction mode cannot keep a cursor between transactions (ZHIBU_DB_SERVER_CURSORS=0: the
    # rows then come whole to the client, as Django's docs advise behind PgBouncer in that mode).
    _server_cursors = env_bool("ZHIBU_DB_SERVER_CURSORS", True)
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = not _server_cursors
        if "postgresql" in _db["ENGINE"]:
            _options = _db.setdefault("OPTIONS", {})
            _options["server_side_binding"] = _prepared
            _options["prepare_threshold"] = 5 if _prepared else None  # prepared from a statement's 5th run
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("ZHIBU_SQLITE_PATH") or str(VAR_DIR / "zhibu.sqlite3"),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zhibu.accounts.passwords.CharacterClassValidator"},
]

# Lock-out after repeated failures, with back-off (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = "zhibu.accounts.passwords.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
# TOTP second factor: optional for everyone, required in production for the administrator roles.
OTP_TOTP_ISSUER = "zhibu"
ZHIBU_REQUIRE_OTP_FOR_ADMINS = env_bool("ZHIBU_REQUIRE_OTP_FOR_ADMINS", PRODUCTION)

# Chinese first; English through the translation machinery.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["zhibu.formats"]  # ISO dates first: what <input type="date"> accepts
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("ZHIBU_STATIC_ROOT") or VAR_DIR / "static")
# Front-end libraries installed from the npm registry by the set-up (package.json), served locally.
NODE_MODULES = Path(env("ZHIBU_NODE_MODULES") or BASE_DIR.parent / "node_modules")
VENDOR_DIRS = {"htmx": "htmx.org/dist", "echarts": "echarts/dist", "hls": "hls.js/dist", "axe": "axe-core"}
STATICFILES_DIRS = [BASE_DIR / "static"] + [
    (f"vendor/{name}", NODE_MODULES / path)
    for name, path in VENDOR_DIRS.items()
    if (NODE_MODULES / path).exists()
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("ZHIBU_MEDIA_ROOT") or VAR_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production every style sheet and script is named by its content (zhibu.3f2a….css, written by
    # `zhibu collectstatic` with a manifest), so a phone keeps it for a year without asking again, and
    # the pages of an upgrade name the new files at once instead of meeting an hour-old cached copy.
    "staticfiles": {
        "BACKEND": "zhibu.core.storage.StaticFiles"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env("ZHIBU_S3_BUCKET"):
    # S3-compatible object storage (MinIO, Ceph, a cloud's object store) through django-storages.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("ZHIBU_S3_BUCKET"),
            "endpoint_url": env("ZHIBU_S3_ENDPOINT_URL") or None,
            "access_key": env("ZHIBU_S3_ACCESS_KEY") or None,
            "secret_key": env("ZHIBU_S3_SECRET_KEY") or None,
            "region_name": env("ZHIBU_S3_REGION") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Cache and live push: Redis in production, in-process by default.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Pub/sub: a board batch is published once and each ASGI process, subscribed once per group, hands it
    # to its own boards in memory (the list-based layer stores and pops one copy per board, which does not
    # hold 200 boards at 1,000 sign-ins a second). A process that misses a message catches up from the
    # Event table. redis-py 8's 5 s read timeout is raised to 10 s (it would end quiet connections).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 10}]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Task queue: Celery with workers over Redis in production; run in-process by default.
CELERY_BROKER_URL = env("ZHIBU_CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not (env("ZHIBU_CELERY_BROKER_URL") or REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A job whose worker died (killed, out of memory, machine restarted) goes to another worker once this many
# seconds have passed since it was handed out: longer than the longest job, or a running job is run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(env("ZHIBU_CELERY_VISIBILITY_TIMEOUT", "3600"))}
CELERY_TIMEZONE = TIME_ZONE
# What the one beat scheduler of an installation sends (deploy/systemd/zhibu-beat.service).
CELERY_BEAT_SCHEDULE = {
    "seal-audit": {"task": "zhibu.core.tasks.seal_audit", "schedule": 30.0},
    "prune-job-files": {"task": "zhibu.core.tasks.prune_job_files", "schedule": 3600.0},
    "escalate-overdue": {"task": "zhibu.supervision.tasks.escalate_overdue", "schedule": 3600.0},
    "rebuild-board": {
        "task": "zhibu.supervision.tasks.rebuild_board",
        "schedule": crontab(hour=1, minute=30),
    },
}
# Exports (core/exports.py): up to this many rows are downloaded at once; a larger one is made by a worker
# and its file kept this many hours (it holds personal data), then deleted.
ZHIBU_EXPORT_INLINE_ROWS = int(env("ZHIBU_EXPORT_INLINE_ROWS", "20000"))
ZHIBU_EXPORT_KEEP_HOURS = int(env("ZHIBU_EXPORT_KEEP_HOURS", "24"))
# An uploaded roster or 台账 (identity numbers and all) is kept this many days for its preview, confirmation
# and error report, then its file is deleted.
ZHIBU_UPLOAD_KEEP_DAYS = int(env("ZHIBU_UPLOAD_KEEP_DAYS", "7"))
# Summary figures (core/figures.py): shared by users of the same reach for this many seconds (0: computed
# on every request), then served for up to this many more while the next copy is computed after a response.
ZHIBU_FIGURES_SECONDS = int(env("ZHIBU_FIGURES_SECONDS", "300"))
ZHIBU_FIGURES_STALE_SECONDS = int(env("ZHIBU_FIGURES_STALE_SECONDS", "3600"))
# The queue's name: several installations (or a smoke check) can share one Redis without sharing work.
CELERY_TASK_DEFAULT_QUEUE = env("ZHIBU_CELERY_QUEUE", "celery")

# E-mail only where configured; nothing depends on an outside service.
if env("ZHIBU_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("ZHIBU_EMAIL_HOST")
    EMAIL_PORT = int(env("ZHIBU_EMAIL_PORT", "25"))
    EMAIL_HOST_USER = env("ZHIBU_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env("ZHIBU_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("ZHIBU_EMAIL_TLS", False)
    DEFAULT_FROM_EMAIL = env("ZHIBU_EMAIL_FROM", "zhibu@localhost")
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_ENABLED = bool(env("ZHIBU_EMAIL_HOST"))
# An SMS gateway: a dotted path to a class with send(phone, text) (see zhibu/notifications/sms.py).
SMS_GATEWAY = env("ZHIBU_SMS_GATEWAY")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "zhibu.core.api.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "zhibu.core.pagination.APIPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "zhibu.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("ZHIBU_API_ANON_RATE", "60/min"),
        "user": env("ZHIBU_API_USER_RATE", "1200/min"),
    },
}
RATELIMIT_VIEW = "zhibu.core.views.rate_limited"
ZHIBU_LOGIN_RATE = env("ZHIBU_LOGIN_RATE", "30/m")
# Per person (or per address before login: a village office's phones may share one address).
ZHIBU_SIGNIN_RATE = env("ZHIBU_SIGNIN_RATE", "120/m")
# A web process seals its writes into the audit chain at most this often (zhibu.core.audit).
ZHIBU_AUDIT_SEAL_SECONDS = float(env("ZHIBU_AUDIT_SEAL_SECONDS", "1"))
SPECTACULAR_SETTINGS = {
    "TITLE": "zhibu API",
    "DESCRIPTION": "支部规范化建设实训与督导平台 REST API（v1）",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Library items and search hits share the item's kinds: one name for them.
    "ENUM_NAME_OVERRIDES": {"ItemKindEnum": "zhibu.library.models.Item.Kind"},
}

# Idle timeout: a session lasts 30 minutes after the last request.
SESSION_COOKIE_AGE = int(env("ZHIBU_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = (
    False  # zhibu.accounts.middleware.IdleTimeoutMiddleware refreshes it once a minute
)
if REDIS_URL:
    SESSION_ENGINE = "zhibu.accounts.sessions"  # cached_db, saving an existing session in one statement

# Content Security Policy: no inline script, nothing from outside the server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "object-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ZHIBU_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("ZHIBU_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("ZHIBU_LOG_LEVEL", "WARNING")},
}

ZHIBU_NAME = _("支部规范化建设实训与督导平台")
