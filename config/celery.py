"""The Celery app; it reads Django settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("offboarding")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The inbound edges are a package inside the integrations app, not an app of their own.
app.autodiscover_tasks(["integrations.inbound"])


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **_kwargs) -> None:
    # Around each task as Django does around each request: a connection past CONN_MAX_AGE or left
    # broken by an error is closed, a healthy one is kept (CELERY_DB_REUSE_MAX stops Celery's own
    # fixup from closing every connection after every task). A task run eagerly, inside its
    # caller's transaction, leaves the connection to the caller, as the fixup does.
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
