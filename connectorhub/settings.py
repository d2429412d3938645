"""ConnectorHub settings.

Every value comes from an environment variable with an embedded default suitable for a
developer's machine (SQLite and Redis under ./data). The README lists every variable.
"""

from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import dj_database_url

from connectorhub.datadir import PrivateSQLiteConnection, private_folder
from connectorhub.env import (
    ConfigurationError,
    dev_secret_file,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("CONNECTORHUB_DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", False)
# Production sets SECRET_KEY (or SECRET_KEY_FILE); a development key is generated once.
SECRET_KEY = env_secret("SECRET_KEY") or dev_secret_file(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # first: its runserver (Nagle's algorithm off) extends WhiteNoise's and must be found first
    "connectorhub",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "connectors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files get neither the policy nor no-store.
    "csp.middleware.CSPMiddleware",
    "connectors.nostore.NoStoreForSignedInMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A webhook's raw body is read (within its own limit) before multipart parsing takes it.
    "connectors.inbound.middleware.WebhookBodyMiddleware",
    # Before anything reads the body (CSRF reads POST): refuses oversized multipart bodies.
    "connectors.uploads.UploadLimitMiddleware",
    "connectors.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "connectorhub.urls"
WSGI_APPLICATION = "connectorhub.wsgi.application"
ASGI_APPLICATION = "connectorhub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Site-wide pages in templates/; each area's pages beside its views, in
        # connectors/<area>/templates/ (names unchanged: "connectors/<area>/<page>.html").
        "DIRS": [BASE_DIR / "templates", *sorted((BASE_DIR / "connectors").glob("*/templates"))],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "connectors.context_processors.main_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'connectorhub.sqlite3'}"),
        conn_health_checks=True,
    )
}
sqlite = DATABASES["default"]["ENGINE"].endswith("sqlite3")
# A SQLite connection is a file handle, not a slot on a server: kept open, it spares each
# request and task the open and SQLite's read of the schema (1-3 ms of a webhook's 6 over a
# kept connection: bench/bench_inbound.py). How long a server's are kept is the operator's call.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 600 if sqlite else 0)
if sqlite:
    # Web server, Celery worker and Zeebe worker share one file. Writers wait for each other
    # instead of failing at once; WAL lets readers go on during a write and syncs the disk at
    # checkpoints rather than on every commit (a dry-run commits three times). Transactions
    # stay DEFERRED: IMMEDIATE would make every transaction, read-only ones included, queue
    # for the single write lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Tokens and sessions live in it: the file is created 0600 (connectorhub/datadir.py).
            "factory": PrivateSQLiteConnection,
        }
    )
    if Path(DATABASES["default"]["NAME"]).parent == DATA_DIR:
        private_folder(DATA_DIR)
elif DATABASES["default"]["ENGINE"].endswith("mysql"):
    # MariaDB (mysql://): Django's backend imports MySQLdb (mysqlclient, a C build); PyMySQL,
    # already here for the SQL connector, stands in for it under that name.
    import pymysql  # type: ignore[import-untyped]

    pymysql.install_as_MySQLdb()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes): after CONNECTORHUB_LOGIN_FAILURE_LIMIT failed sign-ins of one
# user name from one address, that pair is refused for the cool-off, even with the right password;
# other users and addresses are unaffected, and a successful sign-in forgets the failures. It
# guards every password sign-in (the login page and the admin's); API tokens do not sign in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]


