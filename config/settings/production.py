"""Production: every secret from the environment, HTTPS, PostgreSQL and Redis expected."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
CONFIDENTIAL_KEYS = env("CONFIDENTIAL_KEYS")
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
