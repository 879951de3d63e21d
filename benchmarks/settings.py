"""Settings for the benchmark process and the worker and web server it starts.

PostgreSQL and Redis from DATABASE_URL and CELERY_BROKER_URL, defaulting to the local services;
the run works in a throwaway database named after DATABASE_URL's with a `_bench` suffix.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/offboarding")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

from config.settings.base import env  # noqa: E402
from config.settings.test import *  # noqa: E402,F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Production's persistent connections (config.settings.production), for the web server and worker.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"] + "_bench"}  # noqa: F405
if os.environ.get("EMAIL_URL"):
    vars().update(env.email_url("EMAIL_URL"))
# Per-message INFO lines would time the terminal, not the product.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
