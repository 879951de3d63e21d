"""Settings for the test suite: whatever DATABASE_URL and CELERY_BROKER_URL say, fast hashing."""

import os

os.environ.setdefault("CONFIDENTIAL_KEYS", "1:dGVzdC1rZXktb25lLTMyLWJ5dGVzLWxvbmctLS0tLS0=")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR  # noqa: E402

# Celery lets the CELERY_BROKER_URL environment variable override its configuration; tests point
# the broker where each needs it (the worker tests at Redis, others at a closed port), so the
# variable is read once above and then taken out of the way.
os.environ.pop("CELERY_BROKER_URL", None)
VAR_DIR.mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITE_URL = "http://testserver"
HRIS_SECRETS = {"generic": "test-secret", "bamboohr": "test-secret-bamboo", "personio": "test-secret-personio"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