def _env_positive(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ConfigurationError(f"{name}={value!r} must be 1 or more")
    return value


AXES_FAILURE_LIMIT = _env_positive("CONNECTORHUB_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_positive("CONNECTORHUB_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "connectors.lockout.lockout_response"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "catalogue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Only a deployment that runs collectstatic needs STATIC_ROOT (see WHITENOISE_USE_FINDERS).
STATIC_ROOT = env_str("STATIC_ROOT", "") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# WhiteNoise serves straight from the app and project static folders, so neither
# `make run` nor the tests need a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Request bodies are bounded as a whole, files included: connectors/uploads.py refuses a larger
# multipart body before reading it and streams each file to a temporary file; the import code
# bounds each document again.
CONNECTORHUB_MAX_UPLOAD_BYTES = env_int("CONNECTORHUB_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = CONNECTORHUB_MAX_UPLOAD_BYTES
DATA_UPLOAD_MAX_NUMBER_FILES = 200  # as many as the catalogue imports at once
FILE_UPLOAD_HANDLERS = [
    "connectors.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Content-Security-Policy (django-csp): scripts and styles come from our own origin; the only
# inline code is the API docs' start-up script, which carries the response's nonce. Style
# attributes stay allowed (style-src-attr): the pages set sizes inline, e.g. the run
# waterfall's bars; <style> elements do not. htmx's indicator style is in app.css
# (includeIndicatorStyles is off in base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        "style-src-attr": [csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

# HTTPS hardening is off by default because the hub starts on plain http://127.0.0.1;
# a deployment behind TLS turns it on (README: "Production").
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("USE_X_FORWARDED_PROTO", False) else None
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

REST_FRAMEWORK = {
    # Token first, so that an anonymous request gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with size and depth guards (DRF's own recurses into a 500 on deep nesting); forms
    # stay for the browsable API's HTML forms.
    "DEFAULT_PARSER_CLASSES": [
        "connectors.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ConnectorHub API",
    "DESCRIPTION": "Catalogue, configure, dry-run and export Camunda 8 connectors.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Redis: `make run` starts a private server and sets REDIS_URL for its children.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A dead worker must not lose a run: acknowledge after the task, requeue on worker loss.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker child keeps its database connection for this many tasks (Celery's Django fixup)
# instead of opening one per task: a new SQLite connection cost ~1.5 ms of a dry-run's ~5.
# connectors/tasks.py replaces it when unusable or after a failed task. 0: one per task.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 100)
# Celery beat (started by `make run`) reaps runs a dead worker left running and resumes batches
# left waiting (connectors/runs/reaper.py), so that no GET request has to write.
CONNECTORHUB_REAP_SECONDS = env_int("CONNECTORHUB_REAP_SECONDS", 30)
if CONNECTORHUB_REAP_SECONDS < 1:
    raise ConfigurationError(
        f"CONNECTORHUB_REAP_SECONDS={CONNECTORHUB_REAP_SECONDS} must be 1 or more (seconds)"
    )
CELERY_BEAT_SCHEDULE = {
    "reap-stale-runs": {
        "task": "connectors.reap_runs",
        "schedule": float(CONNECTORHUB_REAP_SECONDS),
        # a reap nobody picked up in time is replaced by the next one, not queued behind it
        "options": {"expires": float(CONNECTORHUB_REAP_SECONDS)},
    },
    # documents past their expiry are deleted, row and file (connectors/documents/tasks.py)
    "expire-documents": {
        "task": "connectors.expire_documents",
        "schedule": 600.0,
        "options": {"expires": 600.0},
    },
}
# Inbound connectors (docs/inbound.md): how often beat searches Camunda's process definitions,
# the webhook endpoint's body limit, how often a correlation is tried while the engine is down.
CONNECTORHUB_INBOUND_POLL_SECONDS = env_int("CONNECTORHUB_INBOUND_POLL_SECONDS", 5)
CONNECTORHUB_INBOUND_MAX_BODY_BYTES = env_int("CONNECTORHUB_INBOUND_MAX_BODY_BYTES", 1024 * 1024)
CONNECTORHUB_INBOUND_CORRELATION_ATTEMPTS = env_int("CONNECTORHUB_INBOUND_CORRELATION_ATTEMPTS", 3)
CONNECTORHUB_INBOUND_MESSAGE_TTL_SECONDS = env_int("CONNECTORHUB_INBOUND_MESSAGE_TTL_SECONDS", 3600)
CONNECTORHUB_INBOUND_ACTIVITY_KEEP = env_int("CONNECTORHUB_INBOUND_ACTIVITY_KEEP", 50)
CONNECTORHUB_INBOUND_MODULES = env_list("CONNECTORHUB_INBOUND_MODULES", [])
for _name in ("CONNECTORHUB_INBOUND_POLL_SECONDS", "CONNECTORHUB_INBOUND_CORRELATION_ATTEMPTS"):
    if globals()[_name] < 1:
        raise ConfigurationError(f"{_name}={globals()[_name]} must be 1 or more")
# task modules outside an app's tasks.py, which autodiscover_tasks() would not find
CELERY_IMPORTS = ["connectors.documents.tasks", "connectors.inbound.tasks"]
# Beat's record of when each task last ran: data, not code, so under the data folder.
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Dry-runs one user may start per minute and have queued or running at once, so that nobody
# fills every worker (connectors/runs/limits.py); 0 turns a limit off.
CONNECTORHUB_RUNS_PER_MINUTE = env_int("CONNECTORHUB_RUNS_PER_MINUTE", 30)
CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER = env_int("CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER", 4)
for _name in ("CONNECTORHUB_RUNS_PER_MINUTE", "CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER"):
    if globals()[_name] < 0:
        raise ConfigurationError(f"{_name}={globals()[_name]} must be 0 (no limit) or more")

# The catalogue: where published template packages come from, and what `make run` seeds.
CONNECTORHUB_NPM_REGISTRY = env_str("CONNECTORHUB_NPM_REGISTRY", "https://registry.npmjs.org")
CONNECTORHUB_SEED_PACKAGES = env_list(
    "CONNECTORHUB_SEED_PACKAGES", ["@camunda/connectors-element-templates@1.0.29"]
)

# Zeebe: unset means no live worker. `manage.py zeebe_worker` reads the rest (docs/zeebe-worker.md);
# its command-line options override them. Two transports, named as in Camunda's clients: gRPC
# (CAMUNDA_GRPC_ADDRESS, or ZEEBE_ADDRESS as before: host:port) and REST (CAMUNDA_REST_ADDRESS,
# the Orchestration Cluster API of Camunda 8.8+). With both set, gRPC is used unless
# CAMUNDA_PREFER_REST is true (as Camunda's Java client decides).
ZEEBE_ADDRESS = env_str("CAMUNDA_GRPC_ADDRESS", "").split("://", 1)[-1] or env_str(
    "ZEEBE_ADDRESS", ""
)
CAMUNDA_REST_ADDRESS = env_str("CAMUNDA_REST_ADDRESS", "")
if CAMUNDA_REST_ADDRESS:
    # Discovery asks Camunda 8.8+'s REST API for process definitions; without one there is
    # nothing to poll (processes deployed through the hub are read when deployed).
    CELERY_BEAT_SCHEDULE["discover-inbound"] = {
        "task": "connectors.inbound.discover",
        "schedule": float(CONNECTORHUB_INBOUND_POLL_SECONDS),
        "options": {"expires": float(CONNECTORHUB_INBOUND_POLL_SECONDS)},
    }
CAMUNDA_PREFER_REST = env_bool("CAMUNDA_PREFER_REST", False)
CAMUNDA_BASIC_AUTH_USERNAME = env_str("CAMUNDA_BASIC_AUTH_USERNAME", "")  # REST only
CAMUNDA_BASIC_AUTH_PASSWORD = env_secret("CAMUNDA_BASIC_AUTH_PASSWORD") or ""


def _env_seconds(name: str, default: float) -> float:
    text = env_str(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        raise ConfigurationError(f"{name}={text!r} must be a number of seconds") from None
    if value < 0:
        raise ConfigurationError(f"{name}={text!r} must not be negative")
    return value


ZEEBE_TLS = env_bool("ZEEBE_TLS", False)
ZEEBE_CA_CERTIFICATE_PATH = env_str("ZEEBE_CA_CERTIFICATE_PATH", "")
# OAuth client credentials: Self-Managed (with ZEEBE_AUTHORIZATION_SERVER_URL) or, with
# CAMUNDA_CLUSTER_ID, Camunda 8 SaaS. The names are those of Camunda's own clients.
ZEEBE_CLIENT_ID = env_str("ZEEBE_CLIENT_ID", "")
ZEEBE_CLIENT_SECRET = env_secret("ZEEBE_CLIENT_SECRET") or ""
ZEEBE_AUTHORIZATION_SERVER_URL = env_str("ZEEBE_AUTHORIZATION_SERVER_URL", "")
ZEEBE_TOKEN_AUDIENCE = env_str("ZEEBE_TOKEN_AUDIENCE", "")
ZEEBE_TOKEN_SCOPE = env_str("ZEEBE_TOKEN_SCOPE", "")
CAMUNDA_CLUSTER_ID = env_str("CAMUNDA_CLUSTER_ID", "")
CAMUNDA_CLUSTER_REGION = env_str("CAMUNDA_CLUSTER_REGION", "")
ZEEBE_WORKER_NAME = env_str("ZEEBE_WORKER_NAME", "")  # empty: connectorhub@<host name>
ZEEBE_WORKER_JOB_TYPES = env_list("ZEEBE_WORKER_JOB_TYPES", [])  # empty: every connector
ZEEBE_WORKER_MAX_JOBS_ACTIVE = env_int("ZEEBE_WORKER_MAX_JOBS_ACTIVE", 32)
ZEEBE_WORKER_JOB_TIMEOUT = _env_seconds("ZEEBE_WORKER_JOB_TIMEOUT", 300.0)
# a local re-check for a free slot, not a request: short, as Camunda's JobWorkerImpl polls again
# as soon as a job finishes (docs/performance.md)
ZEEBE_WORKER_POLL_INTERVAL = _env_seconds("ZEEBE_WORKER_POLL_INTERVAL", 0.02)
# TYPE=var1,var2 entries separated by ";" (TYPE=* fetches every variable).
ZEEBE_WORKER_FETCH_VARIABLES = [
    entry for entry in env_str("ZEEBE_WORKER_FETCH_VARIABLES", "").split(";") if entry.strip()
]
ZEEBE_WORKER_STREAM = env_bool("ZEEBE_WORKER_STREAM", False)
ZEEBE_WORKER_GRACE_PERIOD = _env_seconds("ZEEBE_WORKER_GRACE_PERIOD", 30.0)

# Camunda 7 / Operaton external tasks: unset means no such worker. `manage.py engine7_worker`
# reads the rest (docs/camunda7-worker.md); its options override them.
CAMUNDA7_REST_ADDRESS = env_str("CAMUNDA7_REST_ADDRESS", "")  # e.g. http://host:8080/engine-rest
CAMUNDA7_BASIC_AUTH_USERNAME = env_str("CAMUNDA7_BASIC_AUTH_USERNAME", "")
CAMUNDA7_BASIC_AUTH_PASSWORD = env_secret("CAMUNDA7_BASIC_AUTH_PASSWORD") or ""
CAMUNDA7_TENANT_ID = env_str("CAMUNDA7_TENANT_ID", "")  # empty: tasks of every tenant
CAMUNDA7_WORKER_ID = env_str("CAMUNDA7_WORKER_ID", "")  # empty: connectorhub@<host name>
CAMUNDA7_WORKER_JOB_TYPES = env_list("CAMUNDA7_WORKER_JOB_TYPES", [])  # empty: every connector
CAMUNDA7_WORKER_TOPICS = env_list("CAMUNDA7_WORKER_TOPICS", [])  # TOPIC=JOB_TYPE entries
CAMUNDA7_WORKER_MAX_TASKS = env_int("CAMUNDA7_WORKER_MAX_TASKS", 32)
CAMUNDA7_WORKER_TIME_LIMIT = _env_seconds("CAMUNDA7_WORKER_TIME_LIMIT", 300.0)
CAMUNDA7_WORKER_LOCK_DURATION = _env_seconds("CAMUNDA7_WORKER_LOCK_DURATION", 0.0)  # 0: limit
CAMUNDA7_WORKER_LONG_POLL = _env_seconds("CAMUNDA7_WORKER_LONG_POLL", 20.0)
CAMUNDA7_WORKER_RETRIES = env_int("CAMUNDA7_WORKER_RETRIES", 3)
CAMUNDA7_WORKER_GRACE_PERIOD = _env_seconds("CAMUNDA7_WORKER_GRACE_PERIOD", 30.0)

# Egress of the HTTP connectors (REST, GraphQL, SOAP): dry-runs run on behalf of anyone who can
# open a form, so by default they may not reach loopback, private, link-local or cloud metadata
# addresses; the allowlist (host names and CIDR ranges) admits some. The live worker runs
# trusted processes and checks nothing unless told to.


def _egress_mode(name: str, default: str) -> str:
    value = env_str(name, default).strip().lower()
    if value not in ("enforce", "off"):
        raise ConfigurationError(f"{name}={value!r} must be 'enforce' or 'off'")
    return value


CONNECTORHUB_EGRESS_POLICY = _egress_mode("CONNECTORHUB_EGRESS_POLICY", "enforce")
CONNECTORHUB_WORKER_EGRESS_POLICY = _egress_mode("CONNECTORHUB_WORKER_EGRESS_POLICY", "off")
CONNECTORHUB_EGRESS_ALLOW = env_list("CONNECTORHUB_EGRESS_ALLOW", [])
# How old a process's copy of the allow-list staff keep in the app may be, in seconds (0: read
# for every run, as the test suite's Celery worker does).
CONNECTORHUB_EGRESS_ALLOWLIST_CACHE_SECONDS = env_int(
    "CONNECTORHUB_EGRESS_ALLOWLIST_CACHE_SECONDS", 3
)
# Dry-runs may reach loopback (127.0.0.0/8, ::1): a developer's own API on their machine.
# `make run` (connectorhub/run.py) turns it on for its own processes unless this is set; a
# shared deployment, started any other way, keeps it off.
CONNECTORHUB_DEV_ALLOW_LOOPBACK = env_bool("CONNECTORHUB_DEV_ALLOW_LOOPBACK", False)
CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES = env_int(
    "CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES", 50 * 1024 * 1024
)
# Where documents' content is kept (metadata is in the database): `local`, files under the data
# folder, or `aws`, an S3-compatible bucket (Camunda's DOCUMENT_DEFAULT_STORE_ID values; the AWS
# names mirror its DOCUMENT_STORE_AWS_*). The endpoint is explicit: empty means AWS itself.
CONNECTORHUB_DOCUMENT_STORE = env_str("CONNECTORHUB_DOCUMENT_STORE", "local").strip().lower()
CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET = env_str("CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET", "")
CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET_PATH = env_str(
    "CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET_PATH", ""
)
CONNECTORHUB_DOCUMENT_STORE_AWS_ENDPOINT = env_str("CONNECTORHUB_DOCUMENT_STORE_AWS_ENDPOINT", "")
CONNECTORHUB_DOCUMENT_STORE_AWS_REGION = env_str(
    "CONNECTORHUB_DOCUMENT_STORE_AWS_REGION", "us-east-1"
)
CONNECTORHUB_DOCUMENT_STORE_AWS_ACCESS_KEY_ID = (
    env_secret("CONNECTORHUB_DOCUMENT_STORE_AWS_ACCESS_KEY_ID") or ""
)
CONNECTORHUB_DOCUMENT_STORE_AWS_SECRET_ACCESS_KEY = (
    env_secret("CONNECTORHUB_DOCUMENT_STORE_AWS_SECRET_ACCESS_KEY") or ""
)
# Document links (`Document.generate_link`) start with this: the hub's address as users reach it.
CONNECTORHUB_DOCUMENT_LINK_BASE_URL = env_str(
    "CONNECTORHUB_DOCUMENT_LINK_BASE_URL", "http://127.0.0.1:8000"
)
if CONNECTORHUB_DOCUMENT_STORE not in ("local", "aws"):
    raise ConfigurationError(
        f"CONNECTORHUB_DOCUMENT_STORE={CONNECTORHUB_DOCUMENT_STORE!r} must be 'local' or 'aws'"
    )
if CONNECTORHUB_DOCUMENT_STORE == "aws" and not CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET:
    raise ConfigurationError(
        "CONNECTORHUB_DOCUMENT_STORE=aws needs CONNECTORHUB_DOCUMENT_STORE_AWS_BUCKET"
    )
# The SOAP connector's keystores (WS-Security signatures) are read from this folder only: a
# keystore location is a file name in it, never any path on the host. Empty turns them off.
CONNECTORHUB_KEYSTORE_DIR = env_str("CONNECTORHUB_KEYSTORE_DIR", str(DATA_DIR / "keystores"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
