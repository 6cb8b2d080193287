"""Settings for vendorscore, read from the environment.

Every value that differs between a laptop and production comes from an environment
variable with a default that runs with no services at all (the "embedded default"):
SQLite under ``var/``, Celery on kombu's filesystem transport under ``var/``, e-mail
written to files under ``var/mail/``. The README lists the variables.
"""

import datetime as dt
import secrets
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VAR_DIR = Path(env("VENDORSCORE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)


def _local_secret_key() -> str:
    """Generate a secret key once and keep it in ``var/`` so sessions survive restarts."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default=None)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _local_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# E-mail links point at the port the demo serves on (``PORT``) unless SITE_URL says otherwise.
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_celery_beat",
    "axes",
    "csp",
    "vendorscore",
    "vendorscore.scorecards",
    "vendorscore.performance",
    "sla",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "vendorscore.middleware.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "vendorscore.middleware.UploadSizeLimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vendorscore.urls"
WSGI_APPLICATION = "vendorscore.wsgi.application"

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
                "vendorscore.context_processors.navigation",
                "vendorscore.context_processors.page_permissions",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'vendorscore.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server, worker and scheduler share one file: WAL lets readers run beside a writer,
    # and IMMEDIATE transactions queue writers instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    # PostgreSQL's JIT compiled about 10,000 functions for one query over a contract's hundreds of batch
    # partitions (the intake's lineage counts took 12-17 s with it, 4-5 s without, on bench/portfolio.py's
    # database); the app's queries are short or bound by reading rows, never what JIT pays off for.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "vendorscore.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute force: django-axes locks a username at one address after AXES_FAILURE_LIMIT wrong
# passwords, on the login page and the token endpoint alike, for the cool-off time (the right
# password is refused meanwhile); the token endpoint is also throttled (REST_FRAMEWORK below).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy, how many proxies add to X-Forwarded-For (0: use the peer address).
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Rendered reports and charts unused this many days, and report jobs this old, are deleted daily.
REPORT_CACHE_DAYS = env.int("REPORT_CACHE_DAYS", default=30)
# Hashed, compressed static files (cached for a year) need ``collectstatic`` first: always in
# production, and in the demo (``make demo`` sets STATIC_HASHED and collects when static changed).
STATIC_HASHED = env.bool("STATIC_HASHED", default=not DEBUG)
# Where stored files live (vendorscore/files.py): "local", under MEDIA_ROOT (one machine), or "s3", an
# S3-compatible bucket every web server and worker shares (README, "Several workers and machines").
# The bucket's credentials come from boto3's usual places (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
# a profile, an instance role). Uploads and the report cache share one root under different rules.
STORAGE_KIND = env("VENDORSCORE_STORAGE", default="local")


def bucket_storages(**bucket) -> dict:
    """The file storages in an S3-compatible bucket (``bucket_name``, ``endpoint_url``...); tests use it too."""
    return {
        "default": {"BACKEND": "vendorscore.bucket.BucketFiles", "OPTIONS": bucket},
        "reports": {"BACKEND": "vendorscore.bucket.BucketCache", "OPTIONS": bucket},
    }


if STORAGE_KIND == "local":
    _file_storages = {
        "default": {"BACKEND": "vendorscore.files.LocalFiles"},
        "reports": {"BACKEND": "vendorscore.files.LocalCache"},
    }
elif STORAGE_KIND == "s3":
    _file_storages = bucket_storages(
        bucket_name=env("AWS_STORAGE_BUCKET_NAME"),
        endpoint_url=env("AWS_S3_ENDPOINT_URL", default=None),
        region_name=env("AWS_S3_REGION_NAME", default=None),
        addressing_style=env("AWS_S3_ADDRESSING_STYLE", default=None),
        location=env("AWS_LOCATION", default=""),
    )
else:
    raise ImproperlyConfigured(f"VENDORSCORE_STORAGE must be local or s3, not {STORAGE_KIND!r}.")
STORAGES = {
    **_file_storages,
    "staticfiles": {
        "BACKEND": (
            "vendorscore.staticfiles.HashedCompressedStorage"
            if STATIC_HASHED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Only the hashed copies are kept (and compressed): half the work of collectstatic.
WHITENOISE_KEEP_ONLY_HASHED_FILES = STATIC_HASHED

EMAIL_URL = env("EMAIL_URL", default=f"filemail://{VAR_DIR / 'mail'}")
EMAIL_CONFIG = environ.Env.email_url_config(EMAIL_URL)
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    # django-environ drops the leading "/" of filemail:///abs/path; keep the path absolute.
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = "/" + EMAIL_URL.removeprefix("filemail://").lstrip("/")
    Path(EMAIL_CONFIG["EMAIL_FILE_PATH"]).mkdir(parents=True, exist_ok=True)
vars().update(EMAIL_CONFIG)
# Uploads: a request bigger than this is answered 413 before its body is read (and a file
# that decompresses to more is invalid); only the first errors are listed.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=2 * 1024**3)
MAX_LISTED_ERRORS = 100
INGEST_CHUNK_ROWS = env.int("INGEST_CHUNK_ROWS", default=100_000)
# A delivery of at least INGEST_FANOUT_BYTES in CSV, TSV, JSON Lines (plain or gzipped) or
# Parquet is split into chunks of about INGEST_FANOUT_CHUNK_BYTES (whole records; Parquet: row
# groups, by their uncompressed size), processed by whichever workers are free and merged
# exactly (sla/services/fanout.py), whatever its duplicates policy: with "first" or "latest" an
# answer repeated in another chunk is dropped at the merge, which then renumbers the rows staged
# after it ("latest" also reads each chunk twice, as one pass reads the file). For a gzip the
# size of its content decides, and the content is stored decompressed beside the upload while
# the chunks read it. Smaller chunks spread better over many workers; each costs a task, a
# staging table and its statistics in the database. A worker's memory follows INGEST_CHUNK_ROWS,
# not the file's size.
INGEST_FANOUT_BYTES = env.int("INGEST_FANOUT_BYTES", default=64 * 1024**2)
INGEST_FANOUT_CHUNK_BYTES = env.int("INGEST_FANOUT_CHUNK_BYTES", default=32 * 1024**2)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024**2
# What no upload may drive a parser past (sla/ingest/limits.py says why each exists).
INGEST_MAX_JSON_DEPTH = env.int("INGEST_MAX_JSON_DEPTH", default=64)
INGEST_MAX_LINE_BYTES = env.int("INGEST_MAX_LINE_BYTES", default=16 * 1024**2)
INGEST_MAX_COMPRESSION_RATIO = env.int("INGEST_MAX_COMPRESSION_RATIO", default=200)
# A file whose processing was interrupted this many times (the worker killed or crashed) is
# not tried again automatically: it is marked failed for a lead to retry.
INGEST_MAX_ATTEMPTS = 2
# A gold-derived figure (per batch, queue, annotator, label) reaches a vendor only when it rests
# on at least this many gold items; otherwise it is withheld with the reason (sla/visibility.py).
VENDOR_MIN_GOLD_ITEMS = env.int("VENDOR_MIN_GOLD_ITEMS", default=20)

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="vendorscore <noreply@vendorscore.local>")
# Webhooks may call loopback, private and link-local addresses only when this is true (SSRF guard).
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# Time limits and the Redis visibility timeout are chosen together (README, "Lost and stuck
# work"): a task is stopped (soft limit: the batch is marked failed) before the broker would
# hand its message to a second worker, a killed worker's task is redelivered after the
# visibility timeout, and the sweep fails whatever is still processing after both.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=900)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT, "socket_connect_timeout": 2}
# With the broker down a publish gives up within about two seconds; the upload is kept and the
# sweep queues it (uploads answer 202 all the same).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# The sweep (sla.tasks.uploads_sweep, every 5 minutes) queues again an upload whose task never
# reached the broker after SWEEP_REQUEUE_AFTER seconds, and fails one still processing
# SWEEP_STUCK_AFTER seconds after its last start (a redelivery had its chance by then).
SWEEP_REQUEUE_AFTER = env.int("SWEEP_REQUEUE_AFTER", default=300)
# The stored file of an upload refused as invalid is deleted this long after (its row keeps
# name, size, sha256 and every error, for audits).
REFUSED_FILE_RETENTION_DAYS = env.int("REFUSED_FILE_RETENTION_DAYS", default=90)
SWEEP_STUCK_AFTER = env.int("SWEEP_STUCK_AFTER", default=CELERY_VISIBILITY_TIMEOUT + CELERY_TASK_TIME_LIMIT + 300)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["vendorscore.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "vendorscore.api_errors.exception_handler",
    # Counted in the default cache: set CACHE_URL (e.g. redis://...) so every web process shares them.
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": env("TOKEN_RATE_PER_ADDRESS", default="20/min"),
        "auth_token_username": env("TOKEN_RATE_PER_USERNAME", default="10/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "vendorscore API",
    "DESCRIPTION": "Vendors, SLA contracts, batch checks, breaches and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "vendorscore.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "VendorStatusEnum": "vendorscore.constants.VendorStatus",
        "EvaluationStatusEnum": "vendorscore.scorecards.constants.EvaluationStatus",
        "BatchStatusEnum": "sla.constants.BatchStatus",
        "UploadStatusEnum": "sla.constants.UploadStatus",
        "BreachStatusEnum": "sla.constants.BreachStatus",
        "BreachMoveEnum": "sla.constants.BREACH_MOVES",
        "WebhookKindEnum": "sla.models.Webhook.Kind",
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "expected_forbidden": {"()": "vendorscore.logs.ExpectedForbidden"},
        "broker_without_host": {"()": "vendorscore.logs.BrokerWithoutHost"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"filters": ["expected_forbidden"]},
        "kombu.connection": {"filters": ["broker_without_host"]},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

# HTTPS in production, from the environment (off by default: the local server speaks plain HTTP).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):  # behind a proxy that terminates TLS
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts only from this site's static files (no inline
# script, no eval: the pages' scripts and plotly.js need neither), no plugins, no framing.
# Style elements: this site's files plus, by hash, the <style> elements plotly.js and the API
# docs' Swagger UI write (an empty one, then plotly's rules); a new plotly.js needs its hash
# here, which tests/browser/test_csp.py reports. Style attributes stay allowed: the pages set
# bar widths with them, and an inline style cannot run code.
INLINE_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty <style> plotly.js fills by CSSOM
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # plotly.js's own rules
    "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='",  # Swagger UI's rules (/api/docs/)
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, *INLINE_STYLE_HASHES],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
