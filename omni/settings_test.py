"""Settings for the test suite: the real settings, with a throwaway key and fast hashing.

The database comes from DATABASE_URL as in production (PostgreSQL in CI), SQLite otherwise.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "omni-tests-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# A throwaway Fernet key (secrets encrypted at rest), like the secret key above.
os.environ.setdefault("OMNI_ENCRYPTION_KEYS", "GGfv_WDUq2JOUc6zBMlDNQnNA7UOSZpBVlmCis2qelU=")

from omni.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Each test process its own cache (rate limit counters), emptied around every test (conftest).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING = {"version": 1, "disable_existing_loggers": False}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file (not shared-cache memory) so that threads in concurrency tests wait on SQLite's
    # write lock, as the dev server does, instead of failing with "table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-omni-{os.getpid()}.sqlite3")}  # noqa: F405

# Serve static files straight from the app folders (live_server and browser tests), and give
# whitenoise the folder it expects so it does not warn on every request.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
