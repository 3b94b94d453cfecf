"""Omni settings: one module, driven by environment variables (see README.md).

Embedded defaults (SQLite file, tasks run in-process) need nothing installed; production sets
DATABASE_URL, CELERY_BROKER_URL, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from omni.environment import env_bool, env_int, env_list, env_str
from omni.error_reporting import sentry_init
from omni.logs import LOG_FORMATS, logging_config
from omni.task_queues import queue_names, task_routes

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OMNI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", default=False)
# A development key is only acceptable while DEBUG is on; production must provide its own.
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "django-insecure-omni-development-only" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "The environment variable DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. "
        "To develop, run `make run` once (it writes .env with DJANGO_DEBUG=1, which manage.py "
        "reads) or set DJANGO_DEBUG=1; to deploy, see README.md, “Running in production”."
    )
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "omni.admin_apps.OmniAdminConfig",  # django.contrib.admin, its index a workspace
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "omni",
    "customers",
    "privacy",
    "journeys",
    "segments",
    "insights",
    "clienteling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Early, so that a flood is refused before sessions, CSRF or the view (see omni/rate_limits.py).
    "omni.rate_limits.AddressRateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "clienteling.middleware.AssociateMiddleware",
    # Writes the reads of personal data a request journaled, once it succeeded (one INSERT).
    "omni.access_journal.AccessJournalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "omni.urls"
WSGI_APPLICATION = "omni.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'omni.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and immediate transactions let the dev server and a task write at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Indexes that include non-key columns (customers' name indexes) are for PostgreSQL; SQLite
# builds them without those columns, which is what we want there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "clienteling:login"
# My day, for associates. The tablet's sign-in and "/" itself send head office (staff without
# an associate profile) to the dashboards or the admin's index instead (clienteling.views).
LOGIN_REDIRECT_URL = "/"
# Login throttling (django-axes): a username is locked for a while after repeated failures
# from one address; the other associates of the store keep working.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("OMNI_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("OMNI_LOGIN_COOLOFF_MINUTES", default=15))
# One username from one address (a user's typos), and every username from one address (a
# password spray), each with its own limit: see "Abuse resistance" below.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "omni.login_lockout.UsernameAndAddressLockoutHandler"
AXES_LOCKOUT_CALLABLE = "omni.login_lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "clienteling/locked_out.html"
# No start-up banner on every command, and log lines that name only what locks (username and
# address), not the browser's user agent.
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Currency of the retailer's books; every amount also stores its own currency.
OMNI_DEFAULT_CURRENCY = env_str("OMNI_DEFAULT_CURRENCY", "EUR")
OMNI_DEFAULT_PHONE_REGION = env_str("OMNI_DEFAULT_PHONE_REGION", "FR")
# Text messages to customers (pickup ready...): a dotted path to a backend class with
# send_messages(); the console backend prints them, a provider's backend sends them.
OMNI_SMS_BACKEND = env_str("OMNI_SMS_BACKEND", "clienteling.sms.ConsoleSmsBackend")

# Celery: without a broker, tasks run in-process so the app needs nothing else running.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_RETRY_DELAY = 10
# Webhooks, imports and analytics on queues of their own, each with its workers (`-Q`): off by
# default, every task on "celery" (omni.task_queues; README, "Scaling out").
OMNI_CELERY_SEPARATE_QUEUES = env_bool("OMNI_CELERY_SEPARATE_QUEUES", default=False)
CELERY_TASK_ROUTES = task_routes(separate=OMNI_CELERY_SEPARATE_QUEUES)
OMNI_CELERY_QUEUES = queue_names(separate=OMNI_CELERY_SEPARATE_QUEUES)
# Redis gives a task a worker took but never acknowledged (the worker was killed) to another
# worker only after this long. It must exceed the longest task and the longest retry countdown
# (outbound notifications wait up to an hour), or a task still running or waiting for its retry
# is run a second time. Webhook deliveries do not wait for it: see OMNI_WEBHOOK_LEASE_SECONDS.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=2 * 60 * 60)
}
# A webhook delivery still waiting this long after it was queued or taken by a worker lost its
# task (worker killed mid-task, broker down when it was queued): beat's sweep, every
# OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS, queues it again. 60 + 30: retried within 90 seconds.
OMNI_WEBHOOK_LEASE_SECONDS = env_int("OMNI_WEBHOOK_LEASE_SECONDS", default=60)
OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS = env_int("OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS", default=30)
if min(OMNI_WEBHOOK_LEASE_SECONDS, OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS) < 1:
    raise ImproperlyConfigured(
        "OMNI_WEBHOOK_LEASE_SECONDS and OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS must be at least 1."
    )
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Webhook deliveries whose task was lost: a cheap indexed query; a sweep that waited in the
    # queue (no worker up) expires rather than piling up behind the deliveries.
    "requeue-lost-webhook-deliveries": {
        "task": "journeys.tasks.webhook_deliveries_requeue_lost_task",
        "schedule": OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS,
        "options": {"expires": OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS},
    },
    # Typo-tolerant search: words of new names every 5 minutes, exact counts nightly.
    "refresh-name-words": {
        "task": "customers.tasks.name_words_refresh_task",
        "schedule": 5 * 60,
    },
    "recount-name-words": {
        "task": "customers.tasks.name_words_refresh_task",
        "schedule": crontab(hour=2, minute=15),
        "kwargs": {"everyone": True},
    },
    "purge-idempotency-records": {
        "task": "omni.tasks.idempotency_records_purge_task",
        "schedule": 60 * 60,
    },
    "expire-overdue-pickups": {
        "task": "clienteling.tasks.pickups_expire_overdue_task",
        "schedule": 15 * 60,
    },
    # E-shop reconciliation: a pull per shop (what lost webhooks missed), and deliveries still
    # waiting after 10 minutes whatever their lease (a backstop to the sweep above).
    "reconcile-shop-integrations": {
        "task": "journeys.tasks.integrations_reconcile_task",
        "schedule": 15 * 60,
    },
    # Head-office triggers: recent events every 15 minutes, birthdays and lapsed VIPs daily.
    "evaluate-triggers": {
        "task": "clienteling.tasks.triggers_evaluate_task",
        "schedule": 15 * 60,
    },
    "evaluate-daily-triggers": {
        "task": "clienteling.tasks.triggers_evaluate_daily_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Lifecycle stages from scratch: who lapsed with time, and the same result as the events.
    "recompute-lifecycle-stages": {
        "task": "journeys.tasks.lifecycle_recompute_all_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Dashboards' aggregate tables: recent days hourly (late data), everything after the
    # lifecycle recompute (stage snapshot, monthly retention and cohorts).
    "refresh-insights": {
        "task": "insights.tasks.insights_refresh_task",
        "schedule": crontab(minute=10),
    },
    "rebuild-insights": {
        "task": "insights.tasks.insights_rebuild_task",
        "schedule": crontab(hour=3, minute=30),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "omni.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["omni.api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "omni.api.schema.OmniAutoSchema",
    "EXCEPTION_HANDLER": "omni.api.exception_handler.api_exception_handler",
    # Per API client (or signed-in user); per address is AddressRateLimitMiddleware's.
    "DEFAULT_THROTTLE_CLASSES": ["omni.api.throttling.ApiClientRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Omni API",
    "DESCRIPTION": "Customers, orders, wishlists, after-sales, pickups, appointments and "
    "touchpoints, for the e-shop and other channel systems. See README.md, “REST API”.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",  # Operations are grouped by resource: customers, orders...
    # Several models have a "status", "kind" or "channel": give each choice set its own name.
    "ENUM_NAME_OVERRIDES": {
        # A customer's preferred language and a consent wording's language: the same choices.
        "LanguageEnum": LANGUAGES,
        "ChannelEnum": "omni.models.Channel",
        "LifecycleStageEnum": "customers.models.LifecycleStage",
        "ContactChannelEnum": "customers.models.ContactChannel",
        "StoreKindEnum": "omni.models.Store.Kind",
        "AddressKindEnum": "customers.models.Address.Kind",
        "TicketKindEnum": "journeys.models.TicketKind",
        "TouchpointKindEnum": "journeys.models.TouchpointKind",
        "OrderStatusEnum": "journeys.models.OrderStatus",
        "ReturnStatusEnum": "journeys.models.ReturnStatus",
        "TicketStatusEnum": "journeys.models.TicketStatus",
        "PickupStatusEnum": "journeys.models.PickupStatus",
        "AppointmentStatusEnum": "clienteling.models.AppointmentStatus",
        "PickupTransitionEnum": ["preparing", "ready", "collected", "cancelled"],
        "AppointmentTransitionEnum": ["confirmed", "completed", "no_show", "cancelled"],
        "BatchResultStatusEnum": ["created", "updated", "unchanged", "stale", "error"],
    },
}
# Request bodies above this size are refused (413); a full batch of orders fits comfortably.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OMNI_API_MAX_BODY_BYTES", default=5 * 1024 * 1024)
OMNI_API_BATCH_MAX_RECORDS = env_int("OMNI_API_BATCH_MAX_RECORDS", default=1000)
OMNI_IDEMPOTENCY_RETENTION_HOURS = env_int("OMNI_IDEMPOTENCY_RETENTION_HOURS", default=24)

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The Django admin sets a few inline style attributes; scripts stay nonce-only.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "https:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Transport security: on by default outside DEBUG; a proxy terminating TLS sets the header.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env_bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Mail: printed to the console while developing, SMTP (configured here) in production.
_EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": {
            "host": env_str("DJANGO_EMAIL_HOST", "localhost"),
            "port": env_int("DJANGO_EMAIL_PORT", default=587),
            "username": env_str("DJANGO_EMAIL_USER", ""),
            "password": env_str("DJANGO_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", default=True),
        }
        if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "omni@localhost")

# Logs (issue 12, README "Logs and error reporting"): one JSON object per line on stderr in
# production, readable text while developing; each line carries the request id (X-Request-ID,
# also sent to the tasks a request queues), the user's or API client's id, the view or task.
OMNI_LOG_FORMAT = env_str("OMNI_LOG_FORMAT", "text" if DEBUG else "json")
if OMNI_LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"OMNI_LOG_FORMAT must be one of: {', '.join(LOG_FORMATS)}.")
LOGGING = logging_config(log_format=OMNI_LOG_FORMAT, level=env_str("DJANGO_LOG_LEVEL", "INFO"))
MIDDLEWARE.insert(0, "omni.logs.RequestIdMiddleware")
# Errors reported to Sentry when SENTRY_DSN is set, without personal data (omni.error_reporting).
SENTRY_DSN = env_str("SENTRY_DSN", "")
OMNI_ENVIRONMENT = env_str("OMNI_ENVIRONMENT", "")
OMNI_RELEASE = env_str("OMNI_RELEASE", "")
try:
    SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0") or 0) or None
except ValueError:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1.") from None
if SENTRY_TRACES_SAMPLE_RATE is not None and not 0 < SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1.")
sentry_init(
    dsn=SENTRY_DSN,
    environment=OMNI_ENVIRONMENT,
    release=OMNI_RELEASE,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)

# Abuse resistance (issue 10): rate limits, login lockout, secrets encrypted at rest ----------
# Rate limits count requests per fixed window of OMNI_RATE_LIMIT_WINDOW_SECONDS in the cache,
# which must be shared by every process in production (Redis, OMNI_CACHE_URL). A refusal is a
# 429 with Retry-After. Defaults are far above real use: a shop's webhook burst (a flash sale
# sends a few hundred per minute) is 6000 a minute from one address; a store's tablets behind
# one address sign in 60 times a minute.
OMNI_CACHE_URL = env_str("OMNI_CACHE_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": OMNI_CACHE_URL,
        "KEY_PREFIX": "omni",
    }
    if OMNI_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
OMNI_RATE_LIMIT_WINDOW_SECONDS = env_int("OMNI_RATE_LIMIT_WINDOW_SECONDS", default=60)
OMNI_RATE_LIMIT_API_PER_CLIENT = env_int("OMNI_RATE_LIMIT_API_PER_CLIENT", default=3000)
OMNI_RATE_LIMIT_API_PER_ADDRESS = env_int("OMNI_RATE_LIMIT_API_PER_ADDRESS", default=6000)
OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS = env_int("OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS", default=6000)
OMNI_RATE_LIMIT_SIGN_IN_PER_ADDRESS = env_int("OMNI_RATE_LIMIT_SIGN_IN_PER_ADDRESS", default=60)
_RATE_LIMITS = {
    "OMNI_RATE_LIMIT_WINDOW_SECONDS": OMNI_RATE_LIMIT_WINDOW_SECONDS,
    "OMNI_RATE_LIMIT_API_PER_CLIENT": OMNI_RATE_LIMIT_API_PER_CLIENT,
    "OMNI_RATE_LIMIT_API_PER_ADDRESS": OMNI_RATE_LIMIT_API_PER_ADDRESS,
    "OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS": OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS,
    "OMNI_RATE_LIMIT_SIGN_IN_PER_ADDRESS": OMNI_RATE_LIMIT_SIGN_IN_PER_ADDRESS,
}
for _name, _value in _RATE_LIMITS.items():
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
# Proxies in front of Omni that append the client's address to X-Forwarded-For (0: none, the
# peer's address is the client's). Rate limits and the login lockout count per client address.
OMNI_TRUSTED_PROXY_COUNT = env_int("OMNI_TRUSTED_PROXY_COUNT", default=0)
if OMNI_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("OMNI_TRUSTED_PROXY_COUNT cannot be negative.")
AXES_CLIENT_IP_CALLABLE = "omni.rate_limits.client_address"
# Failed sign-ins from one address across usernames before the address is locked out for
# AXES_COOLOFF_TIME; one username's own failures still lock at OMNI_LOGIN_FAILURE_LIMIT.
OMNI_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("OMNI_LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
if not 0 < AXES_FAILURE_LIMIT <= OMNI_LOGIN_ADDRESS_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "OMNI_LOGIN_FAILURE_LIMIT must be at least 1 and at most OMNI_LOGIN_ADDRESS_FAILURE_LIMIT."
    )
# Fernet keys (comma-separated; the first encrypts, all decrypt) for the secrets stored in the
# database: shops' API and webhook secrets, outbound webhooks' signing secrets. Required in
# production; in development a key is derived from SECRET_KEY. Rotation: see README.
OMNI_ENCRYPTION_KEYS = env_list("OMNI_ENCRYPTION_KEYS", default=[])
if not OMNI_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "The environment variable OMNI_ENCRYPTION_KEYS is required: see README.md, "
        "“Secrets encrypted at rest”."
    )
for _key in OMNI_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "OMNI_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 bytes in URL-safe base64)."
        ) from None

# Data protection: how long personal data is kept (privacy.retention, run daily by beat and by
# `manage.py gdpr_retention`). Defaults from the CNIL's référentiel for customer management:
# a customer or prospect is erased 3 years after the last contact (an order, a visit, a
# message, a consent given...); raw webhook bodies and outbound payloads are emptied 30 days
# after they arrived; the access journal is kept one year; Idempotency-Key answers 24 hours.
OMNI_RETENTION = {
    "customer_days": env_int("OMNI_RETENTION_CUSTOMER_DAYS", default=3 * 365),
    "webhook_body_days": env_int("OMNI_RETENTION_WEBHOOK_BODY_DAYS", default=30),
    "outbound_body_days": env_int("OMNI_RETENTION_OUTBOUND_BODY_DAYS", default=30),
    "access_journal_days": env_int("OMNI_RETENTION_ACCESS_JOURNAL_DAYS", default=365),
    "idempotency_hours": OMNI_IDEMPOTENCY_RETENTION_HOURS,
}
CELERY_BEAT_SCHEDULE["data-retention"] = {
    "task": "privacy.tasks.retention_run_task",
    "schedule": crontab(hour=3, minute=30),
}

# Prometheus metrics (issue 12): GET /metrics, see README, "Metrics". A bearer token and/or the
# networks a scraper calls from; with neither the endpoint is off (404) outside DEBUG.
OMNI_METRICS_TOKEN = env_str("OMNI_METRICS_TOKEN", "")
if OMNI_METRICS_TOKEN and len(OMNI_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("OMNI_METRICS_TOKEN must be at least 32 characters long.")
OMNI_METRICS_ALLOWED_NETWORKS = env_list("OMNI_METRICS_ALLOWED_NETWORKS", default=[])
for _network in OMNI_METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"OMNI_METRICS_ALLOWED_NETWORKS: {_network!r} is not an address or a network "
            "(e.g. 10.0.0.0/8, 192.168.1.7)."
        ) from None
# A Celery worker's own metrics server (workers on a host without a web process); 0: none.
OMNI_CELERY_METRICS_PORT = env_int("OMNI_CELERY_METRICS_PORT", default=0)
OMNI_CELERY_METRICS_ADDRESS = env_str("OMNI_CELERY_METRICS_ADDRESS", "127.0.0.1")
# First: requests, latency and queries of every answer, other middlewares' refusals included.
MIDDLEWARE.insert(0, "omni.metrics.http.HttpMetricsMiddleware")

# Health checks (issue 12, README "Health checks") --------------------------------------------
# /health/live and /health/ready are answered before host validation and the HTTPS redirect:
# load balancers ask by address over plain HTTP (omni/health_views.py).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware"),
    "omni.health_views.HealthCheckMiddleware",
)
# Whether the web readiness fails when no Celery worker has a fresh heartbeat (always reported;
# /health/ready?worker=1 and `manage.py health_check --workers` fail on it whatever this says).
OMNI_HEALTH_REQUIRE_WORKER = env_bool("OMNI_HEALTH_REQUIRE_WORKER", default=False)
# Each worker writes its heartbeat this often; one older than three beats is stale.
OMNI_WORKER_HEARTBEAT_SECONDS = env_int("OMNI_WORKER_HEARTBEAT_SECONDS", default=30)
# A beat job is overdue when its last success is this much later than the schedule allows.
OMNI_BEAT_OVERDUE_MARGIN_SECONDS = env_int("OMNI_BEAT_OVERDUE_MARGIN_SECONDS", default=5 * 60)
if min(OMNI_WORKER_HEARTBEAT_SECONDS, OMNI_BEAT_OVERDUE_MARGIN_SECONDS) < 1:
    raise ImproperlyConfigured(
        "OMNI_WORKER_HEARTBEAT_SECONDS and OMNI_BEAT_OVERDUE_MARGIN_SECONDS must be at least 1."
    )
