"""The Celery app; it reads Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("offboarding")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The inbound edges are a package inside the integrations app, not an app of their own.
app.autodiscover_tasks(["integrations.inbound"])
