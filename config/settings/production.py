"""Production: every secret from the environment, HTTPS, PostgreSQL and Redis expected."""

from offboarding.feedback.crypto import parse_key_ring

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# Fail at start, not at the first email, save or answer: no fallback to the console, SQLite or localhost.
CONFIDENTIAL_KEYS = env("CONFIDENTIAL_KEYS")
parse_key_ring(CONFIDENTIAL_KEYS)  # an empty or malformed ring stops the process here
DATABASES["default"].update(env.db_url("DATABASE_URL"))
vars().update(env.email_url("EMAIL_URL"))
SITE_URL = env("SITE_URL").rstrip("/")
# The login counters (django-axes) and throttles must be shared by every process: Redis.
CACHES = {"default": env.cache_url("CACHE_URL")}
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Persistent connections: each gunicorn worker and each Celery worker process keeps one open
# connection (sync workers serve one request at a time), instead of connecting per request. With
# the docker-compose sizes (3 web workers, a worker of concurrency 2, beat) that is at most 6
# connections plus `migrate` and admin shells, far under PostgreSQL's default max_connections of
# 100; the README's performance section has the sum to check when scaling out.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)  # noqa: F405
# A connection dropped by the server (restart, idle timeout) is noticed before a request uses it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
