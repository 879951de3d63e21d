"""Settings of every process a fault run starts (web, workers, beat, the harness itself).

The development settings with the services the harness hands over in the environment (DATABASE_URL,
CELERY_BROKER_URL, EMAIL_URL), plus the harness's renderer and a beat that only sweeps.
"""

from config.settings.base import env
from config.settings.dev import *  # noqa: F403
from config.settings.dev import INSTALLED_APPS

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [*INSTALLED_APPS, "faults"]
# Backoff in seconds rather than minutes, so retries to the end play out within a case.
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=2)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=20)
_SWEEP = env.int("FAULTS_SWEEP_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep-due-actions": {
        "task": "workflows.outbox.tasks.sweep_due_actions",
        "schedule": _SWEEP,
        "options": {"expires": max(_SWEEP - 5, 1)},
    }
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# Receipts from IT systems are accepted (unset, the endpoint answers 503 by design: not configured).
OUTBOUND_WEBHOOK_SECRET = env("OUTBOUND_WEBHOOK_SECRET", default="faults-receipts-secret")
