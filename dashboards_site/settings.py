"""Settings, read from the environment (names as in SPEC.md and the README).

DATABASE_URL  default: SQLite file db.sqlite3 beside manage.py
REDIS_URL / CACHE_URL  shared cache; local memory when unset
SECRET_KEY    required when DEBUG is off
DEBUG         "1"/"true" to turn on (default off)
ALLOWED_HOSTS comma-separated (default: localhost names)
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dashboards.limits import DEFAULT_VERSIONS_KEEP, MAX_IMPORT_BODY_BYTES
from dashboards.share_rules import origin_problem

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# True when the repository's key stands in for SECRET_KEY: development (DEBUG on), tests,
# and management commands with DJANGO_ALLOW_INSECURE_KEY=1. With DEBUG off the WSGI/ASGI
# application refuses to start with it (dashboards_site/serving.py): anyone can read this
# key here and sign a token for a made-up superuser.
INSECURE_KEY = not SECRET_KEY
if INSECURE_KEY:
    if not DEBUG and not env_bool("DJANGO_ALLOW_INSECURE_KEY"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-insecure-key-only-for-local-use-0123456789-abcdefghijklmnop"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "users",
    "dashboards",
    "idempotency",
]

MIDDLEWARE = [
    # First: the request id and metrics see every response, whoever answered it.
    "ops.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dashboards_site.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dashboards.api.middleware.ApiBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "users.middleware.LoginLockedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: its process_exception sees the views' database errors before Django's 500.
    "ops.database.DatabaseGuardMiddleware",
]

# What an API request carrying a bearer token skips (dashboards_site/handlers.py): DRF
# authenticates it from the token alone, so sessions, CSRF (DRF checks it only for session
# authentication), the session user, messages, static files and the HTML login-lock page
# have nothing to do for it.
BROWSER_ONLY_MIDDLEWARE = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "users.middleware.LoginLockedMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }
)

ROOT_URLCONF = "dashboards_site.urls"
WSGI_APPLICATION = "dashboards_site.wsgi.application"
ASGI_APPLICATION = "dashboards_site.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A health check is a round trip before every request; off unless asked for
        # (e.g. behind a pooler that drops idle connections).
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers from a threaded server: WAL lets readers go on during a write,
    # IMMEDIATE takes the write lock at BEGIN (no upgrade deadlock), and the timeout
    # makes a second writer wait instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer must cost a request seconds, not the worker's life:
    # connect_timeout for new connections, statement_timeout for slow statements, both
    # below gunicorn's 30 s worker timeout (docs/operations.md).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "3")))
    # Parameters bound by the server, and a statement run a few times on a connection
    # prepared there: parsing and planning the hot reads cost PostgreSQL twice the CPU
    # of running them (docs/performance.md). Off for a pooler that cannot keep
    # prepared statements (PgBouncer in transaction mode before 1.21).
    if env_bool("DB_SERVER_SIDE_BINDING", default=True):
        _options["server_side_binding"] = True
        _options["prepare_threshold"] = int(os.environ.get("DB_PREPARE_THRESHOLD", "5"))
    _statement_ms = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "10000"))
    _options["options"] = (
        f"{_options.get('options', '')} -c statement_timeout={_statement_ms}".strip()
    )

# A frozen database answers nothing, not even a timeout: past this many seconds a request's
# database connections are dropped, so it answers 503 (ops/database.py). 0 turns it off.
DB_REQUEST_DEADLINE = float(os.environ.get("DB_REQUEST_DEADLINE", "12"))
# Seconds a client is told to wait (Retry-After) when the database is unavailable.
DB_RETRY_AFTER = int(os.environ.get("DB_RETRY_AFTER", "2"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

# --- Cache ----------------------------------------------------------------------------
CACHE_URL = os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "dashboards_site.cache.ReusingRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "dashboards"),
            "TIMEOUT": 300,
            # Short timeouts and a circuit breaker: without Redis, requests go on from
            # the database (dashboards_site/cache.py).
            "OPTIONS": {
                "socket_timeout": float(os.environ.get("CACHE_SOCKET_TIMEOUT_MS", "100")) / 1000,
                "socket_connect_timeout": float(os.environ.get("CACHE_SOCKET_TIMEOUT_MS", "100"))
                / 1000,
                "breaker_seconds": float(os.environ.get("CACHE_BREAKER_SECONDS", "5")),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": 300,
        }
    }

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: counts the attempt and refuses it over a limit, before any password check.
    "users.login_limits.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins per (account, address) and per address, in a sliding window (seconds).
LOGIN_FAILURES_PER_ACCOUNT_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "30"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboards/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed and compressed after `collectstatic`, plain names before it (README).
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("DJANGO_PLAIN_STATIC")
            else "dashboards_site.storage.StaticStorage"
        )
    },
}
# Serve straight from the app directories when nobody ran collectstatic (dev, tests).
WHITENOISE_USE_FINDERS = True

# --- Request limits -------------------------------------------------------------------
API_MAX_BODY_BYTES = 1024 * 1024  # SPEC: a body over 1 MiB is 413
# The routes that take more (by URL name); every other one takes API_MAX_BODY_BYTES. The
# proxy in front must allow the same per location (dashboards/api/middleware.py). JSON
# bodies are read by DRF's parser, which DATA_UPLOAD_MAX_MEMORY_SIZE does not limit;
# that setting keeps guarding forms (the admin, the browsable API).
API_MAX_BODY_BYTES_BY_ROUTE = {
    "analytics:project-import": MAX_IMPORT_BODY_BYTES,
    "v1:project-import": MAX_IMPORT_BODY_BYTES,
}
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- History ---------------------------------------------------------------------------
# How many versions each dashboard keeps, newest first; 0 keeps all (docs/history.md).
DASHBOARD_VERSIONS_KEEP = int(os.environ.get("DASHBOARD_VERSIONS_KEEP", DEFAULT_VERSIONS_KEEP))

# --- Client addresses behind proxies (dashboards_site/client_address.py) ---------------
# Default: no forwarding header is trusted; the address is the socket's. Behind nginx, set
# NUM_PROXIES=1 (or TRUSTED_PROXIES to the proxies' addresses/networks). docs/security.md.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
if NUM_PROXIES < 0 or (NUM_PROXIES and TRUSTED_PROXIES):
    raise ImproperlyConfigured("Set NUM_PROXIES (a count >= 0) or TRUSTED_PROXIES, not both.")
try:
    [ipaddress.ip_network(item, strict=False) for item in TRUSTED_PROXIES]
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error
BEHIND_PROXY = bool(NUM_PROXIES or TRUSTED_PROXIES)

# --- Security (production settings pass `check --deploy`) -----------------------------
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
if BEHIND_PROXY:
    # Only a proxy of ours may say the request came over TLS (it must overwrite the header).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "3600"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Every HTML page: scripts and styles from this host only (or with the request's nonce), no
# inline script anywhere; per-view additions in dashboards/api/docs.py (ReDoc). Non-HTML
# responses get "default-src 'none'" (dashboards_site/csp.py). docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "worker-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
SILENCED_SYSTEM_CHECKS = [
    # TLS is terminated by the reverse proxy in front of gunicorn; it does the redirect.
    "security.W008",
    # Preloading HSTS is a one-way decision for the domain owner, not for the app.
    "security.W021",
]

# --- Share links (docs/sharing.md) ----------------------------------------------------
# Who may frame a share page whose link names no origins of its own: `*` (any site; the
# page has no session and nothing to click but Refresh), `'self'`, `'none'`, or origins
# such as https://intranet.example.com. Every other page refuses all frames.
SHARE_FRAME_ANCESTORS = env_list("SHARE_FRAME_ANCESTORS", "*")
for _source in SHARE_FRAME_ANCESTORS:
    if _source not in {"*", "'self'", "'none'"} and origin_problem(_source):
        raise ImproperlyConfigured(f"SHARE_FRAME_ANCESTORS: {origin_problem(_source)}")
if "'none'" in SHARE_FRAME_ANCESTORS and len(SHARE_FRAME_ANCESTORS) > 1:
    raise ImproperlyConfigured("SHARE_FRAME_ANCESTORS: 'none' stands alone.")
# Anonymous reads through a link, per token and per client address (429 with Retry-After):
# a wall display polling every 10 s makes 6 requests a minute, a room of 50 viewers behind
# one address at the fastest refresh (5 s) 600; both stay well under.
SHARE_THROTTLE_TOKEN = os.environ.get("SHARE_THROTTLE_TOKEN", "1800/min")
SHARE_THROTTLE_ADDRESS = os.environ.get("SHARE_THROTTLE_ADDRESS", "1200/min")

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.ClaimsJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON clients: orjson, and no media-type parsing for plain JSON Accept headers
    # (docs/performance.md); browsers still get the browsable API.
    "DEFAULT_RENDERER_CLASSES": [
        "dashboards.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "dashboards.api.negotiation.FastContentNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        # orjson, with the body limits of dashboards/jsonlimits.py
        "dashboards.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "dashboards.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "dashboards.api.throttling.AnonAddressRateThrottle",
        "dashboards.api.throttling.UserWriteRateThrottle",
    ],
    # DRF's own reading of X-Forwarded-For, for any throttle that still uses it: the same
    # count as ours (0: the socket's address only; None would trust any client's header).
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "120/min"),
        "user": os.environ.get("THROTTLE_USER", "600/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# --- Metrics and widget data (docs/widget-data.md) ------------------------------------
# Distinct metric names a project may hold; an ingestion past it is a 400 naming the point.
METRICS_MAX_PER_PROJECT = int(os.environ.get("METRICS_MAX_PER_PROJECT", "1000"))
# `manage.py metrics_retention` drops points older than this many days (unset: keep all).
METRICS_RETENTION_DAYS = (
    int(os.environ["METRICS_RETENTION_DAYS"]) if os.environ.get("METRICS_RETENTION_DAYS") else None
)
# Rollups kept at ingestion and read by the providers; off only to measure without them.
METRICS_ROLLUPS = env_bool("METRICS_ROLLUPS", True)
# Widget data each worker keeps in its memory, by the cache's own key (0: none; the cold
# benchmark turns it off, as the copies would answer what it means to compute).
WIDGET_DATA_HELD_BYTES = int(os.environ.get("WIDGET_DATA_HELD_BYTES", 8 * 1024 * 1024))
# One budget for all the widget data of a request; keep it below gunicorn's --timeout (30 s).
WIDGET_DATA_DEADLINE_SECONDS = float(os.environ.get("WIDGET_DATA_DEADLINE_SECONDS", "10"))

# Rendered JSON held per worker by the versions it depends on (dashboards/api/held_responses.py):
# v1 list pages and dashboard details, up to this many bytes each (0: none). With the check
# on, a held response is built again and compared, and a difference fails the request (the
# tests turn it on).
HELD_PAGES_BYTES = int(os.environ.get("HELD_PAGES_BYTES", 8 * 1024 * 1024))
HELD_DASHBOARDS_BYTES = int(os.environ.get("HELD_DASHBOARDS_BYTES", 8 * 1024 * 1024))
HELD_RESPONSES_CHECK = env_bool("HELD_RESPONSES_CHECK", False)

# Reads are rate-limited per user only when asked to (dashboards/api/throttling.py).
API_THROTTLE_READS = env_bool("THROTTLE_READS")

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "7"))),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY", SECRET_KEY),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Dashboards API",
    "DESCRIPTION": "Analytics dashboards and widgets, in two API families.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Bodies are documented as JSON, the API's format; the form parsers are there for the
    # browsable API's HTML forms only (a form cannot carry nested objects).
    "PARSER_WHITELIST": ["dashboards.api.parsers.JSONParser"],
    # Public, like the API's own documentation pages: no login, no credentials read
    # (an expired token must not break the docs). docs/openapi.md.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "PREPROCESSING_HOOKS": ["dashboards.api.schema.strip_optional_slash"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dashboards.api.schema.family_postprocess",
    ],
    # System fonts: the stock ReDoc page would fetch them from Google (no internet here).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif"},
            }
        },
    },
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "persistAuthorization": True,
        "displayOperationId": True,
        "tryItOutEnabled": True,
    },
}

# --- Operations -----------------------------------------------------------------------
# /metrics (Prometheus) answers only these client addresses, or a bearer METRICS_TOKEN.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Proxies in front of the app that append to X-Forwarded-For (1 behind the nginx of
# deploy/); the client address is the entry they appended. 0: REMOTE_ADDR.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # odata-query logs a warning for every contains()/startswith(); it is noise.
        "odata_query": {"level": "ERROR"},
    },
}
