"""Settings for the Celery worker process the outbox tests start: the test settings plus real SMTP.

The test process passes DATABASE_URL (its test database), CELERY_BROKER_URL (Redis) and EMAIL_URL
(the loopback SMTP server) in the environment.
"""

from config.settings.base import env
from config.settings.test import *  # noqa: F403

vars().update(env.email_url("EMAIL_URL"))
EMAIL_TIMEOUT = 10
# Backoff in fractions of a second, so retries to the end play out within a test.
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=0.2)
