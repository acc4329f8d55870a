"""Settings shared by every environment. All environment variables are read here, and only here."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Database -------------------------------------------------------------------------------
# No DATABASE_URL: the embedded default (SQLite next to the code). PostgreSQL otherwise; the
# application must connect as a role that is *not* a superuser so that row-level security holds.
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
# One transaction per request: the tenancy kernel sets the row-level-security context with
# SET LOCAL semantics, which lives exactly as long as the request's transaction.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis"))
if IS_POSTGRES and env.bool("DATABASE_JIT_OFF", default=True):
    # The application's queries are short; compiling one with LLVM (when a stale estimate makes
    # it look expensive) costs hundreds of milliseconds and saves nothing.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c jit=off").strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "retention.User"

# --- Applications ---------------------------------------------------------------------------
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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "retention",
    "accounts",
    "dashboards",
    "healthchecks",
    "renewals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "retention.middleware.RowLevelSecurityMiddleware",
    "retention.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "retention.urls"
WSGI_APPLICATION = "retention.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # accounts/plans is a package inside the accounts app, with its own templates folder.
        "DIRS": [BASE_DIR / "templates", BASE_DIR / "accounts" / "plans" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "retention.context_processors.tenancy",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Retention <no-reply@retention.local>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- Cache (rate limits, throttling) ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "retention.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
# No broker configured: the embedded default runs every task in-process, synchronously.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None) or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 15 * 60
CELERY_TASK_TIME_LIMIT = 16 * 60
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "retention.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["retention.permissions.HasOrganizationAccess"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "retention.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # OPTIONS answers 405: the OpenAPI schema is the API's self-description.
    "DEFAULT_METADATA_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Retention API",
    "DESCRIPTION": "Push customer data and usage events; pull health scores, zones and risks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "retention.openapi.add_error_responses"],
    "EXTENSIONS_INFO": {},
}
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/min")

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
INVITATION_MAX_AGE_DAYS = 7

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Health checks ----------------------------------------------------------------------------
# Shared links (/s/<token>): fixed-window request limits per visitor address and per link
# (a link shared with a whole team gets many visitors, so its limit is higher).
SHARED_LINK_RATE_PER_ADDRESS = env.str("SHARED_LINK_RATE_PER_ADDRESS", default="120/m")
SHARED_LINK_RATE_PER_LINK = env.str("SHARED_LINK_RATE_PER_LINK", default="600/m")
# Addresses of our own reverse proxies. Only requests from them may name the client in
# X-Forwarded-For; empty means the header is ignored.
SHARED_LINK_TRUSTED_PROXIES = env.list("SHARED_LINK_TRUSTED_PROXIES", default=[])
# How long an unfinished questionnaire is kept for the respondent to resume (days).
HEALTHCHECK_DRAFT_DAYS = env.int("HEALTHCHECK_DRAFT_DAYS", default=14)

# --- Event ingestion ---
# Requests per API key to the event endpoints (batch and Segment-compatible), kept apart from
# API_THROTTLE_RATE because one batch request carries up to 1,000 events.
EVENTS_THROTTLE_RATE = env.str("EVENTS_THROTTLE_RATE", default="1200/min")
# Where a Segment `track` call names the account when it has no context.groupId / groupId: this
# key of `properties`, then of `context.traits`.
SEGMENT_ACCOUNT_PROPERTY = env.str("SEGMENT_ACCOUNT_PROPERTY", default="account_id")

# --- Nightly scoring (dashboards) -----------------------------------------------------------
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = globals().get("CELERY_BEAT_SCHEDULE", {})
CELERY_BEAT_SCHEDULE["dashboards-nightly-scores"] = {
    "task": "dashboards.nightly_fanout",
    "schedule": crontab(hour=2, minute=15),
    # A missed night is not worth running hours late on top of the next one.
    "options": {"expires": 6 * 60 * 60},
}
# Redis redelivers a task whose worker died (acks_late) once this many seconds have passed.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
SCORING_CHUNK_SIZE = env.int("SCORING_CHUNK_SIZE", default=500)
# Seconds to sleep between chunks of accounts, to leave room for other work on the database.
SCORING_CHUNK_PAUSE_SECONDS = env.float("SCORING_CHUNK_PAUSE_SECONDS", default=0.0)
# Chunks scored at once, each on its own database connection (PostgreSQL only): one thread
# computes while another waits on the database. 1 scores chunk after chunk.
SCORING_THREADS = env.int("SCORING_THREADS", default=2)

# --- Renewals ---
# WeasyPrint logs every layout step at INFO; keep its warnings (refused URLs, missing glyphs) only.
LOGGING["loggers"]["weasyprint.progress"] = {"level": "WARNING"}
